import { constants as bufferConstants, isUtf8 } from 'buffer';
import * as fs from 'fs';
import * as path from 'path';
import { ParseOptions, TemplateTextError, parseTemplateText as parseText, shortMessage } from './template-text';
import { ACKNOWLEDGED_RULES_METADATA } from '../engine/acknowledgements';
import { Json, isPlainObject } from '../engine/json';

/**
 * Reading CloudFormation templates: JSON or YAML (with the short-form tags), single files,
 * folders of templates (recognised by content, not by name) or a CDK cloud assembly
 * (cdk.out: its stacks, nested stacks, Stage assemblies and the file assets that are
 * templates, such as Service Catalog products), with the nested stack templates they point at.
 *
 * Every problem with the input is a TemplateLoadError with a one-line, lower-case message;
 * `collectInputs` keeps going and returns them per file.
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
  /**
   * For a template shipped as a file asset of a cloud assembly (a Service Catalog
   * ProductStack, `CloudFormationTemplate.fromAsset`): the asset's name in the asset
   * manifest. `file` is then the asset's source path in the assembly.
   */
  readonly asset?: { readonly displayName?: string };
}

/** An input that could not be checked (error), or a file not checked for a reason (skipped): a file of a folder that is no template, a stack with no resources. */
export interface InputProblem {
  readonly kind: 'error' | 'skipped';
  /** The file, as shown (relative to the working directory). */
  readonly name: string;
  /** One line, at most ~200 characters, naming the file. */
  readonly message: string;
}

/** What `collectInputs` found: the templates, and a problem for each input it could not check. */
export interface CollectedInputs {
  readonly templates: TemplateFile[];
  readonly problems: InputProblem[];
}

type Extra = Partial<Pick<TemplateFile, 'stackName' | 'parent' | 'assembly' | 'asset'>>;

/**
 * How a file came in: named on the command line (anything but a template is an error), a
 * stack of a cloud assembly (the same, except that a stack with no resources is skipped and
 * listed: CDK does not deploy it), found in a folder (a file that is no template is skipped
 * and listed), or a file asset of a cloud assembly (a file that is no template is ignored:
 * most assets are code).
 */
type Origin = 'named' | 'stack' | 'found' | 'asset';

/** Whether a file of this origin must be a template (else it is an error). */
function mustBeTemplate(origin: Origin): boolean {
  return origin === 'named' || origin === 'stack';
}

/**
 * A file that is no template, said by its origin: an error when it must be one (named, a
 * stack), skipped and listed when found in a folder, ignored as an asset.
 */
function notTemplate(origin: Origin, message: string): { skipped: string | undefined } {
  if (mustBeTemplate(origin)) throw new TemplateLoadError(message);
  return { skipped: origin === 'found' ? message : undefined };
}

/** Parse the text of `file` as JSON (a .json file, or text that starts with `{`) or YAML. */
export function parseTemplateText(text: string, file: string, options: ParseOptions = {}): Json {
  try {
    return parseText(text, file, options);
  } catch (e) {
    throw e instanceof TemplateTextError ? new TemplateLoadError(e.message) : e;
  }
}

/** Read and parse one template file; it must have a Resources section. */
export function loadTemplateFile(file: string, extra: Extra = {}): TemplateFile {
  const read = readTemplate(path.resolve(file), 'named', extra);
  return (read as { template: TemplateFile }).template;
}

/** A template read, with what is wrong in it; or why a found file is no template. */
type ReadResult = { readonly template: TemplateFile; readonly problems: InputProblem[] } | { readonly skipped: string | undefined };

/**
 * Read one file as a template. Named files must be templates (else a TemplateLoadError);
 * a found file or an asset that is binary, or text with neither `Resources` nor
 * `AWSTemplateFormatVersion`, is skipped unparsed.
 */
function readTemplate(absolute: string, origin: Origin, extra: Extra, options: ParseOptions = {}): ReadResult {
  const name = displayName(absolute);
  const text = readTextFile(absolute, name, origin);
  if (typeof text !== 'string') return text;
  if (!mustBeTemplate(origin) && !text.includes('Resources') && !text.includes('AWSTemplateFormatVersion')) {
    return notTemplate(origin, `'${name}' is not a CloudFormation template: no Resources section`);
  }
  let template: Json;
  try {
    template = parseTemplateText(text, name, options);
  } catch (e) {
    // a broken file that looks like a template is an error; other text is just not a template
    if (mustBeTemplate(origin) || looksLikeTemplate(text)) throw e;
    return notTemplate(origin, `'${name}' is not a CloudFormation template: not JSON or YAML`);
  }
  if (origin === 'stack' && isPlainObject(template) && template.Resources === undefined && template.Transform === undefined) {
    // A CDK stack with no resources (a placeholder, or all of it behind a condition of the
    // app's own): CloudFormation would refuse it, and the CDK CLI skips it instead of deploying.
    // With a Transform, what it deploys is made at deploy time: not skipped without a word.
    return { skipped: `'${name}' is a stack with no resources: CDK does not deploy it, so there is nothing to check` };
  }
  if (!isTemplate(template, origin)) {
    const message = `'${name}' is not a CloudFormation template: expected a Resources section, got ${describe(isPlainObject(template) ? template.Resources : template)}`;
    if (isPlainObject(template) && template.AWSTemplateFormatVersion !== undefined) throw new TemplateLoadError(message);
    return notTemplate(origin, message);
  }
  if (!isPlainObject(template.Resources)) {
    throw new TemplateLoadError(`'${name}' is not a CloudFormation template: expected a Resources section, got ${describe(template.Resources)}`);
  }
  const problems: InputProblem[] = [];
  for (const [logicalId, resource] of Object.entries<Json>(template.Resources)) {
    // Fn::Transform (AWS::Include) and Fn::ForEach loops among the resources, and a Type that
    // is not a string (a preprocessor's, e.g. Rain::Module), are reported by the scan (Unverifiable).
    if (logicalId === 'Fn::Transform' || logicalId.startsWith('Fn::ForEach::')) continue;
    if (isPlainObject(resource) && resource.Type !== undefined && resource.Type !== null) continue;
    const what = isPlainObject(resource) ? 'has no Type' : `is ${describe(resource)}, not a resource`;
    problems.push({ kind: 'error', name, message: `'${name}': resource '${shortMessage(logicalId)}' ${what}: CloudFormation rejects the template, so it is not checked` });
  }
  return { template: { file: absolute, name, template, text, ...extra }, problems };
}

/** How much of a file is looked at for a NUL byte, which says it is binary. */
const SNIFF_BYTES = 8192;

/** The largest file read as text: UTF-8 has at least a byte a character, so it fits in one string. */
const MAX_TEXT_BYTES = bufferConstants.MAX_STRING_LENGTH;

/** The file's text; for a binary file, an error (named, stack) or a skip. */
function readTextFile(absolute: string, name: string, origin: Origin): string | { skipped: string | undefined } {
  const binary = () => notTemplate(origin, `'${name}' is a binary file, not a CloudFormation template (JSON or YAML in UTF-8)`);
  let bytes: Buffer;
  try {
    // A found file or an asset may be anything (a zipped bundle, a model of gigabytes): its
    // start tells a binary one, which is then never read whole (nor fails past 2 GiB).
    if (!mustBeTemplate(origin) && startsBinary(absolute)) return binary();
    const size = fs.statSync(absolute).size;
    if (size > MAX_TEXT_BYTES) {
      // Node cannot hold it as one string; no CloudFormation template is near that size.
      return notTemplate(origin, `'${name}' is too large to read as text (${Math.round(size / 2 ** 20)} MB), so it is no CloudFormation template (CloudFormation takes at most 1 MB)`);
    }
    bytes = fs.readFileSync(absolute);
  } catch (e) {
    if (e instanceof TemplateLoadError) throw e;
    throw new TemplateLoadError(`cannot read '${name}': ${reason(e)}`);
  }
  // CloudFormation reads templates as UTF-8
  if (!bytes.subarray(0, SNIFF_BYTES).includes(0) && isUtf8(bytes)) return bytes.toString('utf8');
  return binary();
}

/** Whether the first SNIFF_BYTES of the file hold a NUL byte. */
function startsBinary(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const read = fs.readSync(fd, head, 0, SNIFF_BYTES, 0);
    return head.subarray(0, read).includes(0);
  } finally {
    fs.closeSync(fd);
  }
}

/** `Resources:` at the start of a line, quoted or not (YAML, indented JSON), or `"Resources":` anywhere (JSON). */
const RESOURCES_KEY = new RegExp(String.raw`^\s*["']?Resources["']?\s*:|"Resources"\s*:`, 'm');

/** Text that says it is a template: an AWSTemplateFormatVersion, or a Resources key at the start of a line. */
function looksLikeTemplate(text: string): boolean {
  return text.includes('AWSTemplateFormatVersion') || RESOURCES_KEY.test(text);
}

/**
 * A CloudFormation template by content: an AWSTemplateFormatVersion, or a Resources map
 * (named files and stacks), holding at least one resource with a Type (found files and assets).
 */
function isTemplate(doc: Json, origin: Origin): boolean {
  if (!isPlainObject(doc)) return false;
  if (doc.AWSTemplateFormatVersion !== undefined) return true;
  if (!isPlainObject(doc.Resources)) return false;
  return mustBeTemplate(origin) || Object.values<Json>(doc.Resources).some((r) => isPlainObject(r) && typeof r.Type === 'string');
}

/**
 * Load what the command line names: cloud assembly directories (cdk.out), folders of
 * templates (searched recursively) and template files, each with the nested stack templates
 * it points at (each file once). Throws the first problem that is an error.
 */
export function loadInputs(inputs: readonly string[]): TemplateFile[] {
  const { templates, problems } = collectInputs(inputs);
  const error = problems.find((p) => p.kind === 'error');
  if (error) throw new TemplateLoadError(error.message);
  return templates;
}

/**
 * Load what the command line names, going on past what cannot be read: each input that
 * cannot be checked is a problem of kind 'error', each file of a folder that is no template
 * one of kind 'skipped'.
 *
 * A folder is searched recursively (not into node_modules, nor folders whose name starts
 * with a dot, nor links to folders); a folder holding manifest.json is read as a cloud assembly.
 */
export function collectInputs(inputs: readonly string[], options: ParseOptions = {}): CollectedInputs {
  const loaded = new Loaded(options);
  for (const input of inputs) {
    const absolute = path.resolve(input);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(absolute);
    } catch (e) {
      loaded.problems.push({ kind: 'error', name: input, message: `cannot read '${input}': ${reason(e)}` });
      continue;
    }
    if (!stat.isDirectory()) {
      loaded.add(absolute, {}, 'named');
      continue;
    }
    const before = loaded.count;
    loaded.guard(displayName(absolute), () => loadFolder(loaded, absolute, true));
    if (loaded.count === before && !loaded.problems.some((p) => p.kind === 'error')) {
      loaded.problems.push({ kind: 'error', name: input, message: `no CloudFormation template found in '${input}'` });
    }
  }
  return { templates: loaded.all(), problems: loaded.problems };
}

/** A folder: a cloud assembly when it holds manifest.json, else every file below it. */
function loadFolder(loaded: Loaded, dir: string, top: boolean): void {
  const manifest = path.join(dir, 'manifest.json');
  if (fs.existsSync(manifest) && (top || isAssemblyManifest(manifest))) {
    loadAssembly(loaded, dir);
    return;
  }
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      loaded.guard(displayName(p), () => loadFolder(loaded, p, false));
    } else if (entry.isFile() || (entry.isSymbolicLink() && isFile(p))) {
      // a link to a folder is not followed (it may loop back); a link to a file is read
      loaded.add(p, {}, 'found');
    }
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function isAssemblyManifest(file: string): boolean {
  try {
    return isPlainObject(JSON.parse(fs.readFileSync(file, 'utf8'))?.artifacts);
  } catch {
    return false;
  }
}

/** A cloud assembly: its stacks with their nested stacks first, then the file assets that are templates. */
function loadAssembly(loaded: Loaded, dir: string): void {
  const { stacks, assets } = readAssembly(dir);
  for (const stack of stacks) loaded.add(stack.templateFile, { stackName: stack.stackName, assembly: stack.metadata }, 'stack');
  for (const asset of assets) loaded.add(asset.file, { stackName: asset.stackName, asset: { displayName: asset.displayName } }, 'asset');
}

/**
 * Load the templates CDK hands a validation plugin (`context.templatePaths`), with the
 * construct metadata of their cloud assembly (manifest.json next to them) and their nested
 * stack templates.
 */
export function loadAssemblyTemplates(templatePaths: readonly string[]): TemplateFile[] {
  const loaded = new Loaded();
  const byDir = new Map<string, Map<string, AssemblyStack>>();
  const assets: AssemblyAsset[] = [];
  for (const templatePath of templatePaths) {
    const absolute = path.resolve(templatePath);
    const dir = path.dirname(absolute);
    let stacks = byDir.get(dir);
    if (!stacks) {
      stacks = new Map();
      if (fs.existsSync(path.join(dir, 'manifest.json'))) {
        const assembly = readAssembly(dir, false);
        for (const s of assembly.stacks) stacks.set(s.templateFile, s);
        assets.push(...assembly.assets);
      }
      byDir.set(dir, stacks);
    }
    const stack = stacks.get(absolute);
    loaded.add(absolute, { stackName: stack?.stackName, assembly: stack?.metadata }, 'stack');
  }
  // Product stacks and CloudFormationTemplate.fromAsset files are no stacks of the assembly:
  // CDK does not pass them, but they deploy EC2 too (through Service Catalog).
  for (const asset of assets) loaded.add(asset.file, { stackName: asset.stackName, asset: { displayName: asset.displayName } }, 'asset');
  const error = loaded.problems.find((p) => p.kind === 'error');
  if (error) throw new TemplateLoadError(error.message);
  return loaded.all();
}

/** Templates loaded so far, each file once, nested stack templates after their parents; and the problems met. */
class Loaded {
  public readonly problems: InputProblem[] = [];
  private readonly byFile = new Map<string, TemplateFile>();
  private readonly seen = new Set<string>();

  public constructor(private readonly options: ParseOptions = {}) {}

  public get count(): number {
    return this.byFile.size;
  }

  public add(file: string, extra: Extra, origin: Origin = 'named'): void {
    if (this.seen.has(file)) return;
    this.seen.add(file);
    let read: ReadResult | undefined;
    this.guard(displayName(file), () => {
      read = readTemplate(file, origin, extra, this.options);
    });
    if (!read) return;
    if ('skipped' in read) {
      if (read.skipped) this.problems.push({ kind: 'skipped', name: displayName(file), message: read.skipped });
      return;
    }
    const template = read.template;
    this.problems.push(...read.problems);
    this.byFile.set(file, template);
    for (const [logicalId, resource] of Object.entries<Json>(template.template.Resources)) {
      if (resource?.Type !== 'AWS::CloudFormation::Stack') continue;
      const child = nestedTemplateFile(template, resource);
      if (!child || this.byFile.has(child)) continue;
      this.add(child, { parent: { template, logicalId }, assembly: template.assembly, stackName: template.stackName, asset: template.asset });
    }
  }

  /** Runs `load`, keeping a TemplateLoadError (or a file system error) as a problem of `name`. */
  public guard(name: string, load: () => void): void {
    try {
      load();
    } catch (e) {
      if (e instanceof TemplateLoadError) this.problems.push({ kind: 'error', name, message: e.message });
      else if ((e as { code?: string }).code !== undefined) this.problems.push({ kind: 'error', name, message: `cannot read '${name}': ${reason(e)}` });
      else throw e;
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

/** A file asset of a cloud assembly (a template or not: that is decided by reading it). */
interface AssemblyAsset {
  readonly file: string;
  readonly displayName?: string;
  /** The stack that publishes it (whose artifact depends on the asset manifest). */
  readonly stackName?: string;
}

/**
 * The stacks of the cloud assembly in `dir` and its file assets (and, when `nested`, those
 * of the assemblies of its stages). Asset manifests (`cdk:asset-manifest` artifacts) list
 * each file asset's source path in the assembly: that is where a ProductStack's
 * `*.product.template.json` and a `CloudFormationTemplate.fromAsset` copy are.
 */
function readAssembly(dir: string, nested = true): { stacks: AssemblyStack[]; assets: AssemblyAsset[] } {
  const manifestFile = path.join(dir, 'manifest.json');
  const manifest = readJson(manifestFile);
  if (!isPlainObject(manifest) || !isPlainObject(manifest.artifacts)) {
    throw new TemplateLoadError(`'${displayName(manifestFile)}' is not a cloud assembly manifest: expected an artifacts section, got ${describe(isPlainObject(manifest) ? manifest.artifacts : manifest)}`);
  }
  const stacks: AssemblyStack[] = [];
  const assets: AssemblyAsset[] = [];
  const artifacts = Object.entries<Json>(manifest.artifacts);
  for (const [id, artifact] of artifacts) {
    if (artifact?.type === 'aws:cloudformation:stack' && typeof artifact.properties?.templateFile === 'string') {
      const file = typeof artifact.additionalMetadataFile === 'string' ? path.join(dir, artifact.additionalMetadataFile) : undefined;
      stacks.push({
        templateFile: path.resolve(dir, artifact.properties.templateFile),
        stackName: stackNameOf(id, artifact),
        metadata: new StackMetadata(artifact.metadata ?? {}, file),
      });
    } else if (nested && artifact?.type === 'cdk:cloud-assembly' && typeof artifact.properties?.directoryName === 'string') {
      const inner = readAssembly(path.resolve(dir, artifact.properties.directoryName));
      stacks.push(...inner.stacks);
      assets.push(...inner.assets);
    } else if (artifact?.type === 'cdk:asset-manifest' && typeof artifact.properties?.file === 'string') {
      const publisher = artifacts.find(([, a]) => a?.type === 'aws:cloudformation:stack' && Array.isArray(a.dependencies) && a.dependencies.includes(id));
      const stackName = publisher ? stackNameOf(publisher[0], publisher[1]) : undefined;
      assets.push(...fileAssets(path.resolve(dir, artifact.properties.file), stackName));
    }
  }
  return { stacks, assets };
}

function stackNameOf(id: string, artifact: Json): string {
  return String(artifact.displayName ?? artifact.properties?.stackName ?? id);
}

/** The file assets (packaging `file`, not executable) of one asset manifest. */
function fileAssets(manifestFile: string, stackName: string | undefined): AssemblyAsset[] {
  const manifest = readJson(manifestFile);
  const out: AssemblyAsset[] = [];
  for (const asset of Object.values<Json>(isPlainObject(manifest?.files) ? manifest.files : {})) {
    const source = asset?.source;
    if (typeof source?.path !== 'string' || (source.packaging ?? 'file') !== 'file') continue;
    out.push({
      file: path.resolve(path.dirname(manifestFile), source.path),
      displayName: typeof asset.displayName === 'string' ? asset.displayName : undefined,
      stackName,
    });
  }
  return out;
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
