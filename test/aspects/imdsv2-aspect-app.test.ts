import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AspectPriority, Aspects, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { EnforcementMode, Imdsv2Aspect } from '../../src';
import { deployImpactOf } from '../../src/aspects/deploy-impact';
import { Impact } from '../../src/engine/model';

// Whole-app behaviour: references across stacks, nested stacks, the report file.

function appWithAspect(props = {}): { app: App; aspect: Imdsv2Aspect; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'imdsv2-test-'));
  const app = new App({ outdir });
  const aspect = new Imdsv2Aspect(props);
  Aspects.of(app).add(aspect, { priority: AspectPriority.MUTATING });
  return { app, aspect, outdir };
}

describe('across stacks', () => {
  function build(app: App) {
    const network = new Stack(app, 'Templates');
    const lt = new ec2.CfnLaunchTemplate(network, 'Lt', { launchTemplateData: { instanceType: 't3.micro' } });
    const workers = new Stack(app, 'Workers');
    new autoscaling.CfnAutoScalingGroup(workers, 'Asg', {
      minSize: '1',
      maxSize: '2',
      availabilityZones: ['eu-west-1a'],
      launchTemplate: { launchTemplateId: lt.ref, version: '1' },
    });
    return { network, workers };
  }

  test('a pinned consumer in another stack is moved to the fixed version through an export', () => {
    // GIVEN
    const { app, aspect } = appWithAspect();
    const { network, workers } = build(app);

    // WHEN
    const templates = Template.fromStack(network).toJSON();
    const consumer = Template.fromStack(workers).toJSON();

    // THEN: the template is fixed in its stack …
    expect(templates.Resources.Lt.Properties.LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required' });
    // … and the group in the other stack follows its latest version through an import
    const spec = consumer.Resources.Asg.Properties.LaunchTemplate;
    expect(spec.LaunchTemplateId).toEqual({ 'Fn::ImportValue': expect.stringContaining('Templates:ExportsOutputRefLt') });
    expect(spec.Version).toEqual({ 'Fn::ImportValue': expect.stringContaining('Templates:ExportsOutputFnGetAttLtLatestVersionNumber') });
    expect(aspect.entries.find((e) => e.logicalId === 'Asg')).toMatchObject({ ruleIds: ['Imdsv2-StaleVersion'], action: 'fixed' });
  });

  test('in REPORT mode the pin is reported, not changed', () => {
    const { app } = appWithAspect({ mode: EnforcementMode.REPORT });
    const { workers } = build(app);
    const consumer = Template.fromStack(workers).toJSON();
    expect(consumer.Resources.Asg.Properties.LaunchTemplate.Version).toBe('1');
    const warnings = app.synth().getStackArtifact(workers.artifactId).messages.map((m) => String(m.entry.data));
    expect(warnings.join('\n')).toMatch(/pins version 1 of launch template Lt.*\[ack: Imdsv2-StaleVersion\]/);
  });
});

describe('nested stacks', () => {
  test('resources inside a nested stack are fixed', () => {
    // GIVEN
    const { app } = appWithAspect();
    const parent = new Stack(app, 'Parent');
    const nested = new NestedStack(parent, 'Compute');
    new ec2.CfnInstance(nested, 'Worker', { imageId: 'ami-1', metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 1 } });

    // WHEN
    const template = Template.fromStack(nested).toJSON();

    // THEN
    expect(template.Resources.Worker.Properties.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
  });
});

describe('the report', () => {
  test('is written next to the templates with one entry per IMDS-bearing resource', () => {
    // GIVEN
    const { app, outdir } = appWithAspect();
    const stack = new Stack(app, 'S');
    new ec2.CfnInstance(stack, 'Open', { imageId: 'ami-1' });
    new ec2.CfnInstance(stack, 'Closed', { imageId: 'ami-1', metadataOptions: { httpTokens: 'required' } });
    new ec2.CfnVPC(stack, 'Vpc', { cidrBlock: '10.0.0.0/16' });

    // WHEN
    app.synth();
    const report = JSON.parse(fs.readFileSync(path.join(outdir, Imdsv2Aspect.REPORT_FILE_NAME), 'utf-8'));

    // THEN
    expect(report.mode).toBe('REWRITE');
    expect(report.resources).toEqual([
      {
        path: 'S/Open',
        logicalId: 'Open',
        resourceType: 'AWS::EC2::Instance',
        before: 'tokens=(unset) hop=(unset)',
        after: 'tokens=required hop=(unset)',
        action: 'fixed',
        impact: 'no interruption',
        ruleIds: ['Imdsv2-TokensRequired'],
      },
      {
        path: 'S/Closed',
        logicalId: 'Closed',
        resourceType: 'AWS::EC2::Instance',
        before: 'tokens=required hop=(unset)',
        after: 'tokens=required hop=(unset)',
        action: 'compliant',
        impact: 'none',
        ruleIds: [],
      },
    ]);
  });

  test('in REPORT mode "after" is the settings as written', () => {
    const { app, aspect } = appWithAspect({ mode: EnforcementMode.REPORT });
    new ec2.CfnInstance(new Stack(app, 'S'), 'Open', { imageId: 'ami-1' });
    app.synth();
    expect(aspect.entries).toEqual([expect.objectContaining({ before: 'tokens=(unset) hop=(unset)', after: 'tokens=(unset) hop=(unset)', action: 'reported', impact: 'none' })]);
  });
});

describe('visiting', () => {
  test('an aspect added to one stack looks only below that stack', () => {
    const app = new App();
    const a = new Stack(app, 'A');
    const b = new Stack(app, 'B');
    new ec2.CfnInstance(a, 'I', { imageId: 'ami-1' });
    new ec2.CfnInstance(b, 'I', { imageId: 'ami-1' });
    Aspects.of(a).add(new Imdsv2Aspect(), { priority: AspectPriority.MUTATING });
    expect(Template.fromStack(a).toJSON().Resources.I.Properties.MetadataOptions).toEqual({ HttpTokens: 'required' });
    expect(Template.fromStack(b).toJSON().Resources.I.Properties.MetadataOptions).toBeUndefined();
  });

  test('resources that another aspect adds later are taken too', () => {
    const { app } = appWithAspect();
    const stack = new Stack(app, 'S');
    Aspects.of(stack).add({
      visit(node) {
        if (node === stack && !stack.node.tryFindChild('Late')) new ec2.CfnInstance(stack, 'Late', { imageId: 'ami-1' });
      },
    }, { priority: AspectPriority.MUTATING + 1 });
    expect(Template.fromStack(stack).toJSON().Resources.Late.Properties.MetadataOptions).toEqual({ HttpTokens: 'required' });
  });
});

describe('the report enums', () => {
  test('every impact the engine can decide has a public Imdsv2DeployImpact', () => {
    for (const impact of Object.values(Impact)) expect(deployImpactOf(impact)).toBe(impact);
  });
});
