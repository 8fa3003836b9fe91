// The one check of a hop limit that a user passes (a prop, an option, a CLI flag), used by
// every front door so that they accept the same values and say the same thing. Pure: a
// caller that accepts a token checks Token.isUnresolved first (a token number is far
// below 1, so it is refused here).

/** The largest HttpPutResponseHopLimit EC2 accepts. */
export const MAX_HOP_LIMIT = 64;

/** Whether `value` is a hop limit EC2 accepts: an integer from 1 to 64. */
export function isHopLimit(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_HOP_LIMIT;
}

/**
 * `value ?? defaultValue`, checked: else throws
 * `<owner>: <name> must be an integer from 1 to 64, got <value>`.
 */
export function checkHopLimit(owner: string, name: string, value: unknown, defaultValue?: number): number {
  const v = value ?? defaultValue;
  if (!isHopLimit(v)) {
    throw new Error(`${owner}: ${name} must be an integer from 1 to ${MAX_HOP_LIMIT}, got ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
  }
  return v;
}

/** A host hop limit, whose default is no host policy (undefined); checked as `checkHopLimit`. */
export function checkHostHopLimit(owner: string, name: string, value: unknown): number | undefined {
  return value === undefined ? undefined : checkHopLimit(owner, name, value);
}
