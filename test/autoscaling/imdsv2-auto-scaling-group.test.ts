import { App, Aspects, CfnParameter, Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Imdsv2AutoScalingGroup, Imdsv2AutoScalingGroupProps } from '../../src/autoscaling';
import { Imdsv2LaunchTemplate } from '../../src/ec2';
import { Imdsv2RuleId } from '../../src/engine/rule-id';
import { acknowledgedOn } from '../ec2/acknowledged';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const IMAGE = ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-12345678' });
const TYPE = new ec2.InstanceType('t3.micro');

/** A stack with a VPC; `launchTemplateFlag` sets the feature flag that makes groups use launch templates. */
function setup(launchTemplateFlag: boolean): { stack: Stack; vpc: ec2.IVpc } {
  const app = new App({ context: { [cxapi.AUTOSCALING_GENERATE_LAUNCH_TEMPLATE]: launchTemplateFlag } });
  const stack = new Stack(app, 'Stack', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }] });
  return { stack, vpc };
}

describe('Imdsv2AutoScalingGroup with instanceType and machineImage', () => {
  describe('feature flag on: the group\'s own launch template', () => {
    test('requires tokens with hop limit 1, at construction, and the group uses that template', () => {
      // GIVEN
      const { stack, vpc } = setup(true);

      // WHEN
      const asg = new Imdsv2AutoScalingGroup(stack, 'Asg', { vpc, instanceType: TYPE, machineImage: IMAGE });

      // THEN: already on the L1 before synthesis (no aspect involved)
      const cfn = asg.node.findChild('LaunchTemplate').node.defaultChild as ec2.CfnLaunchTemplate;
      expect(stack.resolve((cfn.launchTemplateData as ec2.CfnLaunchTemplate.LaunchTemplateDataProperty).metadataOptions))
        .toEqual({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
      expect(Aspects.of(asg).all.filter((a) => a instanceof autoscaling.AutoScalingGroupRequireImdsv2Aspect)).toEqual([]);
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::EC2::LaunchTemplate', 1);
      template.resourceCountIs('AWS::AutoScaling::LaunchConfiguration', 0);
      template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
        LaunchTemplateData: {
          InstanceType: 't3.micro',
          ImageId: 'ami-12345678',
          MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: Match.absent() },
        },
      });
      template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
        LaunchTemplate: { LaunchTemplateId: { Ref: Match.stringLikeRegexp('^AsgLaunchTemplate') } },
      });
    });

    test('containerImdsAccess gives hop limit 2; httpPutResponseHopLimit sets it', () => {
      const { stack, vpc } = setup(true);
      new Imdsv2AutoScalingGroup(stack, 'Ecs', { vpc, instanceType: TYPE, machineImage: IMAGE, containerImdsAccess: true });
      new Imdsv2AutoScalingGroup(stack, 'Dind', { vpc, instanceType: TYPE, machineImage: IMAGE, httpPutResponseHopLimit: 3 });
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
        LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } },
      });
      template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
        LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 3 } },
      });
    });
  });

  describe('feature flag off: the group\'s own launch configuration', () => {
    test('requires tokens with hop limit 1, at construction', () => {
      // GIVEN
      const { stack, vpc } = setup(false);

      // WHEN
      const asg = new Imdsv2AutoScalingGroup(stack, 'Asg', { vpc, instanceType: TYPE, machineImage: IMAGE, containerImdsAccess: false });

      // THEN
      const lc = asg.node.findChild('LaunchConfig') as autoscaling.CfnLaunchConfiguration;
      expect(stack.resolve(lc.metadataOptions)).toEqual({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::EC2::LaunchTemplate', 0);
      template.hasResourceProperties('AWS::AutoScaling::LaunchConfiguration', {
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: Match.absent() },
      });
    });

    test('containerImdsAccess gives hop limit 2', () => {
      const { stack, vpc } = setup(false);
      new Imdsv2AutoScalingGroup(stack, 'Asg', { vpc, instanceType: TYPE, machineImage: IMAGE, containerImdsAccess: true });
      Template.fromStack(stack).hasResourceProperties('AWS::AutoScaling::LaunchConfiguration', {
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 },
      });
    });
  });

  test('a hop limit chosen in code is recorded as an Imdsv2-HopLimit acknowledgement; the default is not', () => {
    const { stack, vpc } = setup(true);
    const dind = new Imdsv2AutoScalingGroup(stack, 'Dind', { vpc, instanceType: TYPE, machineImage: IMAGE, httpPutResponseHopLimit: 3 });
    const plain = new Imdsv2AutoScalingGroup(stack, 'Plain', { vpc, instanceType: TYPE, machineImage: IMAGE });
    expect(Object.values(acknowledgedOn(dind))).toEqual(['hop limit chosen in code: Imdsv2AutoScalingGroup httpPutResponseHopLimit 3']);
    expect(acknowledgedOn(plain)).toEqual({});
  });

  test('requireImdsv2 is not needed: aws-cdk-lib\'s AutoScalingGroupRequireImdsv2Aspect is never added', () => {
    const { stack, vpc } = setup(true);
    const asg = new Imdsv2AutoScalingGroup(stack, 'Asg', { vpc, instanceType: TYPE, machineImage: IMAGE, requireImdsv2: true });
    expect(Aspects.of(asg).all.filter((a) => a instanceof autoscaling.AutoScalingGroupRequireImdsv2Aspect)).toEqual([]);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 } },
    });
  });

  test.each([
    [{ httpPutResponseHopLimit: 0 }, 'Stack/Asg: httpPutResponseHopLimit must be an integer from 1 to 64, got 0'],
    [{ containerImdsAccess: true, httpPutResponseHopLimit: 1 }, /^Stack\/Asg: httpPutResponseHopLimit is 1 but containerImdsAccess is true, expected 2 or more/],
  ] as Array<[Partial<Imdsv2AutoScalingGroupProps>, string | RegExp]>)('refuses %j', (extra, message) => {
    const { stack, vpc } = setup(true);
    expect(() => new Imdsv2AutoScalingGroup(stack, 'Asg', { vpc, instanceType: TYPE, machineImage: IMAGE, ...extra })).toThrow(message);
  });
});

describe('Imdsv2AutoScalingGroup with your own launch template', () => {
  test('an Imdsv2LaunchTemplate is accepted as it is: no second template, no launch configuration', () => {
    // GIVEN
    const { stack, vpc } = setup(true);
    const launchTemplate = new Imdsv2LaunchTemplate(stack, 'Lt', { instanceType: TYPE, machineImage: IMAGE, containerImdsAccess: true });

    // WHEN
    new Imdsv2AutoScalingGroup(stack, 'Asg', { vpc, launchTemplate, requireImdsv2: true });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 1);
    template.resourceCountIs('AWS::AutoScaling::LaunchConfiguration', 0);
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } },
    });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      LaunchTemplate: { LaunchTemplateId: { Ref: Match.stringLikeRegexp('^Lt') } },
    });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('an ec2.LaunchTemplate with tokens required, or with the endpoint disabled, is accepted', () => {
    const { stack, vpc } = setup(true);
    const required = new ec2.LaunchTemplate(stack, 'Required', { instanceType: TYPE, machineImage: IMAGE, requireImdsv2: true });
    const disabled = new ec2.LaunchTemplate(stack, 'Disabled', { instanceType: TYPE, machineImage: IMAGE, httpEndpoint: false });
    new Imdsv2AutoScalingGroup(stack, 'A', { vpc, launchTemplate: required });
    new Imdsv2AutoScalingGroup(stack, 'B', { vpc, launchTemplate: disabled });
    Template.fromStack(stack).resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 2);
  });

  test.each([
    ['unset', {}, 'unset'],
    ['optional', { httpTokens: ec2.LaunchTemplateHttpTokens.OPTIONAL }, '"optional"'],
  ] as Array<[string, ec2.LaunchTemplateProps, string]>)('an ec2.LaunchTemplate with tokens %s is refused', (_name, ltProps, shown) => {
    const { stack, vpc } = setup(true);
    const launchTemplate = new ec2.LaunchTemplate(stack, 'Lt', { instanceType: TYPE, machineImage: IMAGE, ...ltProps });
    expect(() => new Imdsv2AutoScalingGroup(stack, 'Asg', { vpc, launchTemplate })).toThrow(
      `Stack/Asg: launchTemplate Stack/Lt/Resource has httpTokens ${shown}, expected "required": `
      + 'use Imdsv2LaunchTemplate, or set httpTokens: LaunchTemplateHttpTokens.REQUIRED on it');
  });

  test('an imported launch template gets an Imdsv2-Unverifiable warning (no crash, no error)', () => {
    // GIVEN
    const { stack, vpc } = setup(true);
    const launchTemplate = ec2.LaunchTemplate.fromLaunchTemplateAttributes(stack, 'Imported', { launchTemplateId: 'lt-0123456789abcdef0', versionNumber: '3' });

    // WHEN
    new Imdsv2AutoScalingGroup(stack, 'Asg', { vpc, launchTemplate });

    // THEN
    Annotations.fromStack(stack).hasWarning('/Stack/Asg', Match.stringLikeRegexp(
      '^launchTemplate lt-0123456789abcdef0 cannot be checked for HttpTokens "required" \\(it is imported, its settings are not in this app\\); make sure it requires tokens'));
    Annotations.fromStack(stack).hasWarning('/Stack/Asg', Match.stringLikeRegexp(Imdsv2RuleId.UNVERIFIABLE));
    Template.fromStack(stack).hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0', Version: '3' },
    });
  });

  test.each([
    ['its LaunchTemplateData is a token', (lt: ec2.CfnLaunchTemplate) => {
      lt.launchTemplateData = Lazy.any({ produce: () => ({ metadataOptions: { httpTokens: 'required' } }) });
    }],
    ['its MetadataOptions is a token', (lt: ec2.CfnLaunchTemplate) => {
      lt.launchTemplateData = { metadataOptions: Lazy.any({ produce: () => ({ httpTokens: 'required' }) }) };
    }],
    ['its HttpTokens or HttpEndpoint is a token', (lt: ec2.CfnLaunchTemplate) => {
      const tokens = new CfnParameter(Stack.of(lt), 'Tokens', { default: 'required' });
      lt.launchTemplateData = { metadataOptions: { httpTokens: tokens.valueAsString } };
    }],
  ] as Array<[string, (lt: ec2.CfnLaunchTemplate) => void]>)('a launch template whose settings are tokens gets a warning: %s', (reason, tokenize) => {
    // GIVEN
    const { stack, vpc } = setup(true);
    const launchTemplate = new ec2.LaunchTemplate(stack, 'Lt', { instanceType: TYPE, machineImage: IMAGE });
    tokenize(launchTemplate.node.defaultChild as ec2.CfnLaunchTemplate);

    // WHEN
    new Imdsv2AutoScalingGroup(stack, 'Asg', { vpc, launchTemplate });

    // THEN
    Annotations.fromStack(stack).hasWarning('/Stack/Asg', Match.stringLikeRegexp(
      `^launchTemplate Stack/Lt/Resource cannot be checked for HttpTokens "required" \\(${reason}\\)`));
  });

  test.each([
    ['containerImdsAccess', { containerImdsAccess: true }],
    ['httpPutResponseHopLimit', { httpPutResponseHopLimit: 2 }],
  ] as Array<[string, Partial<Imdsv2AutoScalingGroupProps>]>)('%s next to a launch template is refused', (name, extra) => {
    const { stack, vpc } = setup(true);
    const launchTemplate = new Imdsv2LaunchTemplate(stack, 'Lt', { instanceType: TYPE, machineImage: IMAGE });
    expect(() => new Imdsv2AutoScalingGroup(stack, 'Asg', { vpc, launchTemplate, ...extra })).toThrow(
      `Stack/Asg: ${name} is set together with launchTemplate or mixedInstancesPolicy, expected it unset: the group then makes no launch template of its own`);
  });
});

describe('Imdsv2AutoScalingGroup with a MixedInstancesPolicy', () => {
  test('compliant launch templates are accepted', () => {
    // GIVEN
    const { stack, vpc } = setup(true);
    const x86 = new Imdsv2LaunchTemplate(stack, 'X86', { machineImage: IMAGE });
    const arm = new Imdsv2LaunchTemplate(stack, 'Arm', { machineImage: ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-87654321' }) });

    // WHEN
    new Imdsv2AutoScalingGroup(stack, 'Asg', {
      vpc,
      mixedInstancesPolicy: {
        launchTemplate: x86,
        launchTemplateOverrides: [
          { instanceType: new ec2.InstanceType('m7i.large') },
          { instanceType: new ec2.InstanceType('m7g.large'), launchTemplate: arm },
        ],
      },
    });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 2);
    template.allResourcesProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 } },
    });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: { Ref: Match.stringLikeRegexp('^X86') } } } },
    });
  });

  test('an open launch template in an override is refused, naming where it was given', () => {
    const { stack, vpc } = setup(true);
    const x86 = new Imdsv2LaunchTemplate(stack, 'X86', { machineImage: IMAGE });
    const open = new ec2.LaunchTemplate(stack, 'Open', { machineImage: IMAGE });
    expect(() => new Imdsv2AutoScalingGroup(stack, 'Asg', {
      vpc,
      mixedInstancesPolicy: {
        launchTemplate: x86,
        launchTemplateOverrides: [{ instanceType: TYPE }, { instanceType: new ec2.InstanceType('m7g.large'), launchTemplate: open }],
      },
    })).toThrow('Stack/Asg: mixedInstancesPolicy.launchTemplateOverrides[1].launchTemplate Stack/Open/Resource has httpTokens unset, expected "required"');
  });

  test('an open main launch template is refused', () => {
    const { stack, vpc } = setup(true);
    const open = new ec2.LaunchTemplate(stack, 'Open', { machineImage: IMAGE, httpTokens: ec2.LaunchTemplateHttpTokens.OPTIONAL });
    expect(() => new Imdsv2AutoScalingGroup(stack, 'Asg', { vpc, mixedInstancesPolicy: { launchTemplate: open } }))
      .toThrow('Stack/Asg: mixedInstancesPolicy.launchTemplate Stack/Open/Resource has httpTokens "optional", expected "required"');
  });
});

describe('container capacity built from Imdsv2AutoScalingGroup', () => {
  test('ECS: an AsgCapacityProvider on an Imdsv2AutoScalingGroup (containerImdsAccess) keeps tokens required', () => {
    // GIVEN
    const { stack, vpc } = setup(true);
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
    const autoScalingGroup = new Imdsv2AutoScalingGroup(stack, 'Asg', {
      vpc,
      instanceType: TYPE,
      machineImage: ecs.EcsOptimizedImage.amazonLinux2023(),
      containerImdsAccess: true,
    });

    // WHEN
    cluster.addAsgCapacityProvider(new ecs.AsgCapacityProvider(stack, 'Capacity', { autoScalingGroup }));

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ECS::CapacityProvider', 1);
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 },
        UserData: Match.anyValue(),
      },
    });
  });

  test('EKS self-managed nodes: cluster.connectAutoScalingGroupCapacity with an Imdsv2AutoScalingGroup', () => {
    // GIVEN
    const { stack, vpc } = setup(true);
    const cluster = new eks.Cluster(stack, 'Cluster', { vpc, version: eks.KubernetesVersion.V1_33, defaultCapacityType: eks.DefaultCapacityType.NODEGROUP, defaultCapacity: 0, vpcSubnets: [{ subnetType: ec2.SubnetType.PUBLIC }] });
    const nodes = new Imdsv2AutoScalingGroup(stack, 'Nodes', {
      vpc,
      instanceType: new ec2.InstanceType('m7i.large'),
      machineImage: new eks.EksOptimizedImage({ kubernetesVersion: '1.33' }),
      containerImdsAccess: true,
    });

    // WHEN
    cluster.connectAutoScalingGroupCapacity(nodes, {});

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } },
    });
  });
});
