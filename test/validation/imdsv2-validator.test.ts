import * as fs from 'fs';
import * as path from 'path';
import { App, AspectPriority, Aspects, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { EnforcementMode, Imdsv2Aspect, Imdsv2RuleId } from '../../src';
import { Imdsv2Validator, Imdsv2ValidatorProps } from '../../src/validation/imdsv2-validator';
import { newApp, productWithVersions, stackOf, synthTemplatePaths, tempDir, template } from '../templates/fixtures';
import { failedPlugins, pluginReport } from '../validation-report';

const AMI = ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-0123456789abcdef0' });

/** Synthesize `app` and run the validator on its templates, as CDK does. */
function validate(app: App, props?: Imdsv2ValidatorProps) {
  return new Imdsv2Validator(props).validate({ templatePaths: synthTemplatePaths(app) });
}

function ruleNames(report: ReturnType<typeof validate>): string[] {
  return report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.resourceLogicalId).join(',')}`);
}

describe('Imdsv2Validator', () => {
  test('GIVEN an open launch template THEN an error violation with the resource, its template and the location', () => {
    // GIVEN
    const app = newApp();
    const stack = stackOf(app, 'S');
    new ec2.CfnLaunchTemplate(stack, 'LT', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    // WHEN
    const report = validate(app);
    // THEN
    expect(report.success).toBe(false);
    expect(report.violations).toEqual([expect.objectContaining({
      ruleName: 'Imdsv2-TokensRequired',
      severity: 'error',
      description: "AWS::EC2::LaunchTemplate: HttpTokens is 'optional', so IMDSv1 is reachable",
      violatingResources: [{
        resourceLogicalId: 'LT',
        templatePath: path.join(app.outdir, 'S.template.json'),
        locations: ['Properties/LaunchTemplateData/MetadataOptions/HttpTokens'],
      }],
    })]);
  });

  test('GIVEN resources with the same problem THEN one violation lists them all; another wording gets its own', () => {
    // GIVEN
    const app = newApp();
    const stack = stackOf(app, 'S');
    for (const id of ['A', 'B', 'C']) new ec2.CfnLaunchTemplate(stack, id, { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    new ec2.CfnLaunchTemplate(stack, 'D', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 4 } } });
    new ec2.CfnLaunchTemplate(stack, 'E', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 5 } } });
    // WHEN
    const report = validate(app);
    // THEN
    expect(report.violations.map((v) => [v.ruleName, v.description, v.violatingResources.map((r) => r.resourceLogicalId)])).toEqual([
      ['Imdsv2-TokensRequired', "AWS::EC2::LaunchTemplate: HttpTokens is 'optional', so IMDSv1 is reachable", ['A', 'B', 'C']],
      ['Imdsv2-HopLimit', expect.stringMatching(/^AWS::EC2::LaunchTemplate: .*\b4\b/), ['D']],
      ['Imdsv2-HopLimit', expect.stringMatching(/^AWS::EC2::LaunchTemplate: .*\b5\b/), ['E']],
    ]);
    expect(report.violations[0].violatingResources.map((r) => r.locations)).toEqual(
      [1, 2, 3].map(() => ['Properties/LaunchTemplateData/MetadataOptions/HttpTokens']));
  });

  test('GIVEN a stack with no acknowledgement THEN its metadata file (as large as the template) is never parsed; with one THEN it is, and honoured', () => {
    const parsedMetadata = (app: App, run: () => unknown) => {
      const parse = jest.spyOn(JSON, 'parse');
      try {
        run();
        const files = fs.readdirSync(app.outdir).filter((f) => f.endsWith('.metadata.json'));
        expect(files).not.toEqual([]);
        const texts = new Set(files.map((f) => fs.readFileSync(path.join(app.outdir, f), 'utf8')));
        return parse.mock.calls.filter(([text]) => texts.has(text)).length;
      } finally {
        parse.mockRestore();
      }
    };
    // GIVEN an open launch template, no acknowledgement
    const open = newApp();
    new ec2.CfnLaunchTemplate(stackOf(open, 'S'), 'LT', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    const paths = synthTemplatePaths(open);
    let report: ReturnType<typeof validate> | undefined;
    // WHEN / THEN
    expect(parsedMetadata(open, () => report = new Imdsv2Validator().validate({ templatePaths: paths }))).toBe(0);
    expect(ruleNames(report!)).toEqual(['Imdsv2-TokensRequired LT']);
    // GIVEN the same, acknowledged
    const acked = newApp();
    const lt = new ec2.CfnLaunchTemplate(stackOf(acked, 'S'), 'LT', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    Validations.of(lt).acknowledge({ id: 'Imdsv2-TokensRequired', reason: 'test' });
    const ackedPaths = synthTemplatePaths(acked);
    // WHEN / THEN
    expect(parsedMetadata(acked, () => report = new Imdsv2Validator().validate({ templatePaths: ackedPaths }))).toBe(1);
    expect(report!.violations).toEqual([]);
  });

  test('GIVEN a compliant app THEN success and no violation', () => {
    const app = newApp();
    new ec2.LaunchTemplate(stackOf(app, 'S'), 'LT', { requireImdsv2: true, machineImage: AMI });
    expect(validate(app)).toEqual(expect.objectContaining({ success: true, violations: [] }));
  });

  test('GIVEN only warnings THEN success (synthesis goes on) with the violations reported', () => {
    const app = newApp();
    new ec2.CfnLaunchTemplate(stackOf(app, 'S'), 'LT', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 4 } } });
    const report = validate(app);
    expect(report.success).toBe(true);
    expect(report.violations.map((v) => [v.ruleName, v.severity])).toEqual([['Imdsv2-HopLimit', 'warning']]);
  });

  test('GIVEN a plain host at hop 2 with tokens required THEN an advisory warning by default, and success; with hostHopLimit: 1 it is outside the policy', () => {
    const app = newApp();
    new ec2.CfnInstance(stackOf(app, 'S'), 'I', { imageId: 'ami-1', metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 } });
    const byDefault = validate(app);
    expect(byDefault.success).toBe(true);
    expect(byDefault.violations.map((v) => [v.ruleName, v.severity, v.description])).toEqual([
      ['Imdsv2-HopLimit', 'warning', expect.stringMatching(/^AWS::EC2::Instance: HttpPutResponseHopLimit is 2 .*advisory/)],
    ]);
    const strict = new Imdsv2Validator({ hostHopLimit: 1 }).validate({ templatePaths: [path.join(app.outdir, 'S.template.json')] });
    expect(strict.violations.map((v) => [v.ruleName, v.fix])).toEqual([['Imdsv2-HopLimit', 'set HttpPutResponseHopLimit to 1']]);
  });

  test('GIVEN an escape hatch that opens an L2 launch template born closed THEN it is seen', () => {
    // GIVEN
    const app = newApp();
    const lt = new ec2.LaunchTemplate(stackOf(app, 'S'), 'LT', { requireImdsv2: true, machineImage: AMI });
    (lt.node.defaultChild as ec2.CfnLaunchTemplate).addPropertyOverride('LaunchTemplateData.MetadataOptions.HttpTokens', 'optional');
    // WHEN / THEN
    expect(ruleNames(validate(app))).toEqual([expect.stringMatching(/^Imdsv2-TokensRequired LT/)]);
  });

  test('GIVEN an escape hatch that closes a raw launch template THEN it passes', () => {
    const app = newApp();
    const lt = new ec2.CfnLaunchTemplate(stackOf(app, 'S'), 'LT', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    lt.addPropertyOverride('LaunchTemplateData.MetadataOptions.HttpTokens', 'required');
    expect(validate(app).violations).toEqual([]);
  });

  test('GIVEN Imdsv2Aspect in REWRITE THEN what the aspect wrote is what is checked', () => {
    const app = newApp();
    new ec2.CfnLaunchTemplate(stackOf(app, 'S'), 'LT', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    Aspects.of(app).add(new Imdsv2Aspect({ mode: EnforcementMode.REWRITE }), { priority: AspectPriority.MUTATING });
    expect(validate(app).violations).toEqual([]);
  });

  test('GIVEN a consumer in another stack that pins a version THEN the cross-stack import is followed', () => {
    const app = newApp();
    const lt = new ec2.CfnLaunchTemplate(stackOf(app, 'Producer'), 'LT', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    new CfnResource(stackOf(app, 'Consumer'), 'ASG', {
      type: 'AWS::AutoScaling::AutoScalingGroup',
      properties: { MinSize: '1', MaxSize: '1', LaunchTemplate: { LaunchTemplateId: lt.ref, Version: '1' } },
    });
    expect(ruleNames(validate(app))).toEqual(['Imdsv2-TokensRequired LT', 'Imdsv2-StaleVersion ASG']);
  });

  test('GIVEN a launch template imported by id THEN the consumer is Unverifiable, not a pass', () => {
    const app = newApp();
    const stack = stackOf(app, 'S');
    const imported = ec2.LaunchTemplate.fromLaunchTemplateAttributes(stack, 'Imported', { launchTemplateId: 'lt-0123456789abcdef0' });
    new CfnResource(stack, 'ASG', {
      type: 'AWS::AutoScaling::AutoScalingGroup',
      properties: { MinSize: '1', MaxSize: '1', LaunchTemplate: { LaunchTemplateId: imported.launchTemplateId, Version: '$Latest' } },
    });
    expect(ruleNames(validate(app))).toEqual(['Imdsv2-Unverifiable ASG']);
  });

  test('GIVEN acknowledgements on the construct and the rule selection THEN neither acknowledged nor unselected rules are reported', () => {
    const app = newApp();
    const stack = stackOf(app, 'S');
    const acked = new ec2.CfnLaunchTemplate(stack, 'Acked', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    new ec2.CfnLaunchTemplate(stack, 'Hop', { launchTemplateData: { metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 3 } } });
    Validations.of(acked).acknowledge({ id: 'Imdsv2-TokensRequired', reason: 'closed by an SCP' });
    expect(ruleNames(validate(app))).toEqual(['Imdsv2-TokensRequired Hop', 'Imdsv2-HopLimit Hop']);
    expect(ruleNames(validate(app, { rules: [Imdsv2RuleId.HOP_LIMIT] }))).toEqual(['Imdsv2-HopLimit Hop']);
  });

  test('GIVEN the plugin registered on the app THEN CDK writes its violations to the report, and the plugin-qualified id acknowledges app-wide', () => {
    // GIVEN
    const app = newApp();
    const stack = stackOf(app, 'S');
    new ec2.CfnLaunchTemplate(stack, 'LT', { launchTemplateData: { metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 3 } } });
    Validations.of(app).addPlugins(new Imdsv2Validator());
    Validations.of(app).acknowledge({ id: 'Imdsv2Validator::Imdsv2-HopLimit', reason: 'hop 3 is our policy' });
    const console = jest.spyOn(global.console, 'error').mockImplementation(() => undefined);
    // WHEN
    const assembly = app.synth();
    console.mockRestore();
    // THEN
    const plugin = pluginReport(assembly.directory, 'Imdsv2Validator');
    expect(plugin.violations.map((v) => [v.ruleName, v.constructPath])).toEqual([['Imdsv2-TokensRequired', 'S/LT']]);
  });

  test('GIVEN a stack with no resources (CDK does not deploy it) beside a compliant one THEN synthesis succeeds and the plugin reports success', () => {
    // GIVEN
    const app = newApp();
    new Stack(app, 'Placeholder');
    new ec2.LaunchTemplate(stackOf(app, 'S'), 'LT', { requireImdsv2: true, machineImage: AMI });
    Validations.of(app).addPlugins(new Imdsv2Validator());
    const console = jest.spyOn(global.console, 'error').mockImplementation(() => undefined);
    // WHEN
    const assembly = app.synth();
    console.mockRestore();
    // THEN
    expect(failedPlugins(assembly.directory)).toEqual([]);
  });

  test('GIVEN a stack with no resources but a Transform (what it deploys is made at deploy time) THEN it is not skipped without a word', () => {
    const dir = tempDir({ 'S.template.json': { Transform: 'AWS::Include' } });
    expect(() => new Imdsv2Validator().validate({ templatePaths: [path.join(dir, 'S.template.json')] }))
      .toThrow(/S\.template\.json' is not a CloudFormation template: expected a Resources section, got none/);
  });

  test('GIVEN a template that does not parse THEN validate throws a one-line error (CDK reports the plugin as failed)', () => {
    const dir = tempDir({ 'S.template.json': '{"Resources": ' });
    expect(() => new Imdsv2Validator().validate({ templatePaths: [path.join(dir, 'S.template.json')] })).toThrow(/^cannot parse '.*S\.template\.json' as JSON: /);
  });

  test('GIVEN template paths outside a cloud assembly THEN they are checked all the same', () => {
    const dir = tempDir({ 't.json': template({ LT: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: {} } } }) });
    expect(new Imdsv2Validator().validate({ templatePaths: [path.join(dir, 't.json')] }).violations.map((v) => v.ruleName)).toEqual(['Imdsv2-TokensRequired']);
  });

  test.each([
    [{ hostHopLimit: 0 }, 'Imdsv2Validator: hostHopLimit must be an integer from 1 to 64, got 0'],
    [{ containerHopLimit: 2.5 }, 'Imdsv2Validator: containerHopLimit must be an integer from 1 to 64, got 2.5'],
    [{ rules: ['Imdsv2-Nope' as Imdsv2RuleId] }, "Imdsv2Validator: unknown rule id 'Imdsv2-Nope' in rules: expected one of Imdsv2-TokensRequired, Imdsv2-HopLimit, Imdsv2-Unverifiable, Imdsv2-StaleVersion, Imdsv2-UserDataV1, Imdsv2-Replacement"],
    [{ rules: [] }, 'Imdsv2Validator: rules is empty, expected at least one of Imdsv2-TokensRequired'],
  ])('GIVEN props %j THEN the constructor throws naming the value', (props, message) => {
    expect(() => new Imdsv2Validator(props)).toThrow(message);
  });

  test('GIVEN the plugin THEN it names itself and the rules it evaluates', () => {
    const plugin = new Imdsv2Validator({ rules: [Imdsv2RuleId.TOKENS_REQUIRED] });
    expect(plugin.name).toBe('Imdsv2Validator');
    expect(plugin.ruleIds).toEqual(['Imdsv2-TokensRequired']);
  });
});

describe('Imdsv2Validator on Service Catalog products (issue #17 item 6)', () => {
  test('GIVEN a product from a ProductStack and one from a template file asset THEN the validator reports the IMDSv1 instance in each (CDK passes neither template)', () => {
    // GIVEN
    const sources = tempDir({ 'product.json': { Resources: { FromFile: { Type: 'AWS::EC2::Instance', Properties: { ImageId: 'ami-1', MetadataOptions: { HttpTokens: 'optional' } } } } } });
    const app = newApp();
    const portfolio = stackOf(app, 'Portfolio');
    productWithVersions(portfolio, [path.join(sources, 'product.json')]);
    // WHEN
    const report = validate(app);
    // THEN
    expect(report.success).toBe(false);
    const open = report.violations.filter((v) => v.ruleName === 'Imdsv2-TokensRequired').flatMap((v) => v.violatingResources);
    expect(open.map((r) => [r.resourceLogicalId, path.basename(r.templatePath ?? '')]).sort()).toEqual([
      ['FromFile', expect.stringMatching(/^asset\.[0-9a-f]+\.json$/)],
      [expect.stringMatching(/^Web[0-9A-F]{8}$/), expect.stringMatching(/\.product\.template\.json$/)],
    ]);
  });

  test('GIVEN a Lambda function (a file asset that is no template) THEN the validator passes it by', () => {
    // GIVEN
    const app = newApp();
    const stack = stackOf(app, 'S');
    const code = tempDir({ 'index.js': 'exports.handler = async () => {};\n' });
    new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_20_X, handler: 'index.handler', code: lambda.Code.fromAsset(code) });
    // WHEN
    const report = validate(app);
    // THEN
    expect(report.success).toBe(true);
  });
});
