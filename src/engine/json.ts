/**
 * Reading CloudFormation JSON: the engine sees resolved properties in which any value
 * may still be an intrinsic ({ Ref }, { 'Fn::If' }, …) that only CloudFormation decides.
 */

/** A property value the engine cannot decide at synth time (a parameter, Fn::If, an import, …). */
export const UNRESOLVED: unique symbol = Symbol('unresolved');
export type Unresolved = typeof UNRESOLVED;

export type Json = any;

/** Property path inside a resource's Properties, e.g. ['MetadataOptions', 'HttpTokens']. */
export type PropertyPath = readonly string[];

export function isPlainObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The properties of `all` named in `names` (those that are set). */
export function pick(all: Record<string, Json>, names: readonly string[]): Record<string, Json> {
  const picked: Record<string, Json> = {};
  for (const name of names) {
    if (all[name] !== undefined) picked[name] = all[name];
  }
  return picked;
}

/** An object with a single `Ref` or `Fn::…` key: a value CloudFormation computes. */
export function isIntrinsic(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0].startsWith('Fn::'));
}

/** The value at `path`, or undefined when a step is missing, or UNRESOLVED when a step is an intrinsic. */
export function valueAt(root: Json, path: PropertyPath): Json | Unresolved | undefined {
  let cur: Json = root;
  for (const key of path) {
    if (cur === undefined || cur === null) return undefined;
    if (isIntrinsic(cur)) return UNRESOLVED;
    if (Array.isArray(cur) && /^\d+$/.test(key)) {
      cur = cur[Number(key)];
      continue;
    }
    if (!isPlainObject(cur)) return UNRESOLVED;
    cur = cur[key];
  }
  return cur;
}

/** A string field: its value, undefined when absent, UNRESOLVED for an intrinsic or a non-string. */
export function stringAt(root: Json, path: PropertyPath): string | Unresolved | undefined {
  const v = valueAt(root, path);
  if (v === undefined || v === null || v === UNRESOLVED) return v ?? undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return UNRESOLVED;
}

/** A numeric field (CloudFormation accepts numbers written as strings). */
export function numberAt(root: Json, path: PropertyPath): number | Unresolved | undefined {
  const v = valueAt(root, path);
  if (v === undefined || v === null || v === UNRESOLVED) return v ?? undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number(v);
  return UNRESOLVED;
}

/** A boolean field (CloudFormation accepts "true"/"false"). */
export function booleanAt(root: Json, path: PropertyPath): boolean | Unresolved | undefined {
  const v = valueAt(root, path);
  if (v === undefined || v === null || v === UNRESOLVED) return v ?? undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  return UNRESOLVED;
}

/** The array at `path`: [] when absent, UNRESOLVED when it is an intrinsic. */
export function arrayAt(root: Json, path: PropertyPath): Json[] | Unresolved {
  const v = valueAt(root, path);
  if (v === undefined || v === null) return [];
  if (v === UNRESOLVED || !Array.isArray(v)) return UNRESOLVED;
  return v;
}

/** Human-readable form of a value for messages. */
export function show(v: unknown): string {
  if (v === UNRESOLVED) return '(unresolved)';
  if (v === undefined) return '(unset)';
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}
