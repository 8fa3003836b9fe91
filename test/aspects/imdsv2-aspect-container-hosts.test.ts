import { Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { propsOf, synth } from './helpers';
import { EnforcementMode } from '../../src';

/**
 * ECS capacity on Bottlerocket (issue #17, item 1). Bottlerocket's ECS variant reads TOML
 * settings (`[settings.ecs]` with `cluster = "…"`), not `ECS_CLUSTER=` in /etc/ecs/ecs.config,
 * so its hosts were taken for plain hosts: tokens required at hop limit 1, and the tasks on
 * them (bridge network, one hop further) lost IMDS. A container host gets hop limit 2.
 */
const T3 = new ec2.InstanceType('t3.medium');
const CONTAINER_HOST = { HttpTokens: 'required', HttpPutResponseHopLimit: 2 };
const LAUNCH_TEMPLATE_FLAG = '@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig';

function cluster(s: Stack): ecs.Cluster {
  return new ecs.Cluster(s, 'Cluster', { vpc: new ec2.Vpc(s, 'Vpc', { maxAzs: 1, natGateways: 0 }) });
}

describe('Bottlerocket ECS capacity is a container host (hop limit 2)', () => {
  test('GIVEN cluster.addCapacity with BottleRocketImage (a launch configuration) THEN REWRITE requires tokens at hop limit 2', () => {
    const { json } = synth((s) => cluster(s).addCapacity('Bottlerocket', { instanceType: T3, machineImage: new ecs.BottleRocketImage() }));
    const lc = propsOf(json, 'AWS::AutoScaling::LaunchConfiguration');
    expect(JSON.stringify(lc.UserData)).toContain('[settings.ecs]');
    expect(lc.MetadataOptions).toEqual(CONTAINER_HOST);
  });

  test('GIVEN cluster.addCapacity with BottleRocketImage on a launch template (the aws-autoscaling flag) THEN the template gets hop limit 2', () => {
    const { json } = synth((s) => {
      s.node.setContext(LAUNCH_TEMPLATE_FLAG, true);
      cluster(s).addCapacity('Bottlerocket', { instanceType: T3, machineImage: new ecs.BottleRocketImage() });
    });
    const lt = propsOf(json, 'AWS::EC2::LaunchTemplate');
    expect(JSON.stringify(lt.LaunchTemplateData.UserData)).toContain('[settings.ecs]');
    expect(lt.LaunchTemplateData.MetadataOptions).toEqual(CONTAINER_HOST);
  });

  test('GIVEN an AutoScalingGroup on BottleRocketImage added through an AsgCapacityProvider (machineImageType BOTTLEROCKET) THEN hop limit 2', () => {
    const { json } = synth((s) => {
      const c = cluster(s);
      const autoScalingGroup = new autoscaling.AutoScalingGroup(s, 'Asg', { vpc: c.vpc, instanceType: T3, machineImage: new ecs.BottleRocketImage() });
      c.addAsgCapacityProvider(new ecs.AsgCapacityProvider(s, 'Provider', { autoScalingGroup, machineImageType: ecs.MachineImageType.BOTTLEROCKET }));
    });
    const lc = propsOf(json, 'AWS::AutoScaling::LaunchConfiguration');
    expect(JSON.stringify(lc.UserData)).toContain('[settings.ecs]');
    expect(lc.MetadataOptions).toEqual(CONTAINER_HOST);
  });

  test('GIVEN an AsgCapacityProvider on a group with its own ec2.LaunchTemplate (Bottlerocket user data) THEN the template gets hop limit 2', () => {
    const { json } = synth((s) => {
      const c = cluster(s);
      const launchTemplate = new ec2.LaunchTemplate(s, 'Lt', {
        instanceType: T3,
        machineImage: new ecs.BottleRocketImage(),
        userData: ec2.UserData.custom(''),
        role: new iam.Role(s, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }),
      });
      const autoScalingGroup = new autoscaling.AutoScalingGroup(s, 'Asg', { vpc: c.vpc, launchTemplate });
      c.addAsgCapacityProvider(new ecs.AsgCapacityProvider(s, 'Provider', { autoScalingGroup, machineImageType: ecs.MachineImageType.BOTTLEROCKET }));
    });
    const lt = propsOf(json, 'AWS::EC2::LaunchTemplate');
    expect(JSON.stringify(lt.LaunchTemplateData.UserData)).toContain('[settings.ecs]');
    expect(lt.LaunchTemplateData.MetadataOptions).toEqual(CONTAINER_HOST);
  });

  test('GIVEN Bottlerocket ECS capacity THEN REPORT names the hop limit a container host needs, and hostHopLimit: 1 does not lower it', () => {
    const build = (s: Stack) => cluster(s).addCapacity('Bottlerocket', { instanceType: T3, machineImage: new ecs.BottleRocketImage() });
    const { warnings } = synth(build, { mode: EnforcementMode.REPORT });
    expect(warnings.join('\n')).toMatch(/HttpPutResponseHopLimit is \(unset, so 1\): a container host needs 2.*\[ack: Imdsv2-HopLimit\]/);
    const { json } = synth(build, { hostHopLimit: 1 });
    expect(propsOf(json, 'AWS::AutoScaling::LaunchConfiguration').MetadataOptions).toEqual(CONTAINER_HOST);
  });

  test('GIVEN an ec2.Instance whose user data joins an ECS cluster (Bottlerocket or ECS_CLUSTER) THEN it is closed at hop limit 2', () => {
    for (const script of ['[settings.ecs]\ncluster = "prod"', '#!/bin/bash\necho ECS_CLUSTER=prod >> /etc/ecs/ecs.config']) {
      const { json } = synth((s) => new ec2.Instance(s, 'Host', {
        vpc: new ec2.Vpc(s, 'Vpc', { maxAzs: 1, natGateways: 0 }), instanceType: T3, machineImage: new ecs.BottleRocketImage(), userData: ec2.UserData.custom(script),
      }));
      expect(propsOf(json, 'AWS::EC2::Instance').MetadataOptions).toEqual(CONTAINER_HOST);
    }
  });

  test('GIVEN an Auto Scaling group on an ec2.LaunchTemplate with Bottlerocket Kubernetes settings (no cluster tags) THEN hop limit 2', () => {
    const { json } = synth((s) => {
      const userData = ec2.UserData.custom('[settings.kubernetes]\napi-server = "https://example.eks.amazonaws.com"\ncluster-name = "prod"');
      const launchTemplate = new ec2.LaunchTemplate(s, 'Lt', { instanceType: T3, machineImage: new ec2.GenericLinuxImage({ 'eu-west-1': 'ami-1' }), userData });
      new autoscaling.AutoScalingGroup(s, 'Asg', { vpc: new ec2.Vpc(s, 'Vpc', { maxAzs: 1, natGateways: 0 }), launchTemplate });
    });
    expect(propsOf(json, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.MetadataOptions).toEqual(CONTAINER_HOST);
  });

  test('GIVEN a launch configuration whose (base64) user data joins no cluster THEN the hop limit stays unset: not every host is a container host', () => {
    const { json } = synth((s) => new autoscaling.CfnLaunchConfiguration(s, 'Lc', {
      imageId: 'ami-1', instanceType: 't3.micro', userData: 'IyEvYmluL2Jhc2gKZWNobyBoZWxsbwo=', // "#!/bin/bash\necho hello\n"
    }));
    expect(propsOf(json, 'AWS::AutoScaling::LaunchConfiguration').MetadataOptions).toEqual({ HttpTokens: 'required' });
  });
});
