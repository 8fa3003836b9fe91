// CloudWatch Logs Insights queries, the subset the library's saved queries use, run here
// over sample log events so that a test can say what a query returns.
//
// Semantics, from the CloudWatch Logs User Guide, "CloudWatch Logs Insights query syntax"
// (awsdocs/amazon-cloudwatch-logs-user-guide, CWL_QuerySyntax.md): commands separated by
// `|`; `fields a, b as alias` (aliases in fields, stats and sort); `parse field "glob" as
// x, y` where each `*` of the glob captures text (a trailing `*` captures to the end, as
// in the guide's `parse @message "* [*] *"` examples); `parse field /regex/`, whose named
// capturing groups become fields (an event the regex does not match gets none of them);
// `filter field = "text"`; `filter ispresent(field)` ("Returns true if the field exists");
// `stats count(*) as n, min(f) as a, max(f) as b by f1, f2`; `sort f desc|asc`; `limit n`.
// Fields of JSON events are discovered by their dotted path; `@timestamp` is the event's
// time, `@message` its text, `@logStream` its stream. A `|` inside a quoted string or a
// /regex/ does not separate commands. Anything else throws.
//
// Regular expressions run as JavaScript RegExp. The guide shows regexes with named groups;
// so that the two dialects cannot disagree silently, constructs whose meaning differs
// between them or that the guide does not show (lookbehind, atomic groups, possessive
// quantifiers, \p{…}, inline flags) are refused.

type Row = Record<string, unknown>;

/** One log event: its time (ms), its message (JSON, or text), and its log stream. */
export interface LogEvent {
  readonly timestamp: number;
  readonly message: string;
  readonly logStream?: string;
}

const HIDDEN = ['__event', '__raw'];

function get(row: Row, field: string): unknown {
  if (field in row) return row[field];
  const raw = row.__raw as Record<string, unknown>;
  if (field in raw) return raw[field];
  let current: unknown = row.__event;
  for (const part of field.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function list(text: string): string[] {
  return text.split(',').map(s => s.trim()).filter(s => s.length > 0);
}

function globToRegExp(glob: string): RegExp {
  const parts = glob.split('*').map(p => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'));
  const stars = parts.length - 1;
  return new RegExp(parts.map((p, i) => (i === 0 ? p : `${i === stars && p === '' ? '(.*)' : '(.*?)'}${p}`)).join(''));
}

const UNSUPPORTED_REGEX = [/\(\?<[=!]/, /\(\?>/, /[*+?}]\+/, /\\[pP]\{/, /\(\?[a-z]/];

function insightsRegex(source: string): RegExp {
  for (const re of UNSUPPORTED_REGEX) {
    if (re.test(source)) throw new Error(`regex construct ${re} is not in the subset this test knows: ${source}`);
  }
  return new RegExp(source);
}

/** Split a query at the `|` between commands, not at one inside "…" or /…/. */
function commands(query: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if (quote !== undefined) {
      current += c;
      if (c === '\\') current += query[++i] ?? '';
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === '/') {
      quote = c;
      current += c;
    } else if (c === '|') {
      out.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  out.push(current);
  return out.map(c => c.trim()).filter(c => c.length > 0);
}

function runCommand(rows: Row[], command: string): Row[] {
  let m: RegExpExecArray | null;
  if ((m = /^fields\s+(.+)$/s.exec(command))) {
    const specs = list(m[1]).map(spec => /^(\S+)(?:\s+as\s+(\S+))?$/.exec(spec)!);
    return rows.map(row => Object.assign({ ...row }, ...specs.map(([, f, alias]) => ({ [alias ?? f]: get(row, f) }))));
  }
  if ((m = /^parse\s+(\S+)\s+"([^"]*)"\s+as\s+(.+)$/s.exec(command))) {
    const [, field, glob, names] = m;
    const re = globToRegExp(glob);
    const targets = list(names);
    return rows.map(row => {
      const found = re.exec(String(get(row, field) ?? ''));
      return { ...row, ...Object.fromEntries(targets.map((t, i) => [t, found ? found[i + 1] : undefined])) };
    });
  }
  if ((m = /^parse\s+(\S+)\s+\/(.*)\/$/s.exec(command))) {
    const [, field, source] = m;
    const re = insightsRegex(source);
    return rows.map(row => {
      const groups = re.exec(String(get(row, field) ?? ''))?.groups ?? {};
      return { ...row, ...Object.fromEntries(Object.entries(groups).filter(([, v]) => v !== undefined)) };
    });
  }
  if ((m = /^filter\s+(\S+)\s*=\s*"([^"]*)"$/s.exec(command))) {
    const [, field, value] = m;
    return rows.filter(row => get(row, field) === value);
  }
  if ((m = /^filter\s+ispresent\((\S+)\)$/.exec(command))) {
    const field = m[1];
    return rows.filter(row => get(row, field) !== undefined && get(row, field) !== null);
  }
  if ((m = /^stats\s+(.+?)\s+by\s+(.+)$/s.exec(command))) {
    const aggregates = list(m[1]).map(spec => /^(count|min|max)\(([^)]*)\)\s+as\s+(\S+)$/.exec(spec)
      ?? (() => { throw new Error(`aggregate "${spec}" is not in the subset this test knows`); })());
    const keys = list(m[2]);
    const groups = new Map<string, Row[]>();
    for (const row of rows) {
      const key = JSON.stringify(keys.map(k => get(row, k)));
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    return [...groups.values()].map(group => {
      const out: Row = { __raw: {}, ...Object.fromEntries(keys.map(k => [k, get(group[0], k)])) };
      for (const [, fn, arg, alias] of aggregates) {
        const values = group.map(r => get(r, arg)).filter(v => v !== undefined) as number[];
        out[alias] = fn === 'count' ? (arg === '*' ? group.length : values.length) : (fn === 'min' ? Math.min(...values) : Math.max(...values));
      }
      return out;
    });
  }
  if ((m = /^sort\s+(\S+)\s+(asc|desc)$/.exec(command))) {
    const [, field, order] = m;
    const sign = order === 'desc' ? -1 : 1;
    return [...rows].sort((a, b) => sign * (Number(get(a, field)) - Number(get(b, field))));
  }
  if ((m = /^limit\s+(\d+)$/.exec(command))) return rows.slice(0, Number(m[1]));
  throw new Error(`query command "${command}" is not in the subset this test knows`);
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Run `query` over `events`; returns the result rows (without the internal event). */
export function runLogsInsightsQuery(query: string, events: LogEvent[]): Row[] {
  let rows: Row[] = events.map(e => ({
    '@timestamp': e.timestamp,
    '__event': jsonOrUndefined(e.message),
    '__raw': { '@message': e.message, '@logStream': e.logStream },
  }));
  for (const command of commands(query)) rows = runCommand(rows, command);
  return rows.map(row => Object.fromEntries(Object.entries(row).filter(([k]) => !HIDDEN.includes(k))));
}
