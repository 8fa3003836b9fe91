// CloudWatch Logs Insights queries, the subset the library's saved queries use, run here
// over sample log events so that a test can say what a query returns.
//
// Semantics, from the CloudWatch Logs User Guide, "CloudWatch Logs Insights query syntax"
// (awsdocs/amazon-cloudwatch-logs-user-guide, CWL_QuerySyntax.md): commands separated by
// `|`; `fields a, b as alias` (aliases in fields, stats and sort); `parse field "glob" as
// x, y` where each `*` of the glob captures text (a trailing `*` captures to the end, as
// in the guide's `parse @message "* [*] *"` examples); `filter field = "text"`; `stats
// count(*) as n, min(f) as a, max(f) as b by f1, f2`; `sort f desc|asc`; `limit n`.
// Fields of JSON events are discovered by their dotted path; `@timestamp` is the event's
// time. Anything else throws.

type Row = Record<string, unknown>;

/** One log event: its time (ms) and its JSON message. */
export interface LogEvent {
  readonly timestamp: number;
  readonly message: string;
}

function get(row: Row, field: string): unknown {
  if (field in row) return row[field];
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
  if ((m = /^filter\s+(\S+)\s*=\s*"([^"]*)"$/s.exec(command))) {
    const [, field, value] = m;
    return rows.filter(row => get(row, field) === value);
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
      const out: Row = Object.fromEntries(keys.map(k => [k, get(group[0], k)]));
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

/** Run `query` over `events`; returns the result rows (without the internal event). */
export function runLogsInsightsQuery(query: string, events: LogEvent[]): Row[] {
  let rows: Row[] = events.map(e => ({ '@timestamp': e.timestamp, '__event': JSON.parse(e.message) }));
  for (const command of query.split(/\n?\|\s*/).map(c => c.trim()).filter(c => c.length > 0)) rows = runCommand(rows, command);
  return rows.map(({ __event, ...rest }) => rest);
}
