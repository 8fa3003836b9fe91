import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';
import type { CollectionTag, ScalarTag, YAMLMap, YAMLSeq } from 'yaml';
import { ACKNOWLEDGED_RULES_METADATA } from '../engine/acknowledgements';
import { Json, isPlainObject } from '../engine/json';

/**
 * Reading CloudFormation templates: JSON or YAML (with the short-form tags), single files
 * or a CDK cloud assembly (cdk.out), with the nested stack templates they point at.
 *
 * Every problem with the input is a TemplateLoadError with a one-line, lower-case message.
 */

/** Bad input: a missing file, text that does not parse, a document that is no template. */
export class TemplateLoadError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'TemplateLoadError';
  }
}

/** What the cloud assembly knows about the constructs of one stack (nested stacks included). */
export interface AssemblyMetadata {
  /**
   * Construct path (with leading slash) → ids acknowledged there, as recorded ('annotation::Id',
   * 'Annotation::Id', 'Imdsv2Validator::Id', …): read with the engine's `isRuleAcknowledged`.
   */
  readonly acknowledged: ReadonlyMap<string, readonly string[]>;
  /** Logical id → construct paths of the resources with that id (a nested stack may reuse an id). */
  readonly pathsByLogicalId: ReadonlyMap<string, readonly string[]>;
}

/** One loaded template. */
export interface TemplateFile {
  /** Absolute path of the file. */
  readonly file: string;
  /** How it is shown: the path relative to the working directory. */
  readonly name: string;
  /** The stack's name, for a template that came from a cloud assembly. */
  readonly stackName?: string;
  readonly template: Json;
  /** The text of the file, for finding line numbers. */
  readonly text: string;
  /** For a nested stack's template: the parent template and its AWS::CloudFormation::Stack resource. */
  readonly parent?: { readonly template: TemplateFile; readonly logicalId: string };
  /** Construct metadata from the cloud assembly's manifest, when the template came from one. */
  readonly assembly?: AssemblyMetadata;
}

/** CloudFormation's short-form YAML tags and the long form each stands for. */
const SHORT_FORMS: ReadonlyArray<readonly [string, string]> = [
  ['!Ref', 'Ref'],
  ['!Condition', 'Condition'],
  ...['And', 'Base64', 'Cidr', 'Equals', 'FindInMap', 'GetAtt', 'GetAZs', 'If', 'ImportValue', 'Join', 'Length', 'Not', 'Or',
    'Select', 'Split', 'Sub', 'ToJsonString', 'Transform'].map((f) => [`!${f}`, `Fn::${f}`] as const),
];

function longForm(fn: string, value: unknown): Json {
  if (fn === 'Fn::GetAtt' && typeof value === 'string') {
    // !GetAtt Resource.Attribute (the attribute may hold dots: Outputs.Name)
    const dot = value.indexOf('.');
    return { [fn]: dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [fn]: value };
}

/** One yaml custom tag per short form and node kind (scalar, sequence, mapping). */
const CFN_TAGS: Array<ScalarTag | CollectionTag> = SHORT_FORMS.flatMap(([tag, fn]) => [
  { tag, resolve: (value: string) => longForm(fn, value) } as ScalarTag,
  { tag, collection: 'seq', resolve: (seq: YAMLSeq.Parsed) => longForm(fn, seq.toJSON()) } as CollectionTag,
  { tag, collection: 'map', resolve: (map: YAMLMap.Parsed) => longForm(fn, map.toJSON()) } as CollectionTag,
]);

/** Parse the text of `file` as JSON (a .json file, or text that starts with `{`) or YAML. */
export function parseTemplateText(text: string, file: string): Json {
  const asJson = file.toLowerCase().endsWith('.json') || /^\s*\{/.test(text);
  if (asJson) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new TemplateLoadError(`cannot parse '${file}' as JSON: ${firstLine(e)}`);
    }
  }
  const doc = parseDocument(text, { customTags: CFN_TAGS });
  if (doc.errors.length > 0) {
    // yaml's message: "<what> at line L, column C:" and then the source excerpt.
    throw new TemplateLoadError(`cannot parse '${file}' as YAML: ${firstLine(doc.errors[0]).replace(/:$/, '')}`);
  }
  return doc.toJS({ maxAliasCount: 1000 });
}

/** Read and parse one template file; it must have a Resources section. */
export function loadTemplateFile(file: string, extra: Partial<Pick<TemplateFile, 'stackName' | 'parent' | 'assembly'>> = {}): TemplateFile {
  const absolute = path.resolve(file);
  const name = displayName(absolute);
  let text: string;
  try {
    text = fs.readFileSync(absolute, 'utf8');
  } catch (e) {
    throw new TemplateLoadError(`cannot read '${name}': ${reason(e)}`);
  }
  const template = parseTemplateText(text, name);
  if (!isPlainObject(template) || !isPlainObject(template.Resources)) {
    throw new TemplateLoadError(`'${name}' is not a CloudFormation template: expected a Resources section, got ${describe(isPlainObject(template) ? template.Resources : template)}`);
  }
  return { file: absolute, name, template, text, ...extra };
}

/**
 * Load what the command line names: cloud assembly directories (cdk.out) and template files,
 * each with the nested stack templates it points at (each file once).
 */
export function loadInputs(inputs: readonly string[]): TemplateFile[] {
  const loaded = new Loaded();
  for (const input of inputs) {
    const absolute = path.resolve(input);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(absolute);
    } catch (e) {
      throw new TemplateLoadError(`cannot read '${input}': ${reason(e)}`);
    }
    if (stat.isDirectory()) {
      if (!fs.existsSync(path.join(absolute, 'manifest.json'))) {
        throw new TemplateLoadError(`'${input}' is a directory without manifest.json: expected a cloud assembly (cdk.out) or template files`);
      }
      for (const stack of readAssembly(absolute)) loaded.add(stack.templateFile, { stackName: stack.stackName, assembly: stack.metadata });
    } else {
      loaded.add(absolute, {});
    }
  }
  return loaded.all();
}

/**
 * Load the templates CDK hands a validation plugin (`context.templatePaths`), with the
 * construct metadata of their cloud assembly (manifest.json next to them) and their nested
 * stack templates.
 */
export function loadAssemblyTemplates(templatePaths: readonly string[]): TemplateFile[] {
  const loaded = new Loaded();
  const byDir = new Map<string, Map<string, AssemblyStack>>();
  for (const templatePath of templatePaths) {
    const absolute = path.resolve(templatePath);
    const dir = path.dirname(absolute);
    let stacks = byDir.get(dir);
    if (!stacks) {
      stacks = new Map();
      if (fs.existsSync(path.join(dir, 'manifest.json'))) {
        for (const s of readAssembly(dir, false)) stacks.set(s.templateFile, s);
      }
      byDir.set(dir, stacks);
    }
    const stack = stacks.get(absolute);
    loaded.add(absolute, { stackName: stack?.stackName, assembly: stack?.metadata });
  }
  return loaded.all();
}

/** Templates loaded so far, each file once, nested stack templates after their parents. */
class Loaded {
  private readonly byFile = new Map<string, TemplateFile>();

  public add(file: string, extra: Partial<Pick<TemplateFile, 'stackName' | 'parent' | 'assembly'>>): void {
    if (this.byFile.has(file)) return;
    const template = loadTemplateFile(file, extra);
    this.byFile.set(file, template);
    for (const [logicalId, resource] of Object.entries<Json>(template.template.Resources)) {
      if (resource?.Type !== 'AWS::CloudFormation::Stack') continue;
      const child = nestedTemplateFile(template, resource);
      if (!child || this.byFile.has(child)) continue;
      this.add(child, { parent: { template, logicalId }, assembly: template.assembly, stackName: template.stackName });
    }
  }

  public all(): TemplateFile[] {
    return [...this.byFile.values()];
  }
}

/**
 * The local file of a nested stack's template: the asset path CDK records in the resource's
 * Metadata (`aws:asset:path`), a TemplateURL that is a local path (before `aws cloudformation
 * package`), or the file asset of the cloud assembly whose S3 object key ends the TemplateURL.
 */
function nestedTemplateFile(parent: TemplateFile, resource: Json): string | undefined {
  const dir = path.dirname(parent.file);
  const candidates: string[] = [];
  const assetPath = resource.Metadata?.['aws:asset:path'];
  if (typeof assetPath === 'string') candidates.push(path.resolve(dir, assetPath));
  const url = resource.Properties?.TemplateURL;
  if (typeof url === 'string' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) candidates.push(path.resolve(dir, url));
  const key = /\/([^/]+)$/.exec(flatten(url))?.[1];
  if (key) {
    const source = assetSources(dir).get(key);
    if (source) candidates.push(path.resolve(dir, source));
  }
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
}

/** The literal text of a string, Fn::Join or Fn::Sub (intrinsics inside become empty). */
function flatten(v: Json): string {
  if (typeof v === 'string') return v;
  if (isPlainObject(v) && Array.isArray(v['Fn::Join']) && Array.isArray(v['Fn::Join'][1])) return v['Fn::Join'][1].map(flatten).join(String(v['Fn::Join'][0] ?? ''));
  if (isPlainObject(v) && typeof v['Fn::Sub'] === 'string') return v['Fn::Sub'];
  return '';
}

const assetSourceCache = new Map<string, Map<string, string>>();

/** S3 object key → source path of every file asset in the asset manifests (*.assets.json) of `dir`. */
function assetSources(dir: string): Map<string, string> {
  const cached = assetSourceCache.get(dir);
  if (cached) return cached;
  const sources = new Map<string, string>();
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.assets.json'));
  } catch {
    // not a directory we can list: no assets
  }
  for (const n of names) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8'));
      for (const asset of Object.values<Json>(manifest?.files ?? {})) {
        const source = asset?.source?.path;
        if (typeof source !== 'string') continue;
        for (const dest of Object.values<Json>(asset.destinations ?? {})) {
          if (typeof dest?.objectKey === 'string') sources.set(dest.objectKey, source);
        }
      }
    } catch {
      // an unreadable asset manifest only means fewer nested templates are found
    }
  }
  assetSourceCache.set(dir, sources);
  return sources;
}

/** One stack of a cloud assembly. */
interface AssemblyStack {
  readonly templateFile: string;
  readonly stackName: string;
  readonly metadata: AssemblyMetadata;
}

/** The stacks of the cloud assembly in `dir` (and, when `nested`, of the assemblies of its stages). */
function readAssembly(dir: string, nested = true): AssemblyStack[] {
  const manifestFile = path.join(dir, 'manifest.json');
  const manifest = readJson(manifestFile);
  if (!isPlainObject(manifest) || !isPlainObject(manifest.artifacts)) {
    throw new TemplateLoadError(`'${displayName(manifestFile)}' is not a cloud assembly manifest: expected an artifacts section, got ${describe(isPlainObject(manifest) ? manifest.artifacts : manifest)}`);
  }
  const stacks: AssemblyStack[] = [];
  for (const [id, artifact] of Object.entries<Json>(manifest.artifacts)) {
    if (artifact?.type === 'aws:cloudformation:stack' && typeof artifact.properties?.templateFile === 'string') {
      const file = typeof artifact.additionalMetadataFile === 'string' ? path.join(dir, artifact.additionalMetadataFile) : undefined;
      stacks.push({
        templateFile: path.resolve(dir, artifact.properties.templateFile),
        stackName: String(artifact.displayName ?? artifact.properties.stackName ?? id),
        metadata: new StackMetadata(artifact.metadata ?? {}, file),
      });
    } else if (nested && artifact?.type === 'cdk:cloud-assembly' && typeof artifact.properties?.directoryName === 'string') {
      stacks.push(...readAssembly(path.resolve(dir, artifact.properties.directoryName)));
    }
  }
  return stacks;
}

const ACKNOWLEDGED = ACKNOWLEDGED_RULES_METADATA;
const LOGICAL_ID = 'aws:cdk:logicalId';

/**
 * A stack's construct metadata: the manifest's own, plus its additional metadata file, read
 * when first needed. That file is about as large as the template (an entry per construct),
 * and it is needed only to place an acknowledgement, or to find the construct path of a
 * resource whose template has no `aws:cdk:path`. So a stack with no acknowledgement, whose
 * findings all carry their path, never parses it: the file is only searched for the
 * acknowledgement key. (A key written with JSON escapes would be missed: that
 * acknowledgement is then not honoured, a finding too many, never one too few.)
 */
class StackMetadata implements AssemblyMetadata {
  private read?: { readonly acknowledged: Map<string, string[]>; readonly pathsByLogicalId: Map<string, string[]> };
  private acknowledges?: boolean;

  public constructor(private readonly inline: Json, private readonly file: string | undefined) {}

  public get acknowledged(): ReadonlyMap<string, readonly string[]> {
    if (this.acknowledges === undefined) {
      const text = this.file === undefined ? undefined : readText(this.file);
      this.acknowledges = JSON.stringify(this.inline).includes(ACKNOWLEDGED) || (text?.includes(ACKNOWLEDGED) ?? false);
      // parsed now from the text just read, not read a second time
      if (this.acknowledges) this.all(text);
    }
    return this.acknowledges ? this.all().acknowledged : NONE;
  }

  public get pathsByLogicalId(): ReadonlyMap<string, readonly string[]> {
    return this.all().pathsByLogicalId;
  }

  private all(text?: string) {
    if (this.read) return this.read;
    const metadata = this.file === undefined ? this.inline : { ...this.inline, ...parseJson(this.file, text ?? readText(this.file)) };
    const acknowledged = new Map<string, string[]>();
    const pathsByLogicalId = new Map<string, string[]>();
    for (const [constructPath, entries] of Object.entries<Json>(isPlainObject(metadata) ? metadata : {})) {
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        if (entry?.type === ACKNOWLEDGED && isPlainObject(entry.data)) {
          acknowledged.set(constructPath, [...acknowledged.get(constructPath) ?? [], ...Object.keys(entry.data)]);
        } else if (entry?.type === LOGICAL_ID && typeof entry.data === 'string') {
          pathsByLogicalId.set(entry.data, [...pathsByLogicalId.get(entry.data) ?? [], constructPath]);
        }
      }
    }
    return this.read = { acknowledged, pathsByLogicalId };
  }
}

const NONE: ReadonlyMap<string, readonly string[]> = new Map();

function readJson(file: string): Json {
  return parseJson(file, readText(file));
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new TemplateLoadError(`cannot read '${displayName(file)}': ${reason(e)}`);
  }
}

function parseJson(file: string, text: string): Json {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TemplateLoadError(`cannot parse '${displayName(file)}' as JSON: ${firstLine(e)}`);
  }
}

function displayName(absolute: string): string {
  const relative = path.relative(process.cwd(), absolute);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : absolute;
}

function reason(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return firstLine(e);
}

function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n')[0].trim();
}

function describe(v: unknown): string {
  if (v === undefined) return 'none';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}
