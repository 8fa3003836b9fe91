import { App, PolicyValidationPluginReport, Stack } from 'aws-cdk-lib';
import { Imdsv2RuleId } from '../../src';
import { Imdsv2Checks, Imdsv2ChecksProps } from '../../src/nag/imdsv2-checks';

/** What a rule is expected to say about the resources of a stack. */
export enum TestType {
  /** The rule reports at least one resource. */
  NON_COMPLIANT = 'non-compliant',
  /** The rule reports nothing. */
  COMPLIANT = 'compliant',
}

export const ENV = { account: '111111111111', region: 'eu-west-1' };

/** A new app with a stack `Stack` built by `build`. */
export function appWith(build: (stack: Stack, app: App) => void): App {
  const app = new App();
  build(new Stack(app, 'Stack', { env: ENV }), app);
  return app;
}

/**
 * The pack's report for the app after synthesis (aspects have run, as when CDK calls the
 * plugin), with only `ruleId` checked when given (as cdk-nag's validateStack does for one rule).
 *
 * Every call also checks that the two ways the pack reads resources agree: `validateScope`
 * renders each resource from the construct tree; `validate`, as CDK calls it after
 * synthesis, reads each one from its synthesized template.
 */
export function validate(app: App, ruleId?: Imdsv2RuleId, props: Imdsv2ChecksProps = {}): PolicyValidationPluginReport {
  const assembly = app.synth();
  const pack = new Imdsv2Checks(app, { ...props, rules: ruleId ? [ruleId] : props.rules });
  const rendered = pack.validateScope(app);
  const synthesized = pack.validate({ templatePaths: assembly.stacksRecursively.map((s) => s.templateFullPath) });
  expect(synthesized).toEqual(rendered);
  return rendered;
}

/** `<rule id> <construct path>` of every violation. */
export function violations(report: PolicyValidationPluginReport): string[] {
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`));
}

/** Assert what `ruleId` says about the app built by `build`. */
export function validateStack(build: (stack: Stack, app: App) => void, ruleId: Imdsv2RuleId, expected: TestType): string[] {
  const found = violations(validate(appWith(build), ruleId));
  if (expected === TestType.COMPLIANT) {
    expect(found).toEqual([]);
  } else {
    expect(found).not.toEqual([]);
    for (const f of found) expect(f.startsWith(`${ruleId} `)).toBe(true);
  }
  return found;
}
