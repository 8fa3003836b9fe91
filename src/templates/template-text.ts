import * as yaml from 'js-yaml';
import { Json } from '../engine/json';

/**
 * The text of a template: parsing it the way CloudFormation does, and finding where a key
 * is written (for SARIF and JSON output), both in one pass over the text.
 *
 * - JSON: `JSON.parse` (a duplicate key: the last wins, as in CloudFormation).
 * - YAML: js-yaml with CloudFormation's short-form tags on the YAML 1.2 core schema (so
 *   `2010-09-09` stays a string); a duplicate key: the last wins; a `...` document end or a
 *   trailing `---` (an empty document) is fine; aliases are bounded (an alias bomb is an
 *   error naming the file).
 * - A UTF-8 byte order mark is dropped first.
 *
 * Errors are TemplateTextError with a one-line message of at most ~200 characters.
 */
export class TemplateTextError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'TemplateTextError';
  }
}

/** Where each key of a mapping is written: mapping → key → 1-based line. */
export type KeyLines = Map<object, Map<string, number>>;

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
  return { [fn]: value ?? '' };
}

/** One js-yaml type per short form and node kind, on the core schema (no timestamps, no merge keys). */
const CFN_SCHEMA = yaml.CORE_SCHEMA.extend(SHORT_FORMS.flatMap(([tag, fn]) => (['scalar', 'sequence', 'mapping'] as const)
  .map((kind) => new yaml.Type(tag, { kind, construct: (data: unknown) => longForm(fn, data) }))));

/** Key lines of the YAML templates parsed so far, by parsed root (read by `linesOf`). */
const yamlKeyLines = new WeakMap<object, KeyLines>();
/** YAML templates parsed without their key lines: `linesOf` parses them again, with them. */
const yamlWithoutKeyLines = new WeakSet<object>();

/** How to parse. */
export interface ParseOptions {
  /**
   * Record where each key of a YAML template is written, for `linesOf` (~30 % more parse
   * time). Without it, `linesOf` parses the text again. JSON is scanned when asked either way.
   * @default true
   */
  readonly keyLines?: boolean;
}

const MAX_MESSAGE = 200;

/** `message` cut to one line of at most MAX_MESSAGE characters. */
export function shortMessage(message: string): string {
  const line = message.split('\n')[0].trim();
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE)}…` : line;
}

/** Parse `text` (named `file` in messages) as JSON (a .json file, or text that starts with `{`) or YAML. */
export function parseTemplateText(text: string, file: string, options: ParseOptions = {}): Json {
  const keyLines = options.keyLines ?? true;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const jsonName = file.toLowerCase().endsWith('.json');
  if (jsonName || /^\s*\{/.test(body)) {
    try {
      return JSON.parse(body);
    } catch (e) {
      const jsonError = new TemplateTextError(`cannot parse '${file}' as JSON: ${shortMessage(e instanceof Error ? e.message : String(e))}`);
      if (jsonName) throw jsonError;
      // text in braces that is no JSON may still be YAML (flow style); else the JSON error says more
      try {
        return parseYaml(body, file, keyLines);
      } catch {
        throw jsonError;
      }
    }
  }
  return parseYaml(body, file, keyLines);
}

function parseYaml(text: string, file: string, keyLines: boolean): Json {
  const lines: KeyLines = new Map();
  let doc: Json;
  try {
    // A trailing `---` starts an empty document: CloudFormation reads the template before it.
    const listener = keyLines ? keyLineListener(lines) : undefined;
    const docs = yaml.loadAll(text, undefined, { schema: CFN_SCHEMA, json: true, filename: file, listener })
      .filter((d) => d !== null && d !== undefined);
    if (docs.length > 1) throw new TemplateTextError(`cannot parse '${file}' as YAML: it holds ${docs.length} YAML documents, a template is one`);
    doc = docs[0] ?? null;
  } catch (e) {
    if (e instanceof TemplateTextError) throw e;
    const mark = (e as { mark?: { line: number; column: number } }).mark;
    const reason = (e as { reason?: string }).reason ?? (e instanceof Error ? e.message : String(e));
    const where = mark ? ` at line ${mark.line + 1}, column ${mark.column + 1}` : '';
    throw new TemplateTextError(`cannot parse '${file}' as YAML: ${shortMessage(reason)}${where}`);
  }
  // An alias is the object it names (js-yaml shares it), so the document stays small in
  // memory; but everything that walks it (the engine, JSON output) walks every alias again.
  if (text.includes('*')) checkAliasExpansion(doc, Math.max(100_000, text.length), file);
  if (typeof doc === 'object' && doc !== null) {
    if (keyLines) yamlKeyLines.set(doc, lines);
    else yamlWithoutKeyLines.add(doc);
  }
  return doc;
}

/**
 * js-yaml's listener sees every node open and close, nested. A mapping's children come as
 * key, value, key, value: at its close, each key's line (where the key node opened) is
 * recorded for the mapping's object. One flat stack (no array per node) keeps it cheap.
 */
function keyLineListener(lines: KeyLines): (event: 'open' | 'close', state: any) => void {
  // per open node: its opening line, then (line, result) of each closed child
  const values: Array<number | Json> = [];
  const starts: number[] = [];
  return (event, state) => {
    if (event === 'open') {
      starts.push(values.length);
      values.push(state.line + 1);
      return;
    }
    const start = starts.pop()!;
    const result = state.result;
    if (state.kind === 'mapping' && typeof result === 'object' && result !== null && !lines.has(result)) {
      const keys = new Map<string, number>();
      for (let i = start + 1; i + 1 < values.length; i += 4) {
        const key = values[i + 1];
        if (typeof key === 'string' || typeof key === 'number') keys.set(String(key), values[i] as number);
      }
      lines.set(result, keys);
    }
    const line = values[start];
    values.length = start;
    if (starts.length > 0) values.push(line, result);
  };
}

/** Throws when the document, each alias expanded, has more than `limit` nodes (counted once per shared node). */
function checkAliasExpansion(doc: Json, limit: number, file: string): void {
  const sizes = new Map<object, number>();
  const size = (v: Json): number => {
    if (typeof v !== 'object' || v === null) return 1;
    const known = sizes.get(v);
    if (known !== undefined) return known;
    sizes.set(v, limit + 1); // a cycle counts as too large
    let n = 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      n += size(child);
      if (n > limit) break;
    }
    sizes.set(v, n);
    return n;
  };
  if (size(doc) > limit) {
    throw new TemplateTextError(`cannot parse '${file}' as YAML: its aliases expand to more than ${limit} nodes (an alias bomb?)`);
  }
}

/**
 * The 1-based line of each key path of `keyPaths` in `template` (parsed from `text`): the
 * line of the deepest key of the path that is written, 1 when none is. One pass for all the
 * paths of a template: YAML's key lines were recorded while parsing; JSON text is scanned
 * once, descending only into the keys the paths name (a duplicate key: its last occurrence,
 * the one that counts).
 */
export function linesOf(template: Json, text: string, keyPaths: ReadonlyArray<readonly string[]>): number[] {
  const isObject = typeof template === 'object' && template !== null;
  const fromYaml = isObject ? yamlKeyLines.get(template) : undefined;
  if (fromYaml) return keyPaths.map((p) => lineAt(template, fromYaml, p));
  if (isObject && yamlWithoutKeyLines.has(template)) {
    const again = parseYaml(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, 'template', true);
    const lines = yamlKeyLines.get(again) ?? new Map();
    return keyPaths.map((p) => lineAt(again, lines, p));
  }
  const root: KeyTrie = { children: new Map(), line: 1 };
  const leaves = keyPaths.map((p) => {
    let node = root;
    for (const key of p) {
      let child = node.children.get(key);
      if (!child) node.children.set(key, child = { children: new Map(), line: 0 });
      node = child;
    }
    return pathNodes(root, p);
  });
  try {
    new JsonKeyScanner(text).scan(root);
  } catch {
    // text that is not the JSON of `template` (a caller's own TemplateFile): lines as far as read
  }
  // the deepest node of each path whose key was found
  return leaves.map((nodes) => nodes.reduce((line, n) => (n.line > 0 ? n.line : line), 1));
}

/** The key paths wanted in a JSON text, as a trie; `line` is filled in by the scanner (0: not found). */
interface KeyTrie {
  readonly children: Map<string, KeyTrie>;
  line: number;
}

/** The trie nodes along `keyPath`, from the first key (the path stops at the first key not written). */
function pathNodes(root: KeyTrie, keyPath: readonly string[]): KeyTrie[] {
  const nodes: KeyTrie[] = [];
  let node = root;
  for (const key of keyPath) {
    node = node.children.get(key)!;
    nodes.push(node);
  }
  return nodes;
}

/** The 1-based line of the deepest key of `keyPath` that is written in `template` (1 when none is). */
function lineAt(template: Json, lines: KeyLines, keyPath: readonly string[]): number {
  let line = 1;
  let node: Json = template;
  for (const key of keyPath) {
    if (typeof node !== 'object' || node === null) break;
    const keyLine = lines.get(node)?.get(key);
    if (keyLine === undefined) break;
    line = keyLine;
    node = node[key];
  }
  return line;
}

/**
 * One pass over JSON text that `JSON.parse` accepted, recording the line of each key the
 * trie names; everything else is skipped without building anything.
 */
class JsonKeyScanner {
  private i = 0;
  private line = 1;

  public constructor(private readonly text: string) {
    if (text.charCodeAt(0) === 0xfeff) this.i = 1;
  }

  public scan(root: KeyTrie): void {
    this.value(root);
  }

  /** A value at the cursor; `want` names the keys (or indices) below it to record. */
  private value(want: KeyTrie | undefined): void {
    this.space();
    const c = this.text.charCodeAt(this.i);
    if ((c === 0x7b || c === 0x5b) && (!want || want.children.size === 0)) return this.skipContainer();
    if (c === 0x7b) return this.object(want!);
    if (c === 0x5b) return this.array(want!);
    if (c === 0x22) return void this.string();
    // number, true, false, null: up to the next comma, bracket or space
    for (let d = c; this.i < this.text.length; d = this.text.charCodeAt(++this.i)) {
      if (d === 0x2c || d === 0x5d || d === 0x7d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
    }
  }

  private object(want: KeyTrie): void {
    this.i++; // {
    for (;;) {
      this.space();
      if (this.text.charCodeAt(this.i) === 0x7d) break;
      const line = this.line;
      const child = want.children.get(this.string());
      if (child) child.line = line;
      this.space();
      this.i++; // :
      this.value(child);
      this.space();
      if (this.text.charCodeAt(this.i) !== 0x2c) break;
      this.i++; // ,
    }
    this.i++; // }
  }

  private array(want: KeyTrie): void {
    this.i++; // [
    for (let index = 0; ; index++) {
      this.space();
      if (this.text.charCodeAt(this.i) === 0x5d) break;
      const line = this.line;
      const child = want.children.get(String(index));
      if (child) child.line = line;
      this.value(child);
      this.space();
      if (this.text.charCodeAt(this.i) !== 0x2c) break;
      this.i++; // ,
    }
    this.i++; // ]
  }

  /** Reads a string at the cursor (its opening quote) and returns its value. */
  private string(): string {
    const start = this.i;
    let end = this.text.indexOf('"', start + 1);
    while (end > 0 && this.escaped(end)) end = this.text.indexOf('"', end + 1);
    if (end < 0) throw new Error('unterminated string');
    this.i = end + 1;
    const raw = this.text.slice(start + 1, end);
    return raw.includes('\\') ? JSON.parse(this.text.slice(start, end + 1)) : raw;
  }

  /** Whether the quote at `at` is escaped (an odd number of backslashes before it). */
  private escaped(at: number): boolean {
    let n = 0;
    while (this.text.charCodeAt(at - 1 - n) === 0x5c) n++;
    return n % 2 === 1;
  }

  /** Skips an object or array without recording (iterative: any depth). */
  private skipContainer(): void {
    let depth = 0;
    do {
      const c = this.text.charCodeAt(this.i);
      if (c === 0x22) {
        this.skipString();
        continue;
      }
      if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) depth--;
      else if (c === 0x0a) this.line++;
      this.i++;
    } while (depth > 0 && this.i < this.text.length);
  }

  private skipString(): void {
    let end = this.text.indexOf('"', this.i + 1);
    while (end > 0 && this.escaped(end)) end = this.text.indexOf('"', end + 1);
    if (end < 0) throw new Error('unterminated string');
    this.i = end + 1;
  }

  private space(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.i);
      if (c === 0x0a) this.line++;
      else if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return;
      this.i++;
    }
  }
}
