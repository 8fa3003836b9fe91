// CloudWatch Logs filter patterns for text (non-JSON) log events: the subset the tracer's
// metric filters use, implemented from the CloudWatch Logs User Guide, "Filter pattern
// syntax for metric filters, subscription filters, filter log events, and Live Tail"
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html;
// the same text is in awsdocs/amazon-cloudwatch-logs-user-guide, doc_source/FilterAndPatternSyntax.md):
//
// Term patterns ("Matching terms in log events"):
//   - every term must appear in the event for a match; matching is case sensitive;
//   - a term is matched anywhere in the event ("ERROR" matches "Exiting with ERRORCODE: -1");
//   - terms with characters other than letters, digits and underscore must be in double quotes;
//   - `-term` excludes events with the term, `?term` makes the terms alternatives (OR).
// Space-delimited patterns ("Using metric filters to extract values from space-delimited log events"):
//   - `[name, name, …]`: one named field per space-delimited field of the event;
//   - the characters between a pair of square brackets or double quotes are one field
//     (extracted without the brackets or quotes: `$4` is `10/Oct/2000:13:25:15 -0700`);
//   - `...` stands for any number of fields;
//   - a condition `name = value` / `name != value` on strings, `*` a wildcard in the value;
//     numeric conditions `> < >= <= = !=` when the value is a number;
//   - extracted fields are named `$name` (what a metric filter's dimensions and value read).
// Not implemented (the tracer does not use them; the parser refuses them): JSON patterns
// (`{ … }`, see json-filter-pattern.ts), regular expressions (`%…%`), `&&`/`||` inside
// space-delimited patterns, more than one `...`.
// One reading of the guide made explicit: runs of spaces between fields count as one delimiter.

/** The result of matching one event: whether it matched, and the fields extracted. */
export interface TextPatternMatch {
  readonly matches: boolean;
  /** `$name` → value for space-delimited patterns; empty for term patterns. */
  readonly extracted: Record<string, string>;
}

interface Condition { readonly op: '=' | '!=' | '>' | '<' | '>=' | '<='; readonly value: string }
interface Field { readonly name: string; readonly condition?: Condition }

const ELLIPSIS = '...';

/** Match `message` against a text filter pattern (term or space-delimited). */
export function matchTextPattern(pattern: string, message: string): TextPatternMatch {
  const trimmed = pattern.trim();
  if (trimmed.startsWith('{')) throw new Error(`JSON patterns are not implemented here: ${pattern}`);
  if (trimmed.includes('%')) throw new Error(`regular expression patterns are not implemented here: ${pattern}`);
  if (trimmed.startsWith('[')) return matchSpaceDelimited(parseFields(trimmed), message);
  return { matches: matchTerms(trimmed, message), extracted: {} };
}

/** Terms: quoted phrases or bare words, each optionally prefixed by `-` (exclude) or `?` (OR). */
function matchTerms(pattern: string, message: string): boolean {
  if (pattern === '') return true;
  const terms: Array<{ text: string; prefix: '' | '-' | '?' }> = [];
  const re = /([-?]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g;
  for (const m of pattern.matchAll(re)) {
    const prefix = m[1] as '' | '-' | '?';
    if (m[2] !== undefined) {
      terms.push({ text: m[2].replace(/\\(.)/g, '$1'), prefix });
    } else {
      if (!/^\w+$/.test(m[3])) throw new Error(`term ${m[3]} has characters other than letters, digits and underscore: it must be quoted`);
      terms.push({ text: m[3], prefix });
    }
  }
  const alternatives = terms.filter(t => t.prefix === '?');
  if (alternatives.length > 0) return alternatives.some(t => message.includes(t.text));
  return terms.every(t => (t.prefix === '-' ? !message.includes(t.text) : message.includes(t.text)));
}

function parseFields(pattern: string): Field[] {
  if (!pattern.endsWith(']')) throw new Error(`a space-delimited pattern must end with "]": ${pattern}`);
  const body = pattern.slice(1, -1);
  if (/&&|\|\|/.test(body)) throw new Error(`&& and || in space-delimited patterns are not implemented here: ${pattern}`);
  const fields = body.split(',').map(s => s.trim()).map((part): Field => {
    if (part === ELLIPSIS) return { name: ELLIPSIS };
    const m = /^(\w+)\s*(?:(=|!=|>=|<=|>|<)\s*(\S+))?$/.exec(part);
    if (!m) throw new Error(`cannot read the field "${part}" of ${pattern}`);
    return { name: m[1], condition: m[2] === undefined ? undefined : { op: m[2] as Condition['op'], value: m[3] } };
  });
  if (fields.filter(f => f.name === ELLIPSIS).length > 1) throw new Error(`more than one "..." is not implemented here: ${pattern}`);
  return fields;
}

/** Split an event into its space-delimited fields: [..] and ".." group, without their delimiters. */
export function splitEvent(message: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i < message.length) {
    if (message[i] === ' ') { i++; continue; }
    const close = message[i] === '[' ? ']' : message[i] === '"' ? '"' : undefined;
    if (close !== undefined) {
      const end = message.indexOf(close, i + 1);
      if (end >= 0) {
        fields.push(message.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    const end = message.indexOf(' ', i);
    fields.push(message.slice(i, end < 0 ? message.length : end));
    i = end < 0 ? message.length : end;
  }
  return fields;
}

function satisfies(value: string, condition: Condition | undefined): boolean {
  if (condition === undefined) return true;
  const number = /^[-+]?\d+(\.\d+)?$/.test(condition.value) ? Number(condition.value) : undefined;
  if (number !== undefined && !condition.value.includes('*')) {
    const v = Number(value);
    if (Number.isNaN(v)) return false;
    switch (condition.op) {
      case '=': return v === number;
      case '!=': return v !== number;
      case '>': return v > number;
      case '<': return v < number;
      case '>=': return v >= number;
      case '<=': return v <= number;
    }
  }
  if (condition.op !== '=' && condition.op !== '!=') throw new Error(`${condition.op} needs a number, got ${condition.value}`);
  const glob = new RegExp(`^${condition.value.split('*').map(s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return condition.op === '=' ? glob.test(value) : !glob.test(value);
}

function matchSpaceDelimited(fields: Field[], message: string): TextPatternMatch {
  const values = splitEvent(message);
  const at = fields.findIndex(f => f.name === ELLIPSIS);
  const head = at < 0 ? fields : fields.slice(0, at);
  const tail = at < 0 ? [] : fields.slice(at + 1);
  const fits = at < 0 ? values.length === fields.length : values.length >= head.length + tail.length;
  if (!fits) return { matches: false, extracted: {} };
  const pairs: Array<[Field, string]> = [
    ...head.map((f, i): [Field, string] => [f, values[i]]),
    ...tail.map((f, i): [Field, string] => [f, values[values.length - tail.length + i]]),
  ];
  if (!pairs.every(([f, v]) => satisfies(v, f.condition))) return { matches: false, extracted: {} };
  return { matches: true, extracted: Object.fromEntries(pairs.map(([f, v]) => [`$${f.name}`, v])) };
}
