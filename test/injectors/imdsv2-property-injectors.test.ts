import { App, Aspects, PropertyInjectors, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Imdsv2Instance } from '../../src/ec2';
import {
  Imdsv2AutoScalingGroupPropertyInjector, Imdsv2InstancePropertyInjector, Imdsv2LaunchTemplatePropertyInjector,
  Imdsv2PropertyInjectorProps, Imdsv2PropertyInjectors,
} from '../../src/injectors';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const IMAGE = ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-12345678' });
const TYPE = new ec2.InstanceType('t3.micro');

/** An app with the bundle registered on it before any stack exists, and a stack with a VPC. */
function setup(options: { launchTemplateFlag?: boolean; props?: Imdsv2PropertyInjectorProps } = {}): { app: App; stack: Stack; vpc: ec2.Vpc } {
  const app = new App({ context: { [cxapi.AUTOSCALING_GENERATE_LAUNCH_TEMPLATE]: options.launchTemplateFlag ?? true } });
  Imdsv2PropertyInjectors.applyTo(app, options.props);
  const stack = new Stack(app, 'Stack', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  return { app, stack, vpc };
}

/** The metadata options on the L1 right after construction: before any aspect has run. */
function constructionTimeOptions(stack: Stack, cfn: ec2.CfnInstance | ec2.CfnLaunchTemplate): any {
  if (cfn instanceof ec2.CfnInstance) return stack.resolve(cfn.metadataOptions);
  return stack.resolve((cfn.launchTemplateData as ec2.CfnLaunchTemplate.LaunchTemplateDataProperty).metadataOptions);
}

describe('Imdsv2PropertyInjectors', () => {
  test('registers one injector per class on the scope', () => {
    const app = new App();
    Imdsv2PropertyInjectors.applyTo(app);
    expect(PropertyInjectors.of(app).supportedClasses().sort()).toEqual([
      autoscaling.AutoScalingGroup.PROPERTY_INJECTION_ID,
      ec2.Instance.PROPERTY_INJECTION_ID,
      ec2.LaunchTemplate.PROPERTY_INJECTION_ID,
    ].sort());
  });

  describe('ec2.Instance', () => {
    test('gets tokens required and hop limit 1 in its own MetadataOptions, at construction, with no launch template', () => {
      // GIVEN
      const { stack, vpc } = setup();

      // WHEN: plain aws-cdk-lib code that never imports this library
      const instance = new ec2.Instance(stack, 'Web', { vpc, instanceType: TYPE, machineImage: IMAGE });

      // THEN
      expect(constructionTimeOptions(stack, instance.instance)).toEqual({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::EC2::LaunchTemplate', 0);
      template.hasResourceProperties('AWS::EC2::Instance', {
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: Match.absent() },
        LaunchTemplate: Match.absent(),
      });
    });

    test('keeps the hop limit and the endpoint setting the props give; overrides optional tokens', () => {
      const { stack, vpc } = setup();
      new ec2.Instance(stack, 'Docker', { vpc, instanceType: TYPE, machineImage: IMAGE, httpPutResponseHopLimit: 2, httpTokens: ec2.HttpTokens.OPTIONAL });
      new ec2.Instance(stack, 'Dark', { vpc, instanceType: TYPE, machineImage: IMAGE, httpEndpoint: false });
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::EC2::Instance', { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } });
      template.hasResourceProperties('AWS::EC2::Instance', { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'disabled' } });
      template.resourceCountIs('AWS::EC2::LaunchTemplate', 0);
    });

    test('leaves an instance with requireImdsv2: true as it is (aws-cdk-lib closes it through its launch template)', () => {
      // GIVEN
      const { stack, vpc } = setup();

      // WHEN
      const instance = new ec2.Instance(stack, 'Web', { vpc, instanceType: TYPE, machineImage: IMAGE, requireImdsv2: true });

      // THEN: no metadata props next to requireImdsv2 (aws-cdk-lib would throw)
      expect(instance.instance.metadataOptions).toBeUndefined();
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::EC2::LaunchTemplate', 1);
      template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } } });
    });

    test('the httpPutResponseHopLimit prop sets the default hop limit', () => {
      const { stack, vpc } = setup({ props: { httpPutResponseHopLimit: 2 } });
      new ec2.Instance(stack, 'Web', { vpc, instanceType: TYPE, machineImage: IMAGE });
      Template.fromStack(stack).hasResourceProperties('AWS::EC2::Instance', { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } });
    });

    test('Imdsv2Instance keeps its own hop limit under the bundle', () => {
      const { stack, vpc } = setup();
      new Imdsv2Instance(stack, 'Web', { vpc, instanceType: TYPE, machineImage: IMAGE, containerImdsAccess: true });
      Template.fromStack(stack).hasResourceProperties('AWS::EC2::Instance', { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } });
    });
  });

  test('ec2.BastionHostLinux is covered through the ec2.Instance it builds: MetadataOptions, no launch template', () => {
    // GIVEN
    const { stack, vpc } = setup();

    // WHEN
    const bastion = new ec2.BastionHostLinux(stack, 'Bastion', { vpc });

    // THEN
    expect(constructionTimeOptions(stack, bastion.instance.instance)).toEqual({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 0);
    template.hasResourceProperties('AWS::EC2::Instance', { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 } });
  });

  test('ec2.LaunchTemplate gets tokens required and hop limit 1 at construction; its own hop limit and endpoint are kept', () => {
    // GIVEN
    const { stack } = setup();

    // WHEN
    const plain = new ec2.LaunchTemplate(stack, 'Plain');
    new ec2.LaunchTemplate(stack, 'Containers', { httpPutResponseHopLimit: 2, httpTokens: ec2.LaunchTemplateHttpTokens.OPTIONAL });
    new ec2.LaunchTemplate(stack, 'Dark', { httpEndpoint: false });

    // THEN
    expect(constructionTimeOptions(stack, plain.node.defaultChild as ec2.CfnLaunchTemplate)).toEqual({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 3);
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } } });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'disabled' } },
    });
  });

  describe('autoscaling.AutoScalingGroup', () => {
    test('feature flag on: the group\'s own launch template requires tokens at construction', () => {
      // GIVEN
      const { stack, vpc } = setup({ launchTemplateFlag: true });

      // WHEN
      const asg = new autoscaling.AutoScalingGroup(stack, 'Asg', { vpc, instanceType: TYPE, machineImage: IMAGE });

      // THEN
      const lt = asg.node.findChild('LaunchTemplate').node.defaultChild as ec2.CfnLaunchTemplate;
      expect(constructionTimeOptions(stack, lt)).toEqual({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
      Template.fromStack(stack).hasResourceProperties('AWS::EC2::LaunchTemplate', {
        LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 } },
      });
    });

    test('feature flag off: the launch configuration is closed by aws-cdk-lib\'s aspect at synthesis, not at construction', () => {
      // GIVEN
      const { stack, vpc } = setup({ launchTemplateFlag: false });

      // WHEN
      const asg = new autoscaling.AutoScalingGroup(stack, 'Asg', { vpc, instanceType: TYPE, machineImage: IMAGE });

      // THEN
      const lc = asg.node.findChild('LaunchConfig') as autoscaling.CfnLaunchConfiguration;
      expect(lc.metadataOptions).toBeUndefined();
      expect(Aspects.of(asg).all.some((a) => a instanceof autoscaling.AutoScalingGroupRequireImdsv2Aspect)).toBe(true);
      Template.fromStack(stack).hasResourceProperties('AWS::AutoScaling::LaunchConfiguration', { MetadataOptions: { HttpTokens: 'required' } });
    });

    test('a group with its own launch template is left as it is: no requireImdsv2 (aws-cdk-lib would throw), no TypeError', () => {
      // GIVEN
      const { stack, vpc } = setup();
      const launchTemplate = new ec2.LaunchTemplate(stack, 'Lt', { instanceType: TYPE, machineImage: IMAGE });

      // WHEN
      const asg = new autoscaling.AutoScalingGroup(stack, 'Asg', { vpc, launchTemplate });
      const mixed = new autoscaling.AutoScalingGroup(stack, 'Mixed', { vpc, mixedInstancesPolicy: { launchTemplate } });

      // THEN: the template itself was closed by the launch template injector
      expect(Aspects.of(asg).all.some((a) => a instanceof autoscaling.AutoScalingGroupRequireImdsv2Aspect)).toBe(false);
      expect(Aspects.of(mixed).all.some((a) => a instanceof autoscaling.AutoScalingGroupRequireImdsv2Aspect)).toBe(false);
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::EC2::LaunchTemplate', 1);
      template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 } } });
    });
  });

  test('ECS cluster.addCapacity makes a group whose launch template requires tokens', () => {
    // GIVEN
    const { stack, vpc } = setup();
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });

    // WHEN
    cluster.addCapacity('Capacity', { instanceType: TYPE });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 } },
    });
  });

  test('EKS cluster.addAutoScalingGroupCapacity makes a group whose launch template requires tokens (hop limit 2 for pods)', () => {
    // GIVEN
    const { stack, vpc } = setup({ props: { httpPutResponseHopLimit: 2 } });
    const kubectlLayer = new lambda.LayerVersion(stack, 'KubectlLayer', {
      code: lambda.Code.fromBucket(s3.Bucket.fromBucketName(stack, 'LayerBucket', 'layers'), 'kubectl.zip', 'v1'),
    });
    const cluster = new eks.Cluster(stack, 'Cluster', { vpc, version: eks.KubernetesVersion.V1_33, defaultCapacity: 0, kubectlLayer });

    // WHEN
    cluster.addAutoScalingGroupCapacity('Nodes', { instanceType: new ec2.InstanceType('m7i.large') });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } },
    });
    template.resourceCountIs('AWS::AutoScaling::LaunchConfiguration', 0);
  });

  test('only what is created after registration is covered; a lower scope can override an injector', () => {
    // GIVEN
    const app = new App();
    const before = new Stack(app, 'Before');
    new ec2.LaunchTemplate(before, 'Lt');
    Imdsv2PropertyInjectors.applyTo(app);
    const covered = new Stack(app, 'Covered');
    const override = new Stack(app, 'Override');
    PropertyInjectors.of(override).add(new Imdsv2LaunchTemplatePropertyInjector({ httpPutResponseHopLimit: 3 }));

    // WHEN
    new ec2.LaunchTemplate(covered, 'Lt');
    new ec2.LaunchTemplate(override, 'Lt');
    new ec2.Instance(override, 'Web', { vpc: new ec2.Vpc(override, 'Vpc', { maxAzs: 1, natGateways: 0 }), instanceType: TYPE, machineImage: IMAGE });

    // THEN
    Template.fromStack(before).hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: { MetadataOptions: Match.absent() } });
    Template.fromStack(covered).hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 } },
    });
    const overridden = Template.fromStack(override);
    overridden.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 3 } },
    });
    // the classes the lower scope does not register still come from the app
    overridden.hasResourceProperties('AWS::EC2::Instance', { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 } });
    Annotations.fromStack(covered).hasNoWarning('*', Match.anyValue());
  });

  test.each([0, 65, 1.5])('refuses httpPutResponseHopLimit %p', (hopLimit) => {
    const message = `Imdsv2PropertyInjectorProps: httpPutResponseHopLimit must be an integer from 1 to 64, got ${hopLimit}`;
    expect(() => Imdsv2PropertyInjectors.applyTo(new App(), { httpPutResponseHopLimit: hopLimit })).toThrow(message);
    expect(() => new Imdsv2InstancePropertyInjector({ httpPutResponseHopLimit: hopLimit })).toThrow(message);
    expect(() => new Imdsv2LaunchTemplatePropertyInjector({ httpPutResponseHopLimit: hopLimit })).toThrow(message);
  });

  test('each injector names the class it serves', () => {
    expect(new Imdsv2InstancePropertyInjector().constructUniqueId).toBe('aws-cdk-lib.aws-ec2.Instance');
    expect(new Imdsv2LaunchTemplatePropertyInjector().constructUniqueId).toBe('aws-cdk-lib.aws-ec2.LaunchTemplate');
    expect(new Imdsv2AutoScalingGroupPropertyInjector().constructUniqueId).toBe('aws-cdk-lib.aws-autoscaling.AutoScalingGroup');
  });
});

describe('Stages: injectors are applied at construction, so the App\'s reach every Stage', () => {
  test('GIVEN the bundle applied to the App WHEN an instance is built in a Stage nested in a Stage THEN it requires tokens from construction', () => {
    const app = new App();
    Imdsv2PropertyInjectors.applyTo(app);
    const stack = new Stack(new Stage(new Stage(app, 'Outer'), 'Inner'), 'Web', { env: ENV });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const instance = new ec2.Instance(stack, 'Box', { vpc, instanceType: TYPE, machineImage: IMAGE });

    // Read before any synthesis: nothing here depends on the Stage's aspects having run.
    const cfn = instance.node.defaultChild as ec2.CfnInstance;
    expect(constructionTimeOptions(stack, cfn)).toEqual(expect.objectContaining({ httpTokens: 'required' }));
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::Instance', { MetadataOptions: Match.objectLike({ HttpTokens: 'required' }) });
  });
});
