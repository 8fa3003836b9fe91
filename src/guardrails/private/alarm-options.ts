import { Duration, Token } from 'aws-cdk-lib';

/** The alarm settings the guardrails' props share (each documents its own defaults). */
export interface AlarmOptions {
  readonly period?: Duration;
  readonly threshold?: number;
  readonly evaluationPeriods?: number;
}

/**
 * Checks a guardrail's alarm settings, naming `who` and the value: a period of whole
 * minutes (`periodWhy` says why, for that metric), a threshold of at least one call and a
 * whole number of evaluation periods. Tokens are left to CloudWatch.
 */
export function checkAlarmOptions(who: string, options: AlarmOptions, periodWhy: string): void {
  const period = options.period;
  if (period !== undefined && !period.isUnresolved()) {
    const seconds = period.toSeconds();
    if (seconds < 60 || seconds % 60 !== 0) {
      throw new Error(`${who}: period is ${seconds} seconds, expected a whole number of minutes (${periodWhy})`);
    }
  }
  const threshold = options.threshold;
  if (threshold !== undefined && !Token.isUnresolved(threshold) && !(threshold >= 1)) {
    throw new Error(`${who}: threshold is ${threshold}, expected 1 or more calls`);
  }
  const evaluationPeriods = options.evaluationPeriods;
  if (evaluationPeriods !== undefined && !Token.isUnresolved(evaluationPeriods)
    && (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1)) {
    throw new Error(`${who}: evaluationPeriods is ${evaluationPeriods}, expected a whole number of 1 or more`);
  }
}
