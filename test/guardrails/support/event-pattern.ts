// Amazon EventBridge event patterns, the subset the library's rules use, evaluated here so
// that a test says which events a rule receives instead of assuming it.
//
// Semantics, from the Amazon EventBridge User Guide, "Amazon EventBridge event patterns"
// and "Content filtering in event patterns":
// - a pattern is a JSON object; every field named must match (AND), fields the pattern
//   does not name are ignored;
// - a field's value is either an object (the event's field must be an object that
//   matches it, recursively) or an array of values, any of which may match (OR);
// - values match exactly and case-sensitively; `null` matches a null value;
// - when the event's field is an array, it matches if any of its elements matches;
// - content filters used here: `{ "prefix": "…" }`, `{ "exists": true|false }`,
//   `{ "anything-but": […] }` on strings.
// Anything else in a pattern throws, so that a rule using more than this subset fails the
// test instead of being judged by a guess.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function leafMatches(rule: Json, value: Json | undefined): boolean {
  if (rule !== null && typeof rule === 'object' && !Array.isArray(rule)) {
    const [name, arg] = Object.entries(rule)[0] ?? [];
    if (Object.keys(rule).length !== 1) throw new Error(`content filter ${JSON.stringify(rule)}: expected one operator`);
    switch (name) {
      case 'exists': return (value !== undefined) === arg;
      case 'prefix':
        if (typeof arg !== 'string') throw new Error('prefix needs a string');
        return typeof value === 'string' && value.startsWith(arg);
      case 'anything-but': {
        const excluded = Array.isArray(arg) ? arg : [arg];
        return typeof value === 'string' && !excluded.includes(value);
      }
      default: throw new Error(`content filter ${name} is not in the subset this test knows`);
    }
  }
  if (value === undefined) return false;
  return value === rule;
}

function fieldMatches(rule: Json, value: Json | undefined): boolean {
  if (Array.isArray(rule)) {
    // A missing field is tried as `undefined`: only "exists": false matches it.
    const values: Array<Json | undefined> = Array.isArray(value) ? value : [value];
    return rule.some(r => values.some(v => leafMatches(r, v)));
  }
  if (rule !== null && typeof rule === 'object') {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || value === undefined) return false;
    return objectMatches(rule, value);
  }
  throw new Error(`pattern value ${JSON.stringify(rule)}: expected an array of values or an object`);
}

function objectMatches(pattern: { [key: string]: Json }, event: { [key: string]: Json }): boolean {
  return Object.entries(pattern).every(([key, rule]) =>
    fieldMatches(rule, Object.prototype.hasOwnProperty.call(event, key) ? event[key] : undefined));
}

/** Whether EventBridge would deliver `event` to a rule with `pattern` (both as they appear in JSON). */
export function eventPatternMatches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return objectMatches(pattern as { [key: string]: Json }, event as { [key: string]: Json });
}
