// Shared, not exported from the package: reading a prop that has a current name and a
// deprecated one, so that every renamed prop of this library is resolved (and refused) the
// same way.

/** `"value"` for a string, the value as is otherwise. */
function shown(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : String(value);
}

/**
 * The value of a prop given under its current name, or else under its deprecated name.
 *
 * Both given with the same value is accepted (code half-way through the rename); with
 * different values it is an error naming `path` and both values, because silently
 * preferring one would deploy a setting the other line of code does not say.
 *
 * @param path the construct path (or the class name, outside a construct), for the message
 * @param currentName the prop's current name
 * @param current its value
 * @param deprecatedName the prop's deprecated name
 * @param deprecated its value
 */
export function renamedProp<T>(path: string, currentName: string, current: T | undefined,
  deprecatedName: string, deprecated: T | undefined): T | undefined {
  if (current === undefined) return deprecated;
  if (deprecated !== undefined && deprecated !== current) {
    throw new Error(`${path}: ${currentName} is ${shown(current)} and ${deprecatedName} is ${shown(deprecated)}, `
      + `expected only ${currentName} (${deprecatedName} is its deprecated name): give one of them`);
  }
  return current;
}
