import { App, AspectPriority, Aspects, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as eks from 'aws-cdk-lib/aws-eks';
import {
  EnforcementMode, Imdsv2Aspect, Imdsv2AutoScalingGroup, Imdsv2Checks, Imdsv2EksNodegroup, Imdsv2EksV2Nodegroup, Imdsv2Instance,
  Imdsv2LaunchTemplate, Imdsv2PropertyInjectors, Imdsv2Validator,
} from '../src';
import { eksCluster, eksV2Cluster, importedEksCluster, importedEksV2Cluster } from './eks/helpers';
import { synthTemplatePaths } from './templates/fixtures';

/**
 * Every construct of the library, in each of its forms, is born compliant: the aspect in
 * REJECT mode, the nag pack and the validator find nothing in it, and REWRITE has nothing
 * to change. If a construct's default drifted from the policy the checks enforce (say a
 * hop limit the aspect would rewrite, or a template the aspect cannot see), this fails.
 */
const ENV = { account: '111111111111', region: 'eu-west-1' };
const AMI = ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-0123456789abcdef0' });
const TYPE = ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO);

interface Form {
  readonly name: string;
  /** The IMDS-bearing resource types the form must produce (so an empty stack cannot pass). */
  readonly produces: string[];
  readonly build: (stack: Stack, vpc: ec2.Vpc) => void;
  /** Register something on the app before the stacks are built (property injectors). */
  readonly before?: (app: App) => void;
}

const FORMS: Form[] = [
  {
    name: 'Imdsv2Instance',
    produces: ['AWS::EC2::Instance'],
    build: (s, vpc) => new Imdsv2Instance(s, 'Web', { vpc, instanceType: TYPE, machineImage: AMI }),
  },
  {
    name: 'Imdsv2Instance with containerImdsAccess',
    produces: ['AWS::EC2::Instance'],
    build: (s, vpc) => new Imdsv2Instance(s, 'Docker', { vpc, instanceType: TYPE, machineImage: AMI, containerImdsAccess: true }),
  },
  {
    name: 'Imdsv2Instance with no IMDS at all (httpEndpoint: false)',
    produces: ['AWS::EC2::Instance'],
    build: (s, vpc) => new Imdsv2Instance(s, 'Sealed', { vpc, instanceType: TYPE, machineImage: AMI, httpEndpoint: false }),
  },
  {
    name: 'Imdsv2LaunchTemplate, alone',
    produces: ['AWS::EC2::LaunchTemplate'],
    build: (s) => new Imdsv2LaunchTemplate(s, 'Lt', { machineImage: AMI, instanceType: TYPE }),
  },
  {
    name: 'Imdsv2LaunchTemplate with containerImdsAccess',
    produces: ['AWS::EC2::LaunchTemplate'],
    build: (s) => new Imdsv2LaunchTemplate(s, 'Lt', { machineImage: AMI, instanceType: TYPE, containerImdsAccess: true }),
  },
  {
    name: 'Imdsv2AutoScalingGroup from instanceType and machineImage',
    produces: ['AWS::AutoScaling::AutoScalingGroup'],
    build: (s, vpc) => new Imdsv2AutoScalingGroup(s, 'Asg', { vpc, instanceType: TYPE, machineImage: AMI }),
  },
  {
    name: 'Imdsv2AutoScalingGroup on an Imdsv2LaunchTemplate',
    produces: ['AWS::AutoScaling::AutoScalingGroup', 'AWS::EC2::LaunchTemplate'],
    build: (s, vpc) => new Imdsv2AutoScalingGroup(s, 'Asg', {
      vpc, launchTemplate: new Imdsv2LaunchTemplate(s, 'Lt', { machineImage: AMI, instanceType: TYPE }),
    }),
  },
  {
    name: 'Imdsv2AutoScalingGroup with a MixedInstancesPolicy',
    produces: ['AWS::AutoScaling::AutoScalingGroup', 'AWS::EC2::LaunchTemplate'],
    build: (s, vpc) => new Imdsv2AutoScalingGroup(s, 'Asg', {
      vpc,
      mixedInstancesPolicy: {
        launchTemplate: new Imdsv2LaunchTemplate(s, 'Lt', { machineImage: AMI }),
        launchTemplateOverrides: [{ instanceType: TYPE }, { instanceType: new ec2.InstanceType('t3a.micro') }],
      },
    }),
  },
  {
    name: 'Imdsv2EksNodegroup (aws-eks)',
    produces: ['AWS::EKS::Nodegroup', 'AWS::EC2::LaunchTemplate'],
    build: (s, vpc) => new Imdsv2EksNodegroup(s, 'Ng', { cluster: importedEksCluster(s, vpc), diskSize: 50 }),
  },
  {
    name: 'Imdsv2EksNodegroup (aws-eks) with containerImdsAccess: false',
    produces: ['AWS::EKS::Nodegroup', 'AWS::EC2::LaunchTemplate'],
    build: (s, vpc) => new Imdsv2EksNodegroup(s, 'Ng', { cluster: importedEksCluster(s, vpc), containerImdsAccess: false }),
  },
  {
    name: 'Imdsv2EksNodegroup.nodegroupOptions with cluster.addNodegroupCapacity (aws-eks)',
    produces: ['AWS::EKS::Nodegroup', 'AWS::EC2::LaunchTemplate'],
    build: (s, vpc) => eksCluster(s, vpc).addNodegroupCapacity('Workers',
      Imdsv2EksNodegroup.nodegroupOptions(s, 'WorkersTemplate', { instanceTypes: [new ec2.InstanceType('m7i.large')] })),
  },
  {
    name: 'Imdsv2EksV2Nodegroup (aws-eks-v2)',
    produces: ['AWS::EKS::Nodegroup', 'AWS::EC2::LaunchTemplate'],
    build: (s, vpc) => new Imdsv2EksV2Nodegroup(s, 'Ng', { cluster: importedEksV2Cluster(s, vpc) }),
  },
  {
    name: 'Imdsv2EksV2Nodegroup.nodegroupOptions with cluster.addNodegroupCapacity (aws-eks-v2)',
    produces: ['AWS::EKS::Nodegroup', 'AWS::EC2::LaunchTemplate'],
    build: (s, vpc) => eksV2Cluster(s, vpc).addNodegroupCapacity('Workers',
      Imdsv2EksV2Nodegroup.nodegroupOptions(s, 'WorkersTemplate', { containerImdsAccess: false })),
  },
  {
    name: 'plain aws-cdk-lib constructs under Imdsv2PropertyInjectors',
    produces: ['AWS::EC2::Instance', 'AWS::AutoScaling::LaunchConfiguration', 'AWS::AutoScaling::AutoScalingGroup', 'AWS::EC2::LaunchTemplate'],
    before: (app) => Imdsv2PropertyInjectors.applyTo(app),
    build: (s, vpc) => {
      new ec2.Instance(s, 'Web', { vpc, instanceType: TYPE, machineImage: AMI });
      new ec2.BastionHostLinux(s, 'Bastion', { vpc });
      new autoscaling.AutoScalingGroup(s, 'Asg', { vpc, instanceType: TYPE, machineImage: AMI });
      new ec2.LaunchTemplate(s, 'Lt', { machineImage: AMI, instanceType: TYPE });
    },
  },
  {
    name: 'ECS capacity: an Imdsv2AutoScalingGroup with containerImdsAccess in an AsgCapacityProvider',
    produces: ['AWS::AutoScaling::AutoScalingGroup', 'AWS::ECS::CapacityProvider'],
    build: (s, vpc) => {
      const cluster = new ecs.Cluster(s, 'Ecs', { vpc });
      const autoScalingGroup = new Imdsv2AutoScalingGroup(s, 'Capacity', {
        vpc, instanceType: TYPE, machineImage: ecs.EcsOptimizedImage.amazonLinux2023(), containerImdsAccess: true,
      });
      cluster.addAsgCapacityProvider(new ecs.AsgCapacityProvider(s, 'Provider', { autoScalingGroup }));
    },
  },
  {
    name: 'self-managed EKS nodes: an Imdsv2AutoScalingGroup with containerImdsAccess and cluster.connectAutoScalingGroupCapacity',
    produces: ['AWS::AutoScaling::AutoScalingGroup'],
    build: (s, vpc) => {
      const cluster = eksCluster(s, vpc);
      const nodes = new Imdsv2AutoScalingGroup(s, 'Nodes', {
        vpc,
        instanceType: new ec2.InstanceType('m7i.large'),
        machineImage: new eks.EksOptimizedImage({ kubernetesVersion: '1.33' }),
        containerImdsAccess: true,
      });
      cluster.connectAutoScalingGroupCapacity(nodes, {});
    },
  },
];

function appWith(form: Form): { app: App; stack: Stack } {
  const app = new App();
  form.before?.(app);
  const stack = new Stack(app, 'Stack', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    ],
  });
  form.build(stack, vpc);
  return { app, stack };
}

/** The Imdsv2 rule ids among the stack's messages of `level` (other libraries' messages do not count). */
function imdsMessages(app: App, stack: Stack, level: string): string[] {
  return app.synth().getStackArtifact(stack.artifactId).messages
    .filter((m) => m.level === level && /Imdsv2/.test(String(m.entry.data)))
    .map((m) => `${m.id}: ${String(m.entry.data)}`);
}

describe.each(FORMS)('$name', (form) => {
  test('produces what it is meant to', () => {
    const { stack } = appWith(form);
    const types = new Set(Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, any>).map((r) => r.Type));
    for (const type of form.produces) expect(types).toContain(type);
  });

  test('GIVEN Imdsv2Aspect in REJECT mode THEN no error and no warning, and every resource is compliant as written', () => {
    // GIVEN
    const { app, stack } = appWith(form);
    const aspect = new Imdsv2Aspect({ mode: EnforcementMode.REJECT });
    Aspects.of(app).add(aspect, { priority: AspectPriority.MUTATING });
    // WHEN
    const errors = imdsMessages(app, stack, 'error');
    const warnings = imdsMessages(app, stack, 'warning');
    // THEN
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(aspect.entries.length).toBeGreaterThan(0);
    expect(aspect.entries.filter((e) => !['compliant', 'acknowledged'].includes(e.action)).map((e) => `${e.path}: ${e.action}`)).toEqual([]);
  });

  test('GIVEN Imdsv2Aspect in REWRITE mode THEN the template is unchanged', () => {
    const plain = appWith(form);
    const rewritten = appWith(form);
    Aspects.of(rewritten.app).add(new Imdsv2Aspect(), { priority: AspectPriority.MUTATING });
    expect(Template.fromStack(rewritten.stack).toJSON()).toEqual(Template.fromStack(plain.stack).toJSON());
  });

  test('GIVEN Imdsv2Checks and Imdsv2Validator THEN neither reports anything', () => {
    // GIVEN
    const { app } = appWith(form);
    // WHEN
    const templatePaths = synthTemplatePaths(app);
    const nag = new Imdsv2Checks(app).validateScope(app);
    const validator = new Imdsv2Validator().validate({ templatePaths });
    // THEN
    expect(nag.violations.map((v) => v.ruleName)).toEqual([]);
    expect(validator.violations.map((v) => v.ruleName)).toEqual([]);
    expect(validator.success).toBe(true);
  });
});
