// CloudWatch Logs Insights: the subset of the query language the tracer's saved query
// uses, implemented from the CloudWatch Logs User Guide, "CloudWatch Logs Insights query
// syntax" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html;
// awsdocs/amazon-cloudwatch-logs-user-guide, doc_source/CWL_QuerySyntax.md):
//   - commands separated by `|`; `fields` (retrieves fields: nothing to compute here);
//   - `parse FIELD /regex/`: named capturing groups become fields; an event the regex does
//     not match gets none of them;
//   - `filter ispresent(field)` ("Returns true if the field exists");
//   - `stats count(*) as a, max(field) as b by f1, f2`: one row per distinct combination;
//   - `sort field asc|desc`, `limit N`.
// Regular expressions run as JavaScript RegExp. Logs Insights documents regexes with named
// groups; to keep the two dialects from disagreeing silently, constructs whose meaning
// differs between dialects or that the guide does not show (lookbehind, atomic groups,
// possessive quantifiers, \p{…}, inline flags) are refused here.

/** One log event as Logs Insights sees it. */
export interface InsightsEvent {
  readonly '@timestamp': number;
  readonly '@logStream': string;
  readonly '@message': string;
}

type Row = Record<string, string | number | null>;

const UNSUPPORTED_REGEX = [/\(\?<[=!]/, /\(\?>/, /[*+?}]\+/, /\\[pP]\{/, /\(\?[a-z]/];

function insightsRegex(source: string): RegExp {
  for (const re of UNSUPPORTED_REGEX) {
    if (re.test(source)) throw new Error(`regex construct ${re} is not implemented here: ${source}`);
  }
  return new RegExp(source);
}

/** Run `query` over `events`; returns the rows the query would show. */
export function runInsightsQuery(query: string, events: InsightsEvent[]): Row[] {
  let rows: Row[] = events.map(e => ({ ...e }));
  for (const command of query.split(/\n\s*\|\s*|^\s*/).map(c => c.trim()).filter(c => c !== '')) {
    rows = runCommand(command, rows);
  }
  return rows;
}

function runCommand(command: string, rows: Row[]): Row[] {
  const [verb] = command.split(/\s+/, 1);
  const rest = command.slice(verb.length).trim();
  switch (verb) {
    case 'fields': return rows;
    case 'parse': return parse(rest, rows);
    case 'filter': return filter(rest, rows);
    case 'stats': return stats(rest, rows);
    case 'sort': return sort(rest, rows);
    case 'limit': return rows.slice(0, Number(rest));
    default: throw new Error(`command ${verb} is not implemented here`);
  }
}

function parse(rest: string, rows: Row[]): Row[] {
  const m = /^(@?\w+)\s+\/(.*)\/$/.exec(rest);
  if (!m) throw new Error(`only "parse FIELD /regex/" is implemented here: ${rest}`);
  const re = insightsRegex(m[2]);
  return rows.map(row => {
    const groups = re.exec(String(row[m[1]] ?? ''))?.groups;
    if (!groups) return row;
    const parsed: Row = {};
    for (const [name, value] of Object.entries(groups)) if (value !== undefined) parsed[name] = value;
    return { ...row, ...parsed };
  });
}

function filter(rest: string, rows: Row[]): Row[] {
  const m = /^ispresent\((@?\w+)\)$/.exec(rest);
  if (!m) throw new Error(`only "filter ispresent(field)" is implemented here: ${rest}`);
  return rows.filter(row => row[m[1]] !== undefined && row[m[1]] !== null);
}

function stats(rest: string, rows: Row[]): Row[] {
  const m = /^(.*?)\s+by\s+(.*)$/.exec(rest);
  if (!m) throw new Error(`only "stats … by …" is implemented here: ${rest}`);
  const keys = m[2].split(',').map(s => s.trim());
  const aggregates = m[1].split(/,\s*(?![^(]*\))/).map(s => {
    const a = /^(count|max)\((\*|@?\w+)\)\s+as\s+(\w+)$/.exec(s.trim());
    if (!a) throw new Error(`only count(…)/max(…) with "as" are implemented here: ${s}`);
    return { fn: a[1], field: a[2], alias: a[3] };
  });
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const id = JSON.stringify(keys.map(k => row[k] ?? null));
    groups.set(id, [...(groups.get(id) ?? []), row]);
  }
  return [...groups.values()].map(members => {
    const out: Row = {};
    for (const k of keys) out[k] = members[0][k] ?? null;
    for (const a of aggregates) {
      const present = members.filter(r => a.field === '*' || (r[a.field] !== undefined && r[a.field] !== null));
      out[a.alias] = a.fn === 'count' ? present.length : present.map(r => r[a.field] as number).reduce((x, y) => (y > x ? y : x));
    }
    return out;
  });
}

function sort(rest: string, rows: Row[]): Row[] {
  const m = /^(@?\w+)\s+(asc|desc)$/.exec(rest);
  if (!m) throw new Error(`only "sort FIELD asc|desc" is implemented here: ${rest}`);
  const sign = m[2] === 'desc' ? -1 : 1;
  return [...rows].sort((a, b) => sign * ((a[m[1]] as number) - (b[m[1]] as number)));
}
