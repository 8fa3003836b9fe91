/**
 * Reading a reference out of CloudFormation JSON, in every form a template may write it.
 *
 * The same reference reaches the engine written several ways: aws-cdk-lib writes
 * `{ 'Fn::GetAtt': [Id, Attr] }`, a YAML template included with CfnInclude keeps
 * `!GetAtt Id.Attr` as `{ 'Fn::GetAtt': 'Id.Attr' }`, and a hand-written template may wrap
 * it in `{ 'Fn::Sub': '${Id.Attr}' }`. Each front door's lookup and the engine's reading
 * of launch template versions go through `parseReference`, so that a form one of them
 * understands is understood by all (a form read in one place only is how a consumer slips
 * past the replacement check).
 */
import { Json, isIntrinsic, isPlainObject } from './json';

/** What a value refers to: `Ref Id` (no attribute) or `Fn::GetAtt Id.Attribute`. */
export interface Reference {
  /** The logical id of a resource or a parameter (or a pseudo parameter such as `AWS::StackName`). */
  readonly logicalId: string;
  /** The attribute read (`LatestVersionNumber`, `Outputs.Name` …); absent for a `Ref`. */
  readonly attribute?: string;
}

/**
 * The reference `value` is, when it is exactly one:
 * - `{ Ref: Id }`;
 * - `{ 'Fn::GetAtt': [Id, Attribute] }` or `{ 'Fn::GetAtt': 'Id.Attribute' }` (the attribute
 *   is everything after the first dot: `Stack.Outputs.Name` reads `Outputs.Name`);
 * - `{ 'Fn::Sub': '${Id}' }` / `'${Id.Attribute}'`, or the `[text, variables]` form, where a
 *   variable of that name stands for its value (itself parsed the same way).
 *
 * Undefined for anything else: a literal, another intrinsic, a Sub with other text or
 * several references (its value is not the attribute's value), an attribute that is
 * itself computed.
 */
export function parseReference(value: unknown): Reference | undefined {
  return parse(value, 0);
}

/** How deep Sub variables that stand for other Subs are followed. */
const MAX_DEPTH = 8;

function parse(value: unknown, depth: number): Reference | undefined {
  if (depth > MAX_DEPTH || !isIntrinsic(value)) return undefined;
  const v = value as Record<string, Json>;
  if ('Ref' in v) return typeof v.Ref === 'string' && v.Ref !== '' ? { logicalId: v.Ref } : undefined;
  if ('Fn::GetAtt' in v) return getAtt(v['Fn::GetAtt']);
  if ('Fn::Sub' in v) return sub(v['Fn::Sub'], depth);
  return undefined;
}

function getAtt(arg: Json): Reference | undefined {
  if (typeof arg === 'string') return dotted(arg);
  if (!Array.isArray(arg) || arg.length !== 2) return undefined;
  const [logicalId, attribute] = arg;
  if (typeof logicalId !== 'string' || logicalId === '' || typeof attribute !== 'string' || attribute === '') return undefined;
  return { logicalId, attribute };
}

/** `Id.Attribute` (GetAtt's short form and a Sub variable): split at the first dot. */
function dotted(text: string): Reference | undefined {
  const dot = text.indexOf('.');
  if (dot <= 0 || dot === text.length - 1) return undefined;
  return { logicalId: text.slice(0, dot), attribute: text.slice(dot + 1) };
}

/** A whole Sub string that is one `${…}` and nothing else (`${!…}` is literal text, not a reference). */
const ONE_VARIABLE = /^\$\{([^!}][^}]*)\}$/;

function sub(arg: Json, depth: number): Reference | undefined {
  let text: Json = arg;
  let variables: Record<string, Json> = {};
  if (Array.isArray(arg)) {
    if (arg.length !== 2 || !isPlainObject(arg[1])) return undefined;
    [text, variables] = arg;
  }
  if (typeof text !== 'string') return undefined;
  const match = ONE_VARIABLE.exec(text);
  if (!match) return undefined;
  const name = match[1].trim();
  if (Object.prototype.hasOwnProperty.call(variables, name)) return parse(variables[name], depth + 1);
  if (name.includes('.')) return dotted(name);
  return name === '' ? undefined : { logicalId: name };
}

/**
 * True when `value` reads `attribute` of `logicalId` anywhere inside it (a Ref when
 * `attribute` is undefined), in any of the forms `parseReference` reads and inside any
 * Sub text: a value that changes when that attribute changes, whatever else it computes.
 */
export function mentionsReference(value: unknown, logicalId: string, attribute: string | undefined): boolean {
  const same = (r: Reference | undefined) => r !== undefined && r.logicalId === logicalId && r.attribute === attribute;
  const walk = (v: unknown, depth: number): boolean => {
    if (depth > 64) return false;
    if (Array.isArray(v)) return v.some((x) => walk(x, depth + 1));
    if (!isPlainObject(v)) return false;
    if (same(parseReference(v))) return true;
    const text = isIntrinsic(v) ? (Array.isArray(v['Fn::Sub']) ? v['Fn::Sub'][0] : v['Fn::Sub']) : undefined;
    if (typeof text === 'string') {
      const variables = Array.isArray(v['Fn::Sub']) && isPlainObject(v['Fn::Sub'][1]) ? v['Fn::Sub'][1] : {};
      for (const m of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
        const name = m[1].trim();
        if (Object.prototype.hasOwnProperty.call(variables, name)) continue; // its value is walked below
        if (same(name.includes('.') ? dotted(name) : { logicalId: name })) return true;
      }
    }
    return Object.values(v).some((x) => walk(x, depth + 1));
  };
  return walk(value, 0);
}

/**
 * A canonical JSON text of `value` (object keys sorted), so that two intrinsics written
 * with their keys in another order compare equal: names computed at deploy time (a
 * LaunchTemplateName of `Fn::Join [AWS::StackName, …]`) are matched by what they compute.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
