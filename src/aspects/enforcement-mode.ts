/**
 * What `Imdsv2Aspect` does with what it finds.
 */
export enum EnforcementMode {
  /**
   * Fix what can be fixed without replacing a live resource, and warn about the rest.
   * Fixes are reported as info annotations.
   */
  REWRITE = 'REWRITE',
  /** Warn about every finding; the templates stay byte for byte as they were. */
  REPORT = 'REPORT',
  /** Make every finding an error, so synthesis fails until it is fixed or acknowledged. */
  REJECT = 'REJECT',
}
