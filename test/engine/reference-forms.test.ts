import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ResourceImpact, fullDiff } from '@aws-cdk/cloudformation-diff';
import { App, AspectPriority, Aspects, Aws, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { Imdsv2Aspect, Imdsv2ReportEntry, Imdsv2RuleId } from '../../src';
import { RULE_CATALOG } from '../../src/engine/rule-catalog';
import { loadInputs } from '../../src/templates/load-templates';
import { scanTemplates } from '../../src/templates/scan-templates';
import { Imdsv2Validator } from '../../src/validation/imdsv2-validator';
import { validate as validateWithPack, violations } from '../nag/utils';

// The hidden cascade (DESIGN.md): an instance or EC2 fleet that follows its launch
// template's LatestVersionNumber is replaced on deploy when the template changes, although
// its own template text does not. These tests write that reference in the forms users meet
// besides aws-cdk-lib's own `Fn::GetAtt [Lt, LatestVersionNumber]`: the string form that
// CfnInclude keeps from YAML's `!GetAtt Lt.LatestVersionNumber`, a `Fn::Sub` of one
// reference, and a launch template named by an expression. Each must leave the template
// alone (Imdsv2-Replacement) and close the instance through its own MetadataOptions.

const ALL_RULES = new Set(RULE_CATALOG.map((r) => r.id));

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'imdsv2-refs-'));
}

/** A YAML template: an open launch template `Lt` and the resources in `rest` (YAML text, two-space indented). */
function yamlTemplate(rest: string, ltName?: string): string {
  return [
    'Parameters:',
    '  NameParam:',
    '    Type: String',
    'Resources:',
    '  Lt:',
    '    Type: AWS::EC2::LaunchTemplate',
    '    Properties:',
    ...(ltName ? [`      LaunchTemplateName: ${ltName}`] : []),
    '      LaunchTemplateData:',
    '        MetadataOptions:',
    '          HttpTokens: optional',
    rest,
  ].join('\n');
}

/** An instance launching from the template given by `id` (YAML mapping lines) and `version`. */
function yamlInstance(spec: string, logicalId = 'Web'): string {
  return [
    `  ${logicalId}:`,
    '    Type: AWS::EC2::Instance',
    '    Properties:',
    '      ImageId: ami-12345678',
    '      LaunchTemplate:',
    ...spec.split('\n').map((l) => `        ${l}`),
  ].join('\n');
}

interface Synth {
  /** The stack's synthesized resources. */
  readonly resources: Record<string, any>;
  /** The whole synthesized template. */
  readonly template: any;
  readonly templateFile: string;
  readonly entries: Imdsv2ReportEntry[];
  /** Warnings and errors the aspect attached, as "<logical id> <rule id>". */
  readonly notes: string[];
}

/** Synthesize one stack built by `build`, with the aspect (REWRITE) or without. */
function synth(build: (s: Stack) => void, withAspect: boolean): Synth {
  const app = new App({ outdir: tempDir() });
  const stack = new Stack(app, 'S');
  build(stack);
  const aspect = new Imdsv2Aspect();
  if (withAspect) Aspects.of(app).add(aspect, { priority: AspectPriority.MUTATING });
  const assembly = app.synth();
  const artifact = assembly.getStackArtifact(stack.artifactId);
  // The aspect's messages end with "[ack: <rule id>]" (the id to acknowledge); info messages say what it fixed.
  const notes = artifact.messages.filter((m) => m.level !== 'info')
    .map((m) => `${m.id.split('/').pop()} ${/\[ack: ([\w-]+)\]$/.exec(String(m.entry.data))?.[1] ?? String(m.entry.data)}`);
  return {
    resources: artifact.template.Resources,
    template: artifact.template,
    templateFile: artifact.templateFullPath,
    entries: withAspect ? aspect.entries : [],
    notes,
  };
}

/** What deploying `after` over `before` does to each resource that changes (per the CloudFormation spec). */
function changes(before: any, after: any): Array<[string, ResourceImpact, string[]]> {
  const out: Array<[string, ResourceImpact, string[]]> = [];
  fullDiff(before, after).resources.forEachDifference((id, change) =>
    out.push([id, change.changeImpact, Object.keys(change.propertyUpdates)]));
  return out;
}

/**
 * The behaviour every form must give, through the aspect: the template left as written and
 * reported Imdsv2-Replacement, the instance closed through its own MetadataOptions, so that
 * the deploy updates the instance in place and nothing else.
 */
function expectTemplateLeftAndInstanceClosed(build: (s: Stack) => void, instance = 'Web') {
  const before = synth(build, false);
  const after = synth(build, true);

  expect(after.resources.Lt).toEqual(before.resources.Lt);
  expect(after.entries.find((e) => e.logicalId === 'Lt')?.ruleIds).toContain(Imdsv2RuleId.REPLACEMENT);
  expect(after.notes).toContain(`Lt ${Imdsv2RuleId.REPLACEMENT}`);
  expect(after.resources[instance].Properties.MetadataOptions).toEqual({ HttpTokens: 'required' });
  expect(changes(before.template, after.template)).toEqual([[instance, ResourceImpact.WILL_UPDATE, ['MetadataOptions']]]);
}

/** Rule id → logical ids, from the CLI's scan of template files. */
function scanned(files: string[]): Record<string, string[]> {
  const result = scanTemplates(loadInputs(files), { rules: ALL_RULES, hostHopLimit: 1, containerHopLimit: 2 });
  const out: Record<string, string[]> = {};
  for (const f of result.findings) (out[f.ruleId] ??= []).push(f.logicalId);
  return out;
}

/** Rule id → logical ids, from the CLI's scan of `yaml` written to a file. */
function scannedYaml(yaml: string): Record<string, string[]> {
  const file = path.join(tempDir(), 'app.yaml');
  fs.writeFileSync(file, yaml);
  return scanned([file]);
}

/** Rule id → logical ids, from Imdsv2Validator over a synthesized template. */
function validated(templateFile: string): Record<string, string[]> {
  const report = new Imdsv2Validator().validate({ templatePaths: [templateFile] });
  const out: Record<string, string[]> = {};
  for (const v of report.violations) (out[v.ruleName] ??= []).push(...v.violatingResources.map((r) => r.resourceLogicalId ?? '?'));
  return out;
}

function includeYaml(text: string): (s: Stack) => void {
  const file = path.join(tempDir(), 'included.yaml');
  fs.writeFileSync(file, text);
  return (s) => {
    new CfnInclude(s, 'Included', { templateFile: file });
  };
}

describe('(a) Fn::GetAtt in its string form, as CfnInclude keeps YAML\'s !GetAtt Lt.Attr', () => {
  const forms: Array<[string, string]> = [
    ['LaunchTemplateId: !Ref Lt\nVersion: !GetAtt Lt.LatestVersionNumber', 'Ref id, string-form version'],
    ['LaunchTemplateId: !GetAtt Lt.LaunchTemplateId\nVersion: !GetAtt Lt.LatestVersionNumber', 'string-form id and version'],
    ['LaunchTemplateId: {"Fn::GetAtt": "Lt.LaunchTemplateId"}\nVersion: {"Fn::GetAtt": "Lt.LatestVersionNumber"}', 'long-form Fn::GetAtt strings'],
  ];

  test.each(forms)('GIVEN an included YAML instance (%#: %s) following an open template WHEN the aspect rewrites THEN the template is left and reported Imdsv2-Replacement, the instance closed in place', (spec) => {
    expectTemplateLeftAndInstanceClosed(includeYaml(yamlTemplate(yamlInstance(spec))));
  });

  test.each(forms)('GIVEN the same YAML template (%#: %s) WHEN the CLI scans it THEN the template is reported Imdsv2-Replacement and the instance Imdsv2-TokensRequired', (spec) => {
    const found = scannedYaml(yamlTemplate(yamlInstance(spec)));

    expect(found[Imdsv2RuleId.REPLACEMENT]).toEqual(['Lt']);
    expect(found[Imdsv2RuleId.TOKENS_REQUIRED]).toEqual(['Lt', 'Web']);
  });

  test('GIVEN an L1 instance whose spec is overridden with string-form GetAtts WHEN the aspect rewrites THEN the template is left and the instance closed in place; the validator reports Imdsv2-Replacement on the synthesized template', () => {
    const build = (s: Stack) => {
      new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
      const web = new ec2.CfnInstance(s, 'Web', { imageId: 'ami-12345678' });
      web.addPropertyOverride('LaunchTemplate', {
        LaunchTemplateId: { 'Fn::GetAtt': 'Lt.LaunchTemplateId' },
        Version: { 'Fn::GetAtt': 'Lt.LatestVersionNumber' },
      });
    };
    expectTemplateLeftAndInstanceClosed(build);
    expect(validated(synth(build, false).templateFile)[Imdsv2RuleId.REPLACEMENT]).toEqual(['Lt']);
  });

  test('GIVEN an included EC2 fleet following the template by string-form GetAtt WHEN the aspect rewrites THEN the template is left (a new version replaces the fleet) and reported Imdsv2-Replacement', () => {
    const build = includeYaml(yamlTemplate([
      '  Fleet:',
      '    Type: AWS::EC2::EC2Fleet',
      '    Properties:',
      '      TargetCapacitySpecification: { TotalTargetCapacity: 1 }',
      '      LaunchTemplateConfigs:',
      '        - LaunchTemplateSpecification:',
      '            LaunchTemplateId: !Ref Lt',
      '            Version: !GetAtt Lt.LatestVersionNumber',
    ].join('\n')));
    const before = synth(build, false);
    const after = synth(build, true);

    expect(after.resources.Lt).toEqual(before.resources.Lt);
    expect(after.notes).toContain(`Lt ${Imdsv2RuleId.REPLACEMENT}`);
    expect(changes(before.template, after.template)).toEqual([]);
  });
});

describe('(b) Fn::Sub of exactly one reference', () => {
  const forms: Array<[string, string]> = [
    ['LaunchTemplateId: !Ref Lt\nVersion: !Sub "${Lt.LatestVersionNumber}"', 'Sub string version'],
    ['LaunchTemplateId: !Sub "${Lt}"\nVersion: !Sub "${Lt.LatestVersionNumber}"', 'Sub string id and version'],
    ['LaunchTemplateId: !Sub ["${Lt}", {}]\nVersion: !Sub ["${Lt.LatestVersionNumber}", {}]', 'Sub [text, {}] id and version'],
    ['LaunchTemplateId: !Sub ["${Id}", { Id: !Ref Lt }]\nVersion: !Sub ["${V}", { V: !GetAtt Lt.LatestVersionNumber }]', 'Sub variables bound to references'],
  ];

  test.each(forms)('GIVEN an included YAML instance (%#: %s) WHEN the aspect rewrites THEN the template is left and reported Imdsv2-Replacement, the instance closed in place', (spec) => {
    expectTemplateLeftAndInstanceClosed(includeYaml(yamlTemplate(yamlInstance(spec))));
  });

  test.each(forms)('GIVEN the same YAML template (%#: %s) WHEN the CLI scans it THEN the template is reported Imdsv2-Replacement', (spec) => {
    expect(scannedYaml(yamlTemplate(yamlInstance(spec)))[Imdsv2RuleId.REPLACEMENT]).toEqual(['Lt']);
  });

  test('GIVEN an L1 instance built with Fn.sub WHEN the aspect rewrites THEN the template is left and the instance closed in place; the validator reports Imdsv2-Replacement', () => {
    const build = (s: Stack) => {
      new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
      new ec2.CfnInstance(s, 'Web', {
        imageId: 'ami-12345678',
        launchTemplate: { launchTemplateId: Fn.sub('${Lt}'), version: Fn.sub('${Lt.LatestVersionNumber}') },
      });
    };
    expectTemplateLeftAndInstanceClosed(build);
    expect(validated(synth(build, false).templateFile)[Imdsv2RuleId.REPLACEMENT]).toEqual(['Lt']);
  });

  test('GIVEN an ASG whose version is a Sub of more than one reference WHEN the aspect rewrites the template THEN the ASG is reported Imdsv2-Unverifiable (which version it launches is not known)', () => {
    const build = includeYaml(yamlTemplate([
      '  Asg:',
      '    Type: AWS::AutoScaling::AutoScalingGroup',
      '    Properties:',
      '      MinSize: "1"',
      '      MaxSize: "1"',
      '      AvailabilityZones: [a]',
      '      LaunchTemplate:',
      '        LaunchTemplateId: !Ref Lt',
      '        Version: !Sub "${Lt.LatestVersionNumber}${Lt.DefaultVersionNumber}"',
    ].join('\n')));

    const after = synth(build, true);

    expect(after.notes).toContain(`Asg ${Imdsv2RuleId.UNVERIFIABLE}`);
  });

  test('GIVEN an instance whose version is a Sub that computes more than LatestVersionNumber WHEN the aspect rewrites THEN the template is still left alone (the version text changes with it, so the instance would be replaced)', () => {
    expectTemplateLeftAndInstanceClosed(includeYaml(yamlTemplate(yamlInstance(
      'LaunchTemplateId: !Ref Lt\nVersion: !Sub "${Lt.LatestVersionNumber}${AWS::NoValue}"'))));
  });
});

describe('(c) a launch template named by an expression, and a consumer naming it by the same expression', () => {
  const JOIN = "!Join ['', [!Ref AWS::StackName, '-lt']]";

  test('GIVEN an included instance naming the template by the same Fn::Join and following its LatestVersionNumber by Sub WHEN the aspect rewrites THEN the template is left and the instance closed in place', () => {
    expectTemplateLeftAndInstanceClosed(includeYaml(yamlTemplate(yamlInstance(
      `LaunchTemplateName: ${JOIN}\nVersion: !Sub "\${Lt.LatestVersionNumber}"`), JOIN)));
  });

  const asgYaml = (name: string) => [
    '  Asg:',
    '    Type: AWS::AutoScaling::AutoScalingGroup',
    '    Properties:',
    '      MinSize: "1"',
    '      MaxSize: "1"',
    '      AvailabilityZones: [a]',
    '      LaunchTemplate:',
    `        LaunchTemplateName: ${name}`,
    '        Version: $Latest',
  ].join('\n');

  test('GIVEN an included ASG naming the template by the same Fn::Join WHEN the aspect rewrites THEN the template is fixed and the ASG launches it (no Imdsv2-Unverifiable)', () => {
    const after = synth(includeYaml(yamlTemplate(asgYaml(JOIN), JOIN)), true);

    expect(after.resources.Lt.Properties.LaunchTemplateData.MetadataOptions.HttpTokens).toBe('required');
    expect(after.notes.filter((n) => n.startsWith('Asg '))).toEqual([]);
    expect(after.entries.find((e) => e.logicalId === 'Asg')).toMatchObject({ action: 'fixed', after: 'template Lt@$Latest' });
  });

  test('GIVEN the same YAML template WHEN the CLI scans it THEN only the template is reported (the ASG is linked to it)', () => {
    expect(scannedYaml(yamlTemplate(asgYaml(JOIN), JOIN))).toEqual({ [Imdsv2RuleId.TOKENS_REQUIRED]: ['Lt'] });
  });

  test('GIVEN L1 resources in one stack whose names are the same Fn.join of AWS::StackName WHEN the validator checks the template THEN the ASG is linked (no Imdsv2-Unverifiable)', () => {
    const build = (s: Stack) => {
      new ec2.CfnLaunchTemplate(s, 'Lt', {
        launchTemplateName: Fn.join('-', [Aws.STACK_NAME, 'lt']),
        launchTemplateData: { metadataOptions: { httpTokens: 'optional' } },
      });
      new autoscaling.CfnAutoScalingGroup(s, 'Asg', {
        minSize: '1',
        maxSize: '1',
        availabilityZones: ['a'],
        launchTemplate: { launchTemplateName: Fn.join('-', [Aws.STACK_NAME, 'lt']), version: '$Latest' },
      });
    };
    const before = synth(build, false);

    expect(validated(before.templateFile)).toEqual({ [Imdsv2RuleId.TOKENS_REQUIRED]: ['Lt'] });
  });

  test('GIVEN the same Fn::Join name in two stacks WHEN the CLI scans both templates THEN an ASG is not linked to the other stack\'s template (AWS::StackName differs): it is Imdsv2-Unverifiable', () => {
    const dir = tempDir();
    const withLt = path.join(dir, 'a.yaml');
    const withAsg = path.join(dir, 'b.yaml');
    fs.writeFileSync(withLt, yamlTemplate('', JOIN));
    fs.writeFileSync(withAsg, `Resources:\n${asgYaml(JOIN)}`);

    expect(scanned([withLt, withAsg])[Imdsv2RuleId.UNVERIFIABLE]).toEqual(['Asg']);
  });
});

describe('(d) a consumer naming its template by a parameter', () => {
  test('GIVEN an included instance named by a parameter that follows Lt.LatestVersionNumber WHEN the aspect rewrites THEN Lt is left (its version change replaces the instance) and the instance closed in place', () => {
    expectTemplateLeftAndInstanceClosed(includeYaml(yamlTemplate(yamlInstance(
      'LaunchTemplateName: !Ref NameParam\nVersion: !GetAtt Lt.LatestVersionNumber'))));
  });

  test('GIVEN an L1 ASG whose LaunchTemplateName is a parameter, next to a template named by an expression WHEN the aspect rewrites and the validator checks THEN the ASG is Imdsv2-Unverifiable in both', () => {
    const build = (s: Stack) => {
      const name = new CfnParameter(s, 'NameParam', { type: 'String' });
      new ec2.CfnLaunchTemplate(s, 'Lt', {
        launchTemplateName: Fn.join('-', [Aws.STACK_NAME, 'lt']),
        launchTemplateData: { metadataOptions: { httpTokens: 'optional' } },
      });
      new autoscaling.CfnAutoScalingGroup(s, 'Asg', {
        minSize: '1',
        maxSize: '1',
        availabilityZones: ['a'],
        launchTemplate: { launchTemplateName: name.valueAsString, version: '$Latest' },
      });
    };

    expect(synth(build, true).notes).toContain(`Asg ${Imdsv2RuleId.UNVERIFIABLE}`);
    expect(validated(synth(build, false).templateFile)[Imdsv2RuleId.UNVERIFIABLE]).toEqual(['Asg']);
  });
});

describe('the other front doors read the same forms', () => {
  test('GIVEN an L1 instance following the template by a Sub and naming it by string-form GetAtt WHEN the nag pack checks the app THEN the template breaks Imdsv2-Replacement', () => {
    const app = new App();
    const s = new Stack(app, 'S');
    new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    const web = new ec2.CfnInstance(s, 'Web', { imageId: 'ami-12345678' });
    web.addPropertyOverride('LaunchTemplate', {
      LaunchTemplateId: { 'Fn::GetAtt': 'Lt.LaunchTemplateId' },
      Version: { 'Fn::Sub': '${Lt.LatestVersionNumber}' },
    });

    expect(violations(validateWithPack(app, Imdsv2RuleId.REPLACEMENT))).toEqual([`${Imdsv2RuleId.REPLACEMENT} S/Lt`]);
  });

  test('GIVEN a template that exports Lt.LatestVersionNumber as a Sub and another template whose ASG imports it WHEN the CLI scans both THEN Lt breaks Imdsv2-Replacement (an export in use cannot change)', () => {
    const dir = tempDir();
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    fs.writeFileSync(a, JSON.stringify({
      Resources: { Lt: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'optional' } } } } },
      Outputs: {
        Id: { Value: { Ref: 'Lt' }, Export: { Name: 'lt-id' } },
        Version: { Value: { 'Fn::Sub': '${Lt.LatestVersionNumber}' }, Export: { Name: 'lt-version' } },
      },
    }));
    fs.writeFileSync(b, JSON.stringify({
      Resources: {
        Asg: {
          Type: 'AWS::AutoScaling::AutoScalingGroup',
          Properties: {
            MinSize: '1',
            MaxSize: '1',
            LaunchTemplate: { LaunchTemplateId: { 'Fn::ImportValue': 'lt-id' }, Version: { 'Fn::ImportValue': 'lt-version' } },
          },
        },
      },
    }));

    expect(scanned([a, b])[Imdsv2RuleId.REPLACEMENT]).toEqual(['Lt']);
  });
});
