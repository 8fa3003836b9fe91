import { App, AspectPriority, Aspects, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct, IConstruct } from 'constructs';
import { EnforcementMode, Imdsv2Aspect, Imdsv2Rules } from '../src';
import { newApp, stackOf } from './templates/fixtures';
import { EXIT_FINDINGS, main } from '../src/cli/main';
import { Imdsv2Checks } from '../src/nag/imdsv2-checks';
import { Imdsv2Validator } from '../src/validation/imdsv2-validator';

// Every form of acknowledgement that aws-cdk-lib records (its wording changed between
// 2.257 and 2.262.1) or that names one of our plugins must exempt a resource in all four
// front doors alike: one app, the same verdicts from the aspect in each mode, the nag
// pack, the validator and the CLI. The suite also runs against the newest aws-cdk-lib
// (build-tools/test-newest-cdk.sh), where the recorded keys differ from 2.257's.

const RULE = Imdsv2Rules.TOKENS_REQUIRED;
const REASON = 'legacy agent reads IMDSv1 until it is replaced';

/** The acknowledged launch template and the unacknowledged control, both open as written. */
const ACKED = 'S/Legacy/LT';
const CONTROL = 'S/Control';
/** Both, in the sorted order the verdicts are listed in. */
const BOTH = [ACKED, CONTROL].sort();

/** The construct path of one of the two, from its logical id (the validator's report has no paths). */
function pathOfLogicalId(logicalId: string): string {
  return logicalId.startsWith('Legacy') ? ACKED : CONTROL;
}

const FORMS: Array<[string, (scope: IConstruct) => void]> = [
  ['the bare id', (s) => Validations.of(s).acknowledge({ id: RULE, reason: REASON })],
  ['annotation::', (s) => Validations.of(s).acknowledge({ id: `annotation::${RULE}`, reason: REASON })],
  ['Annotation::', (s) => Validations.of(s).acknowledge({ id: `Annotation::${RULE}`, reason: REASON })],
  ['Construct-Annotations::', (s) => Validations.of(s).acknowledge({ id: `Construct-Annotations::${RULE}`, reason: REASON })],
  ['Imdsv2Checks:: (class name)', (s) => Validations.of(s).acknowledge({ id: `Imdsv2Checks::${RULE}`, reason: REASON })],
  ['Imdsv2:: (the checks plugin name)', (s) => Validations.of(s).acknowledge({ id: `${new Imdsv2Checks(new App()).name}::${RULE}`, reason: REASON })],
  ['Imdsv2Validator::', (s) => Validations.of(s).acknowledge({ id: `${new Imdsv2Validator().name}::${RULE}`, reason: REASON })],
  ['Imdsv2Rules.acknowledge', (s) => Imdsv2Rules.acknowledge(s, RULE, REASON)],
];

/** A stack with two open launch templates; `acknowledge` is applied to the scope above the first. */
function build(acknowledge: (scope: IConstruct) => void, mode?: EnforcementMode): App {
  const app = newApp();
  const stack = stackOf(app, 'S');
  const legacy = new Construct(stack, 'Legacy');
  const open = { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } };
  new ec2.CfnLaunchTemplate(legacy, 'LT', open);
  new ec2.CfnLaunchTemplate(stack, 'Control', open);
  acknowledge(legacy);
  if (mode !== undefined) Aspects.of(app).add(new Imdsv2Aspect({ mode }), { priority: AspectPriority.MUTATING });
  return app;
}

interface Verdicts {
  /** HttpTokens of each launch template after synthesis with the aspect in REWRITE mode. */
  readonly rewritten: Record<string, string>;
  /** Construct paths with a finding of RULE, per front door. */
  readonly report: string[];
  readonly reject: string[];
  readonly checks: string[];
  readonly validator: string[];
  readonly cli: string[];
}

/** Construct paths of the synthesized app's annotations of `level` that are about RULE. */
function annotated(app: App, level: 'warning' | 'error'): string[] {
  return app.synth().getStackByName('S').messages
    .filter((m) => m.level === level && String(m.entry.data).includes(RULE))
    .map((m) => m.id.replace(/^\//, ''))
    .sort();
}

async function verdicts(acknowledge: (scope: IConstruct) => void): Promise<Verdicts> {
  const rewriteApp = build(acknowledge, EnforcementMode.REWRITE);
  const template = rewriteApp.synth().getStackByName('S').template;
  const rewritten: Record<string, string> = {};
  for (const [logicalId, r] of Object.entries<any>(template.Resources)) {
    if (r.Type === 'AWS::EC2::LaunchTemplate') rewritten[pathOfLogicalId(logicalId)] = r.Properties.LaunchTemplateData.MetadataOptions.HttpTokens;
  }

  // The plugins are called directly, as CDK calls them, so that what is judged is their own
  // reading of the acknowledgement (newer aws-cdk-lib also filters reports itself).
  const plain = build(acknowledge);
  const assembly = plain.synth();
  const templatePaths = assembly.stacks.map((s) => s.templateFullPath);
  type Violations = { ruleName: string; violatingResources: { constructPath?: string; resourceLogicalId?: string }[] }[];
  const paths = (violations: Violations) => violations.filter((v) => v.ruleName === RULE)
    .flatMap((v) => v.violatingResources.map((r) => r.constructPath ?? pathOfLogicalId(r.resourceLogicalId!)))
    .sort();

  const checks = paths(new Imdsv2Checks(plain).validate({ templatePaths }).violations);
  const validator = paths(new Imdsv2Validator().validate({ templatePaths }).violations);

  let stdout = '';
  const code = await main(['scan', '--format', 'json', assembly.directory], { stdout: (t) => { stdout += t; }, stderr: () => undefined });
  expect(code).toBe(EXIT_FINDINGS); // the control is always open
  const cli = JSON.parse(stdout).findings.filter((f: any) => f.ruleId === RULE).map((f: any) => f.constructPath).sort();

  return {
    rewritten,
    report: annotated(build(acknowledge, EnforcementMode.REPORT), 'warning'),
    reject: annotated(build(acknowledge, EnforcementMode.REJECT), 'error'),
    checks,
    validator,
    cli,
  };
}

describe('an acknowledgement of Imdsv2-TokensRequired, in every accepted form, in every front door', () => {
  test('GIVEN no acknowledgement THEN every front door reports (and REWRITE fixes) both launch templates', async () => {
    expect(await verdicts(() => undefined)).toEqual({
      rewritten: { [ACKED]: 'required', [CONTROL]: 'required' },
      report: BOTH,
      reject: BOTH,
      checks: BOTH,
      validator: BOTH,
      cli: BOTH,
    });
  });

  test.each(FORMS)('GIVEN %s on the scope above THEN REWRITE leaves it unchanged and no front door reports it', async (_form, acknowledge) => {
    expect(await verdicts(acknowledge)).toEqual({
      rewritten: { [ACKED]: 'optional', [CONTROL]: 'required' },
      report: [CONTROL],
      reject: [CONTROL],
      checks: [CONTROL],
      validator: [CONTROL],
      cli: [CONTROL],
    });
  });

  test("GIVEN another plugin's namespace (CfnGuardValidator::Imdsv2-TokensRequired) THEN it exempts nothing of ours", async () => {
    // A rule of that name in another plugin is another rule.
    const other = (s: IConstruct) => Validations.of(s).acknowledge({ id: `CfnGuardValidator::${RULE}`, reason: REASON });
    const seen = await verdicts(other);
    expect(seen.rewritten).toEqual({ [ACKED]: 'required', [CONTROL]: 'required' });
    for (const door of [seen.report, seen.reject, seen.checks, seen.validator, seen.cli]) expect(door).toEqual(BOTH);
  });
});
