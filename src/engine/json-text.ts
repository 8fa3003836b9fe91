/**
 * JSON kept as text: a document that a resource carries as a string (a Kubernetes manifest,
 * an EMR security configuration), read with where each value stands, so that a fix changes
 * the bytes of one value and leaves every other byte of the document as it was.
 *
 * A string written by CloudFormation's `Fn::Join` (what `Stack.toJsonString` makes when the
 * document holds tokens) is read with each intrinsic part standing in as a marker inside the
 * text; a value that holds a marker is computed at deploy time.
 */
import { Json, isIntrinsic, isPlainObject } from './json';

/** Where a value stands in the text: [start, end). */
export interface TextRange {
  readonly start: number;
  readonly end: number;
}

/** A JSON document read from text, with the range of every value by its path ('a.0.b'). */
export interface JsonText {
  /** The text, with markers where intrinsic parts stand. */
  readonly text: string;
  readonly value: Json;
  /** Path (keys joined by '.') → where its value stands in `text`. */
  readonly ranges: ReadonlyMap<string, TextRange>;
  /** The intrinsic parts, in the order of their markers. */
  readonly intrinsics: readonly Json[];
  /** True when read from an `Fn::Join` (written back as one), false for a plain string. */
  readonly joined: boolean;
}

const MARKER = /@@cdk-imdsv2-intrinsic-(\d+)@@/g;

function marker(i: number): string {
  return `@@cdk-imdsv2-intrinsic-${i}@@`;
}

/** True when `s` holds a marker: part of it is computed at deploy time. */
export function hasIntrinsic(s: string): boolean {
  return s.includes('@@cdk-imdsv2-intrinsic-');
}

/**
 * The text of `value` (a string, or an `Fn::Join` of strings and intrinsics), or undefined
 * when it is another intrinsic (a parameter, `Fn::Sub`, …) or no string at all.
 */
export function textOf(value: Json): { text: string; intrinsics: Json[]; joined: boolean } | undefined {
  if (typeof value === 'string') return hasIntrinsic(value) ? undefined : { text: value, intrinsics: [], joined: false };
  if (!isIntrinsic(value) || !Array.isArray(value['Fn::Join'])) return undefined;
  const [delimiter, parts] = value['Fn::Join'];
  if (typeof delimiter !== 'string' || !Array.isArray(parts)) return undefined;
  const intrinsics: Json[] = [];
  const pieces: string[] = [];
  for (const part of parts) {
    if (typeof part === 'string') {
      if (hasIntrinsic(part)) return undefined;
      pieces.push(part);
    } else if (isPlainObject(part)) {
      pieces.push(marker(intrinsics.length));
      intrinsics.push(part);
    } else {
      return undefined;
    }
  }
  return { text: pieces.join(delimiter), intrinsics, joined: true };
}

/** Reads `value` as a JSON document, or undefined when it is not one (or not readable here). */
export function readJsonText(value: Json): JsonText | undefined {
  const source = textOf(value);
  if (!source) return undefined;
  const ranges = new Map<string, TextRange>();
  try {
    const parser = new RangeParser(source.text, ranges);
    const parsed = parser.document();
    return { ...source, value: parsed, ranges };
  } catch {
    return undefined;
  }
}

/** An edit of `text`: the range replaced by `replacement`. */
export interface TextEdit {
  readonly range: TextRange;
  readonly replacement: string;
}

/**
 * The document with `edits` applied, as the property value it was read from: a string, or
 * an `Fn::Join ['', …]` with each intrinsic back at its marker. Adjacent literal parts may
 * merge; the joined text is byte for byte the old one outside the edits.
 */
export function writeJsonText(doc: JsonText, edits: readonly TextEdit[]): Json {
  let text = doc.text;
  for (const e of [...edits].sort((a, b) => b.range.start - a.range.start)) {
    text = text.slice(0, e.range.start) + e.replacement + text.slice(e.range.end);
  }
  if (!doc.joined) return text;
  const parts: Json[] = [];
  let last = 0;
  for (const m of text.matchAll(MARKER)) {
    if (m.index! > last) parts.push(text.slice(last, m.index));
    parts.push(doc.intrinsics[Number(m[1])]);
    last = m.index! + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return { 'Fn::Join': ['', parts] };
}

/** A JSON parser (RFC 8259) that records where each value stands. */
class RangeParser {
  private i = 0;

  public constructor(private readonly text: string, private readonly ranges: Map<string, TextRange>) {}

  public document(): Json {
    const v = this.value('');
    this.space();
    if (this.i !== this.text.length) throw new Error(`unexpected text at ${this.i}`);
    return v;
  }

  private value(path: string): Json {
    this.space();
    const start = this.i;
    const c = this.text[this.i];
    let v: Json;
    if (c === '{') v = this.object(path);
    else if (c === '[') v = this.array(path);
    else if (c === '"') v = this.string();
    else v = this.literal();
    this.ranges.set(path, { start, end: this.i });
    return v;
  }

  private object(path: string): Json {
    const out: Record<string, Json> = {};
    this.i++;
    this.space();
    if (this.text[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.text[this.i] !== '"') throw new Error(`expected a key at ${this.i}`);
      const key = this.string();
      this.space();
      this.expect(':');
      out[key] = this.value(path === '' ? key : `${path}.${key}`);
      this.space();
      if (this.text[this.i] === ',') {
        this.i++;
        continue;
      }
      this.expect('}');
      return out;
    }
  }

  private array(path: string): Json[] {
    const out: Json[] = [];
    this.i++;
    this.space();
    if (this.text[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value(path === '' ? String(out.length) : `${path}.${out.length}`));
      this.space();
      if (this.text[this.i] === ',') {
        this.i++;
        continue;
      }
      this.expect(']');
      return out;
    }
  }

  private string(): string {
    const start = this.i;
    this.i++;
    while (this.i < this.text.length && this.text[this.i] !== '"') this.i += this.text[this.i] === '\\' ? 2 : 1;
    this.expect('"');
    return JSON.parse(this.text.slice(start, this.i));
  }

  private literal(): Json {
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(this.text.slice(this.i, this.i + 64));
    if (!m) throw new Error(`unexpected character at ${this.i}`);
    this.i += m[0].length;
    return JSON.parse(m[0]);
  }

  private space(): void {
    while (this.i < this.text.length && ' \t\n\r'.includes(this.text[this.i])) this.i++;
  }

  private expect(c: string): void {
    if (this.text[this.i] !== c) throw new Error(`expected '${c}' at ${this.i}`);
    this.i++;
  }
}
