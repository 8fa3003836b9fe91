// Checks the AWS SDK calls that AwsCustomResource makes against the real EC2 API model
// of @aws-sdk/client-ec2 (a devDependency): the service, the command, every parameter
// name (recursively, through nested structures), the primitive type of each value, the
// enum values where the model declares an enum, and the response paths read back.
// A typo in any of them fails the test instead of failing a deployment.
import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';

/** One SDK call as AwsCustomResource serializes it into Create / Update / Delete. */
export interface SdkCall {
  readonly service: string;
  readonly action: string;
  readonly parameters?: Record<string, unknown>;
  readonly outputPaths?: string[];
  readonly physicalResourceId?: { id?: string; responsePath?: string };
}

/** The calls of one custom resource, by event. */
export interface CustomResourceCalls {
  readonly logicalId: string;
  readonly type: string;
  readonly create?: SdkCall;
  readonly update?: SdkCall;
  readonly delete?: SdkCall;
  readonly installLatestAwsSdk: unknown;
}

/** Schema kinds of the Smithy schema-based serde (@smithy/core): what the checker knows. */
const STRING = 0;
const NUMERIC = 1;
const BOOLEAN = 2;
const STRUCTURE = 3;
const OPERATION = 9;
/** Composite schemas `[kind, namespace, name, traits, …]`: a list's member, a map's key and value. */
const LIST = 1;
const MAP = 2;
/** Flags on a simple schema number: a list of, or a map (string keys) of, that simple type. */
const LIST_OF = 64;
const MAP_OF = 128;

type Schema = unknown;

/** The client module that the handler would load for `service` (same normalization as the handler). */
export function clientFor(service: string): Client {
  const normalized = service.toLowerCase().replace(/^@aws-sdk\/client-/, '');
  const name = `@aws-sdk/client-${normalized}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return { name, module: require(name) };
}

function deref(schema: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 5; i++) {
    if (typeof s === 'function') s = (s as () => Schema)();
    else if (Array.isArray(s) && (typeof s[0] === 'function' || typeof s[0] === 'number') && s.length === 2) s = s[0];
    else break;
  }
  return s;
}

interface Structure { name: string; members: Map<string, Schema> }

function structure(schema: Schema): Structure | undefined {
  const s = deref(schema);
  if (!Array.isArray(s) || s[0] !== STRUCTURE) return undefined;
  const names = s[4] as string[];
  const schemas = s[5] as Schema[];
  return { name: s[2] as string, members: new Map(names.map((n, i) => [n, schemas[i]])) };
}

/** The interface members (`Name?: Type`) that the client's type declarations give `shape`. */
function declaredMemberTypes(shape: string, clientName: string): Map<string, string> {
  const dir = path.join(path.dirname(require.resolve(`${clientName}/package.json`)), 'dist-types', 'models');
  for (const file of fs.readdirSync(dir)) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const start = text.indexOf(`export interface ${shape} {`);
    if (start < 0) continue;
    const body = text.slice(start, text.indexOf('\n}\n', start));
    const types = new Map<string, string>();
    for (const m of body.matchAll(/^ {4}(\w+)\??: (\w+)(?: \| undefined)?;$/gm)) types.set(m[1], m[2]);
    return types;
  }
  return new Map();
}

interface Client { name: string; module: Record<string, unknown> }

/** A list's or a map's element schema, or undefined when `s` is neither. */
function collection(s: Schema): { kind: 'list' | 'map'; element: Schema } | undefined {
  // Simple schemas are small numbers: MAP_OF + kind, LIST_OF + kind (kind < LIST_OF).
  if (typeof s === 'number' && s >= MAP_OF) return { kind: 'map', element: s - MAP_OF };
  if (typeof s === 'number' && s >= LIST_OF) return { kind: 'list', element: s - LIST_OF };
  if (Array.isArray(s) && s[0] === LIST) return { kind: 'list', element: s[4] };
  if (Array.isArray(s) && s[0] === MAP) return { kind: 'map', element: s[5] };
  return undefined;
}

function checkValue(where: string, value: unknown, schema: Schema, enumName: string | undefined,
  client: Client, errors: string[]): void {
  const s = deref(schema);
  const struct = structure(s);
  if (struct !== undefined) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      errors.push(`${where}: expected a structure ${struct.name}, got ${JSON.stringify(value)}`);
      return;
    }
    checkStructure(where, value as Record<string, unknown>, struct, client, errors);
    return;
  }
  const elements = collection(s);
  if (elements !== undefined) {
    const isList = Array.isArray(value);
    const isMap = typeof value === 'object' && value !== null && !isList;
    if (elements.kind === 'list' ? !isList : !isMap) {
      errors.push(`${where}: expected a ${elements.kind}, got ${JSON.stringify(value)}`);
      return;
    }
    for (const [k, v] of Object.entries(value as object)) checkValue(`${where}[${k}]`, v, elements.element, undefined, client, errors);
    return;
  }
  const module = client.module;
  const kind = s;
  const expected = kind === STRING ? 'string' : kind === NUMERIC ? 'number' : kind === BOOLEAN ? 'boolean' : undefined;
  if (expected === undefined) {
    errors.push(`${where}: schema ${JSON.stringify(kind)} is not one this checker knows; extend it`);
    return;
  }
  if (typeof value !== expected) errors.push(`${where}: expected a ${expected}, got ${JSON.stringify(value)}`);
  if (enumName !== undefined) {
    const values = module[enumName];
    if (typeof values === 'object' && values !== null && !Object.values(values).includes(value)) {
      errors.push(`${where}: ${JSON.stringify(value)} is not a value of ${enumName} (${Object.values(values).join(', ')})`);
    }
  }
}

function checkStructure(where: string, value: Record<string, unknown>, struct: Structure,
  client: Client, errors: string[]): void {
  const types = declaredMemberTypes(struct.name, client.name);
  for (const [name, v] of Object.entries(value)) {
    const member = struct.members.get(name);
    if (member === undefined) {
      errors.push(`${where}.${name}: no member ${name} in ${struct.name} (members: ${[...struct.members.keys()].join(', ')})`);
      continue;
    }
    checkValue(`${where}.${name}`, v, member, types.get(name), client, errors);
  }
}

/**
 * Check one call against the model; returns what is wrong (empty when all is right).
 *
 * @param responsePaths response fields read back (getResponseField), checked against the output shape
 */
export function checkSdkCall(call: SdkCall, responsePaths: string[] = []): string[] {
  const errors: string[] = [];
  let client: Client;
  try {
    client = clientFor(call.service);
  } catch {
    return [`service ${call.service}: no package @aws-sdk/client-${call.service.toLowerCase()}`];
  }
  const command = client.module[`${call.action}Command`];
  if (typeof command !== 'function') errors.push(`action ${call.action}: no ${call.action}Command in ${client.name}`);
  const operation = client.module[`${call.action}$`];
  if (!Array.isArray(operation) || operation[0] !== OPERATION) {
    errors.push(`action ${call.action}: no operation schema ${call.action}$ in ${client.name}`);
    return errors;
  }
  const input = structure(operation[4]);
  const output = structure(operation[5]);
  if (input === undefined) return [...errors, `action ${call.action}: input is not a structure`];
  checkStructure(`${call.action}`, call.parameters ?? {}, input, client, errors);

  for (const p of [...(call.outputPaths ?? []), ...responsePaths]) {
    let current: Structure | undefined = output;
    for (const segment of p.split('.')) {
      const member: Schema | undefined = current?.members.get(segment);
      if (member === undefined) {
        errors.push(`response path ${p}: no member ${segment} in ${current?.name ?? 'the response'}`);
        break;
      }
      current = structure(member);
    }
  }
  return errors;
}

/** Parse AwsCustomResource's serialized call (a JSON string, or a Fn::Join around tokens). */
function parseCall(value: unknown): SdkCall | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return JSON.parse(value);
  const join = (value as Record<string, unknown>)['Fn::Join'] as [string, unknown[]] | undefined;
  if (join === undefined) throw new Error(`cannot read the SDK call ${JSON.stringify(value)}`);
  // A token: a placeholder where it is, a number after a key (`"Key":`), else text inside a string.
  const parts = join[1];
  return JSON.parse(parts.map((part, i) => {
    if (typeof part === 'string') return part;
    const before = parts[i - 1];
    return typeof before === 'string' && before.endsWith(':') ? '0' : 'TOKEN';
  }).join(join[0]));
}

/** Every custom resource of `type` in the template, with its calls parsed. */
export function customResourceCalls(template: Template, type: string): CustomResourceCalls[] {
  return Object.entries(template.findResources(type)).map(([logicalId, resource]) => {
    const props = resource.Properties as Record<string, unknown>;
    return {
      logicalId,
      type,
      create: parseCall(props.Create),
      update: parseCall(props.Update),
      delete: parseCall(props.Delete),
      installLatestAwsSdk: props.InstallLatestAwsSdk,
    };
  });
}
