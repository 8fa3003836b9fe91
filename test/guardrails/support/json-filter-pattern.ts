// CloudWatch Logs metric filter patterns for JSON log events, the subset the library's
// filters use and the examples AWS documents for it, evaluated here so that a test can say
// which log events a pattern counts instead of assuming it.
//
// Semantics, from the CloudWatch Logs User Guide, "Filter and pattern syntax" ("Matching
// terms in JSON log events", "JSON compound conditions", "JSON special considerations",
// "Numeric comparisons"; awsdocs/amazon-cloudwatch-logs-user-guide, FilterAndPatternSyntax.md):
// - `{ SELECTOR OP VALUE }`; a selector starts at `$` and walks `.name` (letters, digits,
//   `-`, `_`) and `[index]`;
// - `=` / `!=` with a string, quoted or not (unquoted only if alphanumeric, or an address
//   such as 123.123.*); `*` at the start or end of the string matches any text there
//   ("*Event" matches PutEvent, "Event*" matches EventId, "Ev*ent" only the text "Ev*ent");
// - numeric `= != < > <= >=` against a number;
// - `IS NULL`, `NOT EXISTS`, `IS TRUE`, `IS FALSE`;
// - `&&` binds tighter than `||`; parentheses group;
// - a selector that points at an object or an array, or at nothing, matches neither `=`
//   nor `!=` (documented for arrays; assumed the same for a missing field, where only
//   `NOT EXISTS` matches).
// A string compares with JSON strings only, a number with JSON numbers only: the guide
// says the log's items "must exactly match the metric filter".

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Comparison { kind: 'compare'; path: Array<string | number>; op: string; value: string; quoted: boolean }
interface Check { kind: 'check'; path: Array<string | number>; check: 'IS NULL' | 'NOT EXISTS' | 'IS TRUE' | 'IS FALSE' }
interface Junction { kind: 'and' | 'or'; left: Node; right: Node }
type Node = Comparison | Check | Junction;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const MISSING = Symbol('missing');

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /\s*("(?:[^"\\]|\\.)*"|&&|\|\||!=|<=|>=|[=<>()]|IS NULL|NOT EXISTS|IS TRUE|IS FALSE|[^\s()=!<>&|"]+)\s*/y;
  while (pattern.lastIndex < text.length) {
    const at = pattern.lastIndex;
    const m = pattern.exec(text);
    if (!m) throw new Error(`cannot read the filter pattern at "${text.slice(at)}"`);
    tokens.push(m[1]);
  }
  return tokens;
}

function parseSelector(token: string): Array<string | number> {
  if (!token.startsWith('$')) throw new Error(`expected a selector starting with $, got "${token}"`);
  const path: Array<string | number> = [];
  const step = /\.([A-Za-z0-9_-]+)|\[(\d+)\]/y;
  let at = 1;
  while (at < token.length) {
    step.lastIndex = at;
    const m = step.exec(token);
    if (!m) throw new Error(`cannot read the selector "${token}" at "${token.slice(at)}"`);
    path.push(m[1] !== undefined ? m[1] : Number(m[2]));
    at = step.lastIndex;
  }
  return path;
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: string[]) {}

  public parse(): Node {
    const node = this.or();
    if (this.at !== this.tokens.length) throw new Error(`unexpected "${this.tokens[this.at]}"`);
    return node;
  }

  private or(): Node {
    let node = this.and();
    while (this.tokens[this.at] === '||') { this.at++; node = { kind: 'or', left: node, right: this.and() }; }
    return node;
  }

  private and(): Node {
    let node = this.primary();
    while (this.tokens[this.at] === '&&') { this.at++; node = { kind: 'and', left: node, right: this.primary() }; }
    return node;
  }

  private primary(): Node {
    if (this.tokens[this.at] === '(') {
      this.at++;
      const node = this.or();
      if (this.tokens[this.at++] !== ')') throw new Error('expected )');
      return node;
    }
    const path = parseSelector(this.tokens[this.at++] ?? '');
    const op = this.tokens[this.at++];
    if (op === 'IS NULL' || op === 'NOT EXISTS' || op === 'IS TRUE' || op === 'IS FALSE') return { kind: 'check', path, check: op };
    if (!['=', '!=', '<', '>', '<=', '>='].includes(op)) throw new Error(`expected an operator, got "${op}"`);
    const raw = this.tokens[this.at++];
    if (raw === undefined) throw new Error('expected a value');
    const quoted = raw.startsWith('"');
    const value = quoted ? JSON.parse(raw) as string : raw;
    if (!['=', '!='].includes(op) && (quoted || !NUMBER.test(value))) throw new Error(`${op} needs a number, got ${raw}`);
    return { kind: 'compare', path, op, value, quoted };
  }
}

function resolve(event: Json, path: Array<string | number>): Json | typeof MISSING {
  let current: Json | typeof MISSING = event;
  for (const step of path) {
    if (typeof step === 'number') {
      current = Array.isArray(current) && step < current.length ? current[step] : MISSING;
    } else {
      // (current is never MISSING here: the loop returns as soon as it is)
      current = current !== null && typeof current === 'object' && !Array.isArray(current)
        && Object.prototype.hasOwnProperty.call(current, step) ? (current as Record<string, Json>)[step] : MISSING;
    }
    if (current === MISSING) return MISSING;
  }
  return current;
}

function stringMatches(actual: string, expected: string): boolean {
  const starts = expected.startsWith('*');
  const ends = expected.endsWith('*') && expected.length > 1;
  const core = expected.slice(starts ? 1 : 0, ends ? -1 : undefined);
  if (starts && ends) return actual.includes(core);
  if (starts) return actual.endsWith(core);
  if (ends) return actual.startsWith(core);
  return actual === expected;
}

function compare(node: Comparison, actual: Json | typeof MISSING): boolean {
  // Objects, arrays and missing fields match neither = nor !=.
  if (actual === MISSING || (actual !== null && typeof actual === 'object')) return false;
  const numeric = !node.quoted && NUMBER.test(node.value);
  if (numeric) {
    if (typeof actual !== 'number') return false;
    const n = Number(node.value);
    switch (node.op) {
      case '=': return actual === n;
      case '!=': return actual !== n;
      case '<': return actual < n;
      case '>': return actual > n;
      case '<=': return actual <= n;
      default: return actual >= n;
    }
  }
  if (typeof actual !== 'string') return false;
  const equal = stringMatches(actual, node.value);
  return node.op === '=' ? equal : !equal;
}

function evaluate(node: Node, event: Json): boolean {
  switch (node.kind) {
    case 'and': return evaluate(node.left, event) && evaluate(node.right, event);
    case 'or': return evaluate(node.left, event) || evaluate(node.right, event);
    case 'check': {
      const actual = resolve(event, node.path);
      if (node.check === 'NOT EXISTS') return actual === MISSING;
      if (node.check === 'IS NULL') return actual === null;
      return actual === (node.check === 'IS TRUE');
    }
    default: return compare(node, resolve(event, node.path));
  }
}

/** A compiled JSON filter pattern. */
export interface JsonFilterPattern {
  /** Whether the pattern counts `message` (a log event's text). Text that is not JSON never matches. */
  matches(message: string): boolean;
}

/** Compile `pattern` (`{ … }`); throws on what this subset does not read. */
export function compileJsonFilterPattern(pattern: string): JsonFilterPattern {
  const body = /^\s*\{(.*)\}\s*$/s.exec(pattern);
  if (!body) throw new Error(`not a JSON filter pattern (expected { … }): ${pattern}`);
  const tree = new Parser(tokenize(body[1])).parse();
  return {
    matches(message: string): boolean {
      let event: Json;
      try {
        event = JSON.parse(message);
      } catch {
        return false;
      }
      return evaluate(tree, event);
    },
  };
}

/**
 * The value a metric filter publishes as a dimension (`$.a.b`) for `message`, or
 * undefined when the field is missing or not a string or number.
 */
export function dimensionValue(selector: string, message: string): string | undefined {
  const value = resolve(JSON.parse(message), parseSelector(selector));
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}
