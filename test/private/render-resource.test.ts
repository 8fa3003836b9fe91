import { App, AspectPriority, Aspects, CfnResource, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { EnforcementMode, Imdsv2Aspect } from '../../src';
import { cachedLazyOf, renderedProperties } from '../../src/private/render-resource';

// renderedProperties() is the one place that uses an aws-cdk-lib internal
// (CfnResource._toCloudFormation). If aws-cdk-lib changes it, these tests fail first.
describe('renderedProperties', () => {
  test('aws-cdk-lib still has CfnResource._toCloudFormation', () => {
    expect(typeof (CfnResource.prototype as any)._toCloudFormation).toBe('function');
  });

  test('returns the properties as synthesized: CloudFormation names, overrides and tokens resolved', () => {
    // GIVEN
    const stack = new Stack(new App(), 'S');
    const lt = new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 2 } } });
    const instance = new ec2.CfnInstance(stack, 'I', { launchTemplate: { launchTemplateId: lt.ref, version: lt.attrLatestVersionNumber } });
    instance.addPropertyOverride('MetadataOptions.HttpTokens', 'optional');

    // WHEN
    const props = renderedProperties(instance);

    // THEN
    expect(props).toEqual({
      LaunchTemplate: { LaunchTemplateId: { Ref: 'Lt' }, Version: { 'Fn::GetAtt': ['Lt', 'LatestVersionNumber'] } },
      MetadataOptions: { HttpTokens: 'optional' },
    });
    expect(renderedProperties(lt)).toEqual({ LaunchTemplateData: { MetadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 2 } } });
  });

  test('aws-cdk-lib still builds cached lazies with the fields we read (producer, cache)', () => {
    // If this fails, renderedProperties() would freeze lazy values early again (see below).
    expect(cachedLazyOf(Lazy.any({ produce: () => 'x' }))).toBeDefined();
    expect(cachedLazyOf(Lazy.uncachedAny({ produce: () => 'x' }))).toBeUndefined();
  });

  test('resolving leaves no trace: a cached lazy changed after the render is synthesized with its late value', () => {
    // GIVEN a resource whose property is a cached lazy, read once
    const stack = new Stack(new App(), 'S');
    let name = 'early';
    const lt = new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateName: Lazy.string({ produce: () => name }), launchTemplateData: {} });
    expect(renderedProperties(lt).LaunchTemplateName).toBe('early');
    // WHEN it changes afterwards
    name = 'late';
    // THEN synthesis sees the late value
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateName: 'late' });
  });

  test.each([EnforcementMode.REPORT, EnforcementMode.REWRITE])(
    'GIVEN Imdsv2Aspect (%s) and a later aspect that adds user data THEN the user data keeps the later line', (mode) => {
      // GIVEN an L2 instance (its user data is a cached lazy) and an aspect that runs after ours
      const app = new App();
      const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }] });
      const instance = new ec2.Instance(stack, 'I', {
        vpc, instanceType: new ec2.InstanceType('t3.micro'), machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      });
      Aspects.of(app).add(new Imdsv2Aspect({ mode }), { priority: AspectPriority.MUTATING });
      Aspects.of(stack).add({ visit: (c: IConstruct) => { if (c === instance) instance.userData.addCommands('echo hardened'); } });
      // WHEN
      const template = Template.fromStack(stack).toJSON();
      // THEN
      const userData = Object.values(template.Resources as Record<string, any>).find((r) => r.Type === 'AWS::EC2::Instance').Properties.UserData;
      expect(JSON.stringify(userData)).toContain('echo hardened');
    });

  test('GIVEN the internal gone THEN the same properties through the fallback, and a warning on the stack', () => {
    // GIVEN an instance whose _toCloudFormation is gone (the whole-render internal)
    const stack = new Stack(new App(), 'S');
    const instance = new ec2.CfnInstance(stack, 'I', { imageId: 'ami-1', metadataOptions: { httpTokens: 'optional' } });
    instance.addPropertyOverride('MetadataOptions.HttpPutResponseHopLimit', 2);
    const want = renderedProperties(instance);
    (instance as any)._toCloudFormation = undefined;
    // WHEN / THEN
    expect(renderedProperties(instance)).toEqual(want);
    expect(want).toEqual({ ImageId: 'ami-1', MetadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 2 } });
    expect(stack.node.metadata.map((m) => String(m.data)).filter((d) => d.includes('CfnResource._toCloudFormation()'))).toHaveLength(1);
  });
});
