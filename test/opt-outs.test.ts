// App-wide opt-outs (disabledRules, ignoredResourceTypes) through every front door: the
// aspect in each mode, the cdk-nag pack, the validation plugin and the CLI. Each test sets a
// baseline without the opt-out first, so that it fails if the opt-out does nothing.
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { EnforcementMode, Imdsv2Aspect, Imdsv2RuleId } from '../src';
import { propsOf, synth } from './aspects/helpers';
import { appWith, validate, violations } from './nag/utils';
import { LT_OPTIONAL, newApp, stackOf, synthTemplatePaths, tempDir, template } from './templates/fixtures';
import { EXIT_BAD_INPUT, EXIT_CLEAN, EXIT_FINDINGS, main } from '../src/cli/main';
import { Imdsv2Checks } from '../src/nag/imdsv2-checks';
import { Imdsv2Validator } from '../src/validation/imdsv2-validator';

const NOTEBOOK = 'AWS::SageMaker::NotebookInstance';

/** An open launch template (Imdsv2-TokensRequired) and a SageMaker notebook left at IMDSv1 (its default). */
function build(stack: Stack): void {
  new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
  new sagemaker.CfnNotebookInstance(stack, 'Nb', { instanceType: 'ml.t3.medium', roleArn: 'arn:aws:iam::111111111111:role/r' });
}

const ltTokens = (json: any) => propsOf(json, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.MetadataOptions.HttpTokens;
const nbVersion = (json: any) => propsOf(json, NOTEBOOK).InstanceMetadataServiceConfiguration?.MinimumInstanceMetadataServiceVersion;
const mentioning = (messages: string[], text: string) => messages.filter((m) => m.includes(text));

describe('Imdsv2Aspect disabledRules', () => {
  test('GIVEN Imdsv2-TokensRequired disabled WHEN REWRITE THEN the open resources are left as written and nothing is said', () => {
    // GIVEN: without the opt-out both are fixed
    const baseline = synth(build, { mode: EnforcementMode.REWRITE });
    expect([ltTokens(baseline.json), nbVersion(baseline.json)]).toEqual(['required', '2']);
    // WHEN
    const out = synth(build, { mode: EnforcementMode.REWRITE, disabledRules: [Imdsv2RuleId.TOKENS_REQUIRED] });
    // THEN
    expect([ltTokens(out.json), nbVersion(out.json)]).toEqual(['optional', undefined]);
    expect(mentioning([...out.warnings, ...out.infos, ...out.errors], 'Imdsv2-TokensRequired')).toEqual([]);
  });

  test.each([EnforcementMode.REPORT, EnforcementMode.REJECT])('GIVEN Imdsv2-TokensRequired disabled WHEN %s THEN no warning and no error', (mode) => {
    // GIVEN: without the opt-out the rule is reported
    const baseline = synth(build, { mode });
    expect(mentioning([...baseline.warnings, ...baseline.errors], 'Imdsv2-TokensRequired')).not.toEqual([]);
    // WHEN
    const out = synth(build, { mode, disabledRules: ['Imdsv2-TokensRequired'] });
    // THEN
    expect(mentioning([...out.warnings, ...out.errors], 'Imdsv2-TokensRequired')).toEqual([]);
    expect(out.errors).toEqual([]);
  });

  test('GIVEN an unknown rule id THEN an error naming it and listing the valid ids', () => {
    expect(() => new Imdsv2Aspect({ disabledRules: ['Imdsv2-TokenRequired'] }))
      .toThrow(/^Imdsv2Aspect: disabledRules has "Imdsv2-TokenRequired", expected a rule id: Imdsv2-TokensRequired, Imdsv2-HopLimit, .*Imdsv2-Replacement$/);
  });
});

describe('Imdsv2Aspect ignoredResourceTypes', () => {
  test('GIVEN the notebook type ignored WHEN REWRITE THEN the notebook is left as written, the launch template is still fixed', () => {
    const out = synth(build, { ignoredResourceTypes: [NOTEBOOK] });
    expect(nbVersion(out.json)).toBeUndefined();
    expect(ltTokens(out.json)).toBe('required');
    expect(mentioning([...out.warnings, ...out.infos], 'Nb')).toEqual([]);
  });

  test.each([EnforcementMode.REPORT, EnforcementMode.REJECT])('GIVEN the notebook type ignored WHEN %s THEN only the launch template is reported', (mode) => {
    const baseline = synth(build, { mode });
    expect(mentioning([...baseline.warnings, ...baseline.errors], NOTEBOOK)).not.toEqual([]);
    const out = synth(build, { mode, ignoredResourceTypes: [NOTEBOOK] });
    expect(mentioning([...out.warnings, ...out.errors], NOTEBOOK)).toEqual([]);
    expect(mentioning([...out.warnings, ...out.errors], 'AWS::EC2::LaunchTemplate')).not.toEqual([]);
  });

  test('GIVEN a type cdk-imdsv2 does not check THEN an error listing the types it checks', () => {
    expect(() => new Imdsv2Aspect({ ignoredResourceTypes: ['AWS::EC2::Instances'] }))
      .toThrow(/^Imdsv2Aspect: ignoredResourceTypes has "AWS::EC2::Instances", expected a resource type cdk-imdsv2 checks: AWS::EC2::Instance, AWS::EC2::LaunchTemplate, /);
  });
});

describe('Imdsv2Checks (cdk-nag) opt-outs', () => {
  test('GIVEN Imdsv2-TokensRequired disabled THEN it reports no resource; GIVEN the notebook type ignored THEN only the template', () => {
    const all = violations(validate(appWith(build), Imdsv2RuleId.TOKENS_REQUIRED));
    expect(all).toEqual(['Imdsv2-TokensRequired Stack/Lt', 'Imdsv2-TokensRequired Stack/Nb']);
    expect(violations(validate(appWith(build), undefined, { disabledRules: [Imdsv2RuleId.TOKENS_REQUIRED] }))
      .filter((v) => v.startsWith('Imdsv2-TokensRequired'))).toEqual([]);
    expect(violations(validate(appWith(build), Imdsv2RuleId.TOKENS_REQUIRED, { ignoredResourceTypes: [NOTEBOOK] })))
      .toEqual(['Imdsv2-TokensRequired Stack/Lt']);
  });

  test('GIVEN an unknown rule id or type THEN an error naming the prop', () => {
    const app = appWith(() => undefined);
    expect(() => new Imdsv2Checks(app, { disabledRules: ['TokensRequired'] })).toThrow(/^Imdsv2Checks: disabledRules has "TokensRequired"/);
    expect(() => new Imdsv2Checks(app, { ignoredResourceTypes: ['AWS::EC2::Host'] })).toThrow(/^Imdsv2Checks: ignoredResourceTypes has "AWS::EC2::Host"/);
  });
});

describe('Imdsv2Validator opt-outs', () => {
  const report = (props?: ConstructorParameters<typeof Imdsv2Validator>[0]) => {
    const app = newApp();
    build(stackOf(app, 'S'));
    return new Imdsv2Validator(props).validate({ templatePaths: synthTemplatePaths(app) });
  };
  const rows = (r: ReturnType<typeof report>) =>
    r.violations.flatMap((v) => v.violatingResources.map((res) => `${v.ruleName} ${res.resourceLogicalId}`));

  test('GIVEN Imdsv2-TokensRequired disabled THEN success and no violation of it', () => {
    expect(report().success).toBe(false);
    const r = report({ disabledRules: ['Imdsv2-TokensRequired'] });
    expect(rows(r).filter((x) => x.startsWith('Imdsv2-TokensRequired'))).toEqual([]);
    expect(r.success).toBe(true);
  });

  test('GIVEN the notebook type ignored THEN only the launch template is reported', () => {
    expect(rows(report()).filter((x) => x.startsWith('Imdsv2-TokensRequired')).length).toBe(2);
    expect(rows(report({ ignoredResourceTypes: [NOTEBOOK] })).filter((x) => x.startsWith('Imdsv2-TokensRequired')))
      .toEqual([expect.stringMatching(/^Imdsv2-TokensRequired Lt/)]);
  });

  test('GIVEN an unknown rule id THEN an error', () => {
    expect(() => new Imdsv2Validator({ disabledRules: ['Imdsv2-Everything'] })).toThrow(/^Imdsv2Validator: disabledRules has "Imdsv2-Everything"/);
  });
});

describe('cdk-imdsv2 scan --disable-rule / --ignore-type', () => {
  async function cli(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
    return { code, stdout, stderr };
  }
  const NB = { Type: NOTEBOOK, Properties: { InstanceType: 'ml.t3.medium', RoleArn: 'arn:aws:iam::111111111111:role/r' } };

  test('GIVEN an open template and notebook WHEN the rule is disabled THEN exit 0', async () => {
    const file = path.join(tempDir({ 't.json': template({ LT: LT_OPTIONAL, Nb: NB }) }), 't.json');
    expect((await cli('scan', file)).code).toBe(EXIT_FINDINGS);
    const run = await cli('scan', '--disable-rule', 'Imdsv2-TokensRequired', file);
    expect(run).toEqual(expect.objectContaining({ code: EXIT_CLEAN, stderr: '' }));
  });

  test('GIVEN --ignore-type for one type (repeated, and comma-separated) THEN the other is still reported, then none', async () => {
    const file = path.join(tempDir({ 't.json': template({ LT: LT_OPTIONAL, Nb: NB }) }), 't.json');
    const one = await cli('scan', '--format', 'json', `--ignore-type=${NOTEBOOK}`, file);
    expect(one.code).toBe(EXIT_FINDINGS);
    expect(JSON.parse(one.stdout).findings.map((f: any) => f.resourceType)).toEqual(['AWS::EC2::LaunchTemplate']);
    const both = await cli('scan', '--ignore-type', NOTEBOOK, '--ignore-type', 'AWS::EC2::LaunchTemplate', file);
    expect(both.code).toBe(EXIT_CLEAN);
    const comma = await cli('scan', '--ignore-type', `${NOTEBOOK},AWS::EC2::LaunchTemplate`, file);
    expect(comma.code).toBe(EXIT_CLEAN);
  });

  test('GIVEN an unknown rule id or type THEN exit 2 and a line listing the valid ones', async () => {
    const file = path.join(tempDir({ 't.json': template({ LT: LT_OPTIONAL }) }), 't.json');
    const rule = await cli('scan', '--disable-rule', 'Imdsv2-Nope', file);
    expect(rule.code).toBe(EXIT_BAD_INPUT);
    expect(rule.stderr).toMatch(/^cdk-imdsv2: --disable-rule has "Imdsv2-Nope", expected a rule id: Imdsv2-TokensRequired, /);
    const type = await cli('scan', '--ignore-type', 'AWS::EC2::Nope', file);
    expect(type.code).toBe(EXIT_BAD_INPUT);
    expect(type.stderr).toMatch(/^cdk-imdsv2: --ignore-type has "AWS::EC2::Nope", expected a resource type cdk-imdsv2 checks: AWS::EC2::Instance, /);
  });
});
