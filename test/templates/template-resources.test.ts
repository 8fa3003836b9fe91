import * as path from 'path';
import { CfnResource, NestedStack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { LT_OPTIONAL, LT_REQUIRED, asg, newApp, stackOf, tempDir, template } from './fixtures';
import { RULE_CATALOG } from '../../src/engine/rule-catalog';
import { Imdsv2RuleId } from '../../src/engine/rule-id';
import { loadAssemblyTemplates, loadInputs } from '../../src/templates/load-templates';
import { ScanResult, scanTemplates } from '../../src/templates/scan-templates';
import { TemplateResources } from '../../src/templates/template-resources';

const ALL = new Set(RULE_CATALOG.map((r) => r.id));

/** Scan template files written to a temp dir (name → template). */
function scanFiles(files: Record<string, object | string>, rules: ReadonlySet<Imdsv2RuleId> = ALL, hop = { host: 1, container: 2 }): ScanResult {
  const dir = tempDir(files);
  return scanTemplates(loadInputs(Object.keys(files).filter((f) => !f.includes('/')).map((f) => path.join(dir, f))), {
    rules, hostHopLimit: hop.host, containerHopLimit: hop.container,
  });
}

/** `ruleId logicalId` of each finding. */
function found(result: ScanResult): string[] {
  return result.findings.map((f) => `${f.ruleId} ${f.logicalId}`);
}

describe('references inside one template', () => {
  test('GIVEN an ASG on a Ref to a launch template that requires tokens THEN no finding', () => {
    expect(found(scanFiles({ 't.json': template({ LT: LT_REQUIRED, ASG: asg({ Ref: 'LT' }) }) }))).toEqual([]);
  });

  test('GIVEN an ASG on a Ref to an open launch template THEN the template carries the finding, the ASG none', () => {
    expect(found(scanFiles({ 't.json': template({ LT: LT_OPTIONAL, ASG: asg({ Ref: 'LT' }) }) }))).toEqual(['Imdsv2-TokensRequired LT']);
  });

  test('GIVEN a YAML template with !Ref and !GetAtt dot form THEN the ASG is linked (pinned version is stale)', () => {
    const yaml = [
      'Resources:',
      '  LT:',
      '    Type: AWS::EC2::LaunchTemplate',
      '    Properties:',
      '      LaunchTemplateData:',
      '        MetadataOptions: { HttpTokens: optional }',
      '  Pinned:',
      '    Type: AWS::AutoScaling::AutoScalingGroup',
      '    Properties:',
      '      MinSize: "1"',
      '      MaxSize: "1"',
      '      LaunchTemplate: { LaunchTemplateId: !Ref LT, Version: "3" }',
      '  Follows:',
      '    Type: AWS::AutoScaling::AutoScalingGroup',
      '    Properties:',
      '      MinSize: "1"',
      '      MaxSize: "1"',
      '      LaunchTemplate: { LaunchTemplateId: !Ref LT, Version: !GetAtt LT.LatestVersionNumber }',
    ].join('\n');
    expect(found(scanFiles({ 't.yaml': yaml }))).toEqual(['Imdsv2-TokensRequired LT', 'Imdsv2-StaleVersion Pinned']);
  });

  test('GIVEN HttpTokens from a top-level parameter THEN Unverifiable (a default can be overridden at deploy time)', () => {
    const lt = { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: { Ref: 'Tokens' } } } } };
    expect(found(scanFiles({ 't.json': template({ LT: lt }, { Parameters: { Tokens: { Type: 'String', Default: 'required' } } }) }))).toEqual(['Imdsv2-Unverifiable LT']);
  });

  test('GIVEN a launch template id that is a literal THEN the consumer is Unverifiable, not a pass', () => {
    expect(found(scanFiles({ 't.json': template({ ASG: asg('lt-0123456789abcdef0', '1') }) }))).toEqual(['Imdsv2-Unverifiable ASG']);
  });
});

describe('references across templates', () => {
  const producer = template({ LT: LT_OPTIONAL }, { Outputs: { LtId: { Value: { Ref: 'LT' }, Export: { Name: 'shared-lt-id' } } } });

  test('GIVEN Fn::ImportValue of an export of another template in the set THEN it is followed (the pin is stale)', () => {
    // GIVEN
    const consumer = template({ ASG: asg({ 'Fn::ImportValue': 'shared-lt-id' }, '1') });
    // WHEN
    const result = scanFiles({ 'a.json': producer, 'b.json': consumer });
    // THEN
    expect(found(result)).toEqual(['Imdsv2-TokensRequired LT', 'Imdsv2-StaleVersion ASG']);
  });

  test('GIVEN the version imported too (as CDK writes it) THEN the consumer follows the latest version: only the template is reported, and its fix is an export in use', () => {
    const exporting = template({ LT: LT_OPTIONAL }, {
      Outputs: {
        Id: { Value: { Ref: 'LT' }, Export: { Name: 'P:LtId' } },
        Version: { Value: { 'Fn::GetAtt': ['LT', 'LatestVersionNumber'] }, Export: { Name: 'P:LtVersion' } },
      },
    });
    const consumer = template({ ASG: asg({ 'Fn::ImportValue': 'P:LtId' }, { 'Fn::ImportValue': 'P:LtVersion' }) });
    expect(found(scanFiles({ 'a.json': exporting, 'b.json': consumer }))).toEqual(['Imdsv2-TokensRequired LT', 'Imdsv2-Replacement LT']);
  });

  test('GIVEN Fn::ImportValue of an export that is not in the set THEN Unverifiable', () => {
    expect(found(scanFiles({ 'b.json': template({ ASG: asg({ 'Fn::ImportValue': 'shared-lt-id' }) }) }))).toEqual(['Imdsv2-Unverifiable ASG']);
  });

  test('GIVEN Fn::ImportValue of a computed name THEN Unverifiable', () => {
    const consumer = template({ ASG: asg({ 'Fn::ImportValue': { 'Fn::Sub': '${Net}-lt-id' } }) });
    expect(found(scanFiles({ 'a.json': producer, 'b.json': consumer }))).toContain('Imdsv2-Unverifiable ASG');
  });
});

describe('nested stacks', () => {
  const nestedStack = (parameters: object = {}) => ({ Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: 'child.json', Parameters: parameters } });

  test('GIVEN a parent ASG on Fn::GetAtt [Child, Outputs.LtId] THEN it reaches the nested launch template', () => {
    const child = template({ LT: LT_OPTIONAL }, { Outputs: { LtId: { Value: { Ref: 'LT' } } } });
    const parent = template({ Child: nestedStack(), ASG: asg({ 'Fn::GetAtt': ['Child', 'Outputs.LtId'] }, '2') });
    expect(found(scanFiles({ 'parent.json': parent, 'child.json': child }))).toEqual(['Imdsv2-StaleVersion ASG', 'Imdsv2-TokensRequired LT']);
  });

  test('GIVEN a nested ASG on a parameter the parent passes as Ref to its launch template THEN it is followed into the parent', () => {
    const child = template({ ASG: asg({ Ref: 'LtId' }, '1') }, { Parameters: { LtId: { Type: 'String' } } });
    const parent = template({ LT: LT_REQUIRED, Child: nestedStack({ LtId: { Ref: 'LT' } }) });
    expect(found(scanFiles({ 'parent.json': parent, 'child.json': child }))).toEqual([]);
  });

  test('GIVEN nested HttpTokens from a parameter the parent passes as a literal THEN the literal is used', () => {
    const lt = { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: { Ref: 'Tokens' } } } } };
    const child = template({ LT: lt }, { Parameters: { Tokens: { Type: 'String' } } });
    const passes = (value: unknown) => scanFiles({
      'parent.json': template({ Child: nestedStack({ Tokens: value }) }, { Parameters: { Top: { Type: 'String' } } }),
      'child.json': child,
    });
    expect(found(passes('required'))).toEqual([]);
    expect(found(passes('optional'))).toEqual(['Imdsv2-TokensRequired LT']);
    expect(found(passes({ Ref: 'Top' }))).toEqual(['Imdsv2-Unverifiable LT']);
  });
});

describe('acknowledgements', () => {
  test('GIVEN cdk-nag audit metadata (cdk_nag.rules_to_suppress) on the resource THEN the rule is acknowledged', () => {
    const lt = { ...LT_OPTIONAL, Metadata: { cdk_nag: { rules_to_suppress: [{ id: 'Imdsv2-TokensRequired', reason: 'legacy fleet' }] } } };
    const result = scanFiles({ 't.json': template({ LT: lt }) });
    expect(found(result)).toEqual([]);
    expect(result.acknowledged).toBe(1);
  });

  test('GIVEN another rule suppressed THEN the finding stays', () => {
    const lt = { ...LT_OPTIONAL, Metadata: { cdk_nag: { rules_to_suppress: [{ id: 'Imdsv2-HopLimit', reason: 'x' }] } } };
    expect(found(scanFiles({ 't.json': template({ LT: lt }) }))).toEqual(['Imdsv2-TokensRequired LT']);
  });

  test('GIVEN Validations.acknowledge on a stack, a construct and a nested construct THEN the assembly metadata acknowledges them; the App level is out of reach', () => {
    // GIVEN
    const app = newApp();
    const stack = stackOf(app, 'S');
    const open = () => ({ launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    const onConstruct = new ec2.CfnLaunchTemplate(stack, 'OnConstruct', open());
    const onStack = new ec2.CfnLaunchTemplate(stack, 'OnStack', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 5 } } });
    const nested = new NestedStack(stack, 'Nested');
    const inNested = new ec2.CfnLaunchTemplate(nested, 'InNested', open());
    const onApp = new ec2.CfnInstance(stack, 'OnApp', { imageId: 'ami-1', metadataOptions: { httpTokens: 'optional' } });
    Validations.of(onConstruct).acknowledge({ id: 'Imdsv2-TokensRequired', reason: 'r' });
    Validations.of(stack).acknowledge({ id: 'Imdsv2-HopLimit', reason: 'r' });
    Validations.of(inNested).acknowledge({ id: 'Imdsv2-TokensRequired', reason: 'r' });
    Validations.of(app).acknowledge({ id: 'Imdsv2-TokensRequired', reason: 'not in the cloud assembly' });
    void onStack; void onApp;
    // WHEN
    const templates = loadAssemblyTemplates(app.synth().stacks.map((s) => s.templateFullPath));
    const result = scanTemplates(templates, { rules: ALL, hostHopLimit: 1, containerHopLimit: 2 });
    // THEN
    expect(found(result)).toEqual(['Imdsv2-TokensRequired OnApp']);
    expect(result.findings[0].constructPath).toBe('S/OnApp');
  });
});

describe('acknowledgements when a nested stack reuses a logical id of its parent', () => {
  test('GIVEN LT in the parent and LT in the nested stack, only the nested one acknowledged THEN only the parent one is reported', () => {
    // GIVEN
    const app = newApp();
    const stack = stackOf(app, 'S');
    new ec2.CfnLaunchTemplate(stack, 'LT', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    const inner = new ec2.CfnLaunchTemplate(new NestedStack(stack, 'N'), 'LT', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    Validations.of(inner).acknowledge({ id: 'Imdsv2-TokensRequired', reason: 'r' });
    // WHEN
    const templates = loadAssemblyTemplates(app.synth().stacks.map((s) => s.templateFullPath));
    const result = scanTemplates(templates, { rules: ALL, hostHopLimit: 1, containerHopLimit: 2 });
    // THEN
    expect(result.findings.map((f) => [f.ruleId, f.constructPath])).toEqual([['Imdsv2-TokensRequired', 'S/LT']]);
    expect(result.acknowledged).toBe(1);
  });
});

describe('scanTemplates', () => {
  test('GIVEN rules selected THEN other findings are left out', () => {
    const lt = { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 3 } } } };
    expect(found(scanFiles({ 't.json': template({ LT: lt }) }, new Set([Imdsv2RuleId.HOP_LIMIT])))).toEqual(['Imdsv2-HopLimit LT']);
  });

  test('GIVEN a hop limit policy THEN it decides Imdsv2-HopLimit', () => {
    const lt = { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } } } };
    expect(found(scanFiles({ 't.json': template({ LT: lt }) }))).toEqual(['Imdsv2-HopLimit LT']);
    expect(found(scanFiles({ 't.json': template({ LT: lt }) }, ALL, { host: 2, container: 2 }))).toEqual([]);
  });

  test('GIVEN user data that calls IMDS without a token THEN Imdsv2-UserDataV1 is reported where the user data is', () => {
    const instance = { Type: 'AWS::EC2::Instance', Properties: { MetadataOptions: { HttpTokens: 'required' }, UserData: { 'Fn::Base64': '#!/bin/bash\ncurl http://169.254.169.254/latest/meta-data/instance-id' } } };
    const result = scanFiles({ 't.json': template({ I: instance }) });
    expect(found(result)).toEqual(['Imdsv2-UserDataV1 I']);
    expect(result.findings[0].location).toBe('Properties/UserData');
  });

  test('GIVEN a finding THEN its location is the property the fix writes', () => {
    const result = scanFiles({ 't.json': template({ LT: LT_OPTIONAL }) });
    expect(result.findings[0].location).toBe('Properties/LaunchTemplateData/MetadataOptions/HttpTokens');
  });
});

describe('TemplateResources', () => {
  test('GIVEN a template set THEN only IMDS-bearing resources become views, keyed by file and logical id', () => {
    const dir = tempDir({ 't.json': template({ LT: LT_OPTIONAL, Bucket: { Type: 'AWS::S3::Bucket' } }) });
    const resources = new TemplateResources(loadInputs([path.join(dir, 't.json')]));
    expect(resources.views.map((v) => [v.logicalId, v.key])).toEqual([['LT', `${path.join(dir, 't.json')}#LT`]]);
  });

  test('GIVEN a CDK nested stack THEN a parent consumer reaches the nested launch template through the nested Outputs', () => {
    const app = newApp();
    const stack = stackOf(app, 'S');
    const nested = new NestedStack(stack, 'N');
    const lt = new ec2.CfnLaunchTemplate(nested, 'LT', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    new CfnResource(stack, 'ASG', { type: 'AWS::AutoScaling::AutoScalingGroup', properties: { MinSize: '1', MaxSize: '1', LaunchTemplate: { LaunchTemplateId: lt.ref, Version: '1' } } });
    const templates = loadAssemblyTemplates(app.synth().stacks.map((s) => s.templateFullPath));
    const result = scanTemplates(templates, { rules: ALL, hostHopLimit: 1, containerHopLimit: 2 });
    expect(found(result)).toEqual(['Imdsv2-StaleVersion ASG', 'Imdsv2-TokensRequired LT']);
    expect(result.findings.map((f) => f.constructPath)).toEqual(['S/ASG', 'S/N/LT']);
  });
});
