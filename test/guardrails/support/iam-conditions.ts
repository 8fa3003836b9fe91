// IAM policy evaluation of one Deny statement against a request context, the subset the
// credential guard uses, so that a test can say which requests it denies instead of
// reading the JSON.
//
// Semantics, from the IAM User Guide: "IAM JSON policy elements: Condition operators"
// (every operator block must hold, every key within a block must hold, any of several
// values may match; context key names are case-insensitive; a key missing from the
// request makes a condition false, except for the negated operators StringNotEquals and
// ArnNotLike, which are then true; ...IfExists is true when the key is missing; Null
// "true" holds when the key is missing, "false" when it is present; ArnLike compares each
// of the six colon-separated parts, with * and ? wildcards), and "IAM policy elements:
// Variables and tags" (a ${key} whose key the request does not have cannot be resolved,
// and such a statement may not apply: here it does not).
// Anything else throws.

export type RequestContext = Record<string, string>;

interface Statement {
  Effect: string;
  Action: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

class Unresolved extends Error {}

function lookup(context: RequestContext, key: string): string | undefined {
  const found = Object.keys(context).find(k => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : context[found];
}

function substitute(value: string, context: RequestContext): string {
  return value.replace(/\$\{([^}]+)\}/g, (_, key: string) => {
    const v = lookup(context, key);
    if (v === undefined) throw new Unresolved(key);
    return v;
  });
}

function globPart(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(text);
}

function arnLike(pattern: string, arn: string): boolean {
  const split = (s: string) => { const p = s.split(':'); return [...p.slice(0, 5), p.slice(5).join(':')]; };
  const [pp, ap] = [split(pattern), split(arn)];
  return pp.length === 6 && ap.length === 6 && pp.every((p, i) => globPart(p, ap[i]));
}

function holds(operator: string, key: string, values: string[], context: RequestContext): boolean {
  const actual = lookup(context, key);
  const expected = values.map(v => substitute(v, context));
  switch (operator) {
    case 'StringNotEquals': return actual === undefined || !expected.includes(actual);
    case 'StringEquals': return actual !== undefined && expected.includes(actual);
    case 'Null': return expected.includes(actual === undefined ? 'true' : 'false');
    case 'BoolIfExists': return actual === undefined || expected.includes(actual);
    case 'ArnNotLike': return actual === undefined || !expected.some(p => arnLike(p, actual));
    default: throw new Error(`condition operator ${operator} is not in the subset this test knows`);
  }
}

function actionMatches(patterns: string | string[], action: string): boolean {
  return (Array.isArray(patterns) ? patterns : [patterns]).some(p => globPart(p.toLowerCase(), action.toLowerCase()));
}

/**
 * Whether `statement` (a Deny, as JSON) denies `action` in `context`. A statement whose
 * variables the request cannot resolve does not apply.
 */
export function denies(statement: Statement, action: string, context: RequestContext): boolean {
  if (statement.Effect !== 'Deny') throw new Error('only Deny statements are evaluated here');
  if (!actionMatches(statement.Action, action)) return false;
  try {
    return Object.entries(statement.Condition ?? {}).every(([operator, block]) =>
      Object.entries(block).every(([key, v]) => holds(operator, key, Array.isArray(v) ? v : [v], context)));
  } catch (e) {
    if (e instanceof Unresolved) return false;
    throw e;
  }
}
