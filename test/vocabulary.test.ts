// One name per idea (#18): each renamed prop works under its new name, still works under its
// deprecated name, and giving both with different values is an error naming the construct
// and both values. And `requireImdsv2` is treated the same by every construct that has it.
import { App, Aspects, PropertyInjectors, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import {
  Imdsv2AutoScalingGroup, Imdsv2EksNodegroup, Imdsv2EksV2Nodegroup, Imdsv2Instance, Imdsv2InstancePropertyInjector, Imdsv2LaunchTemplate,
  Imdsv2LaunchTemplatePropertyInjector, Imdsv2ServiceControlPolicy,
} from '../src';
import { importedEksCluster, importedEksV2Cluster, stackWithVpc } from './eks/helpers';

const IMAGE = ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-12345678' });
const TYPE = new ec2.InstanceType('t3.micro');

/** The one hop limit the stack's only resource of `type` renders. */
function hopLimitOf(stack: Stack, type: string): unknown {
  const found = Object.values(Template.fromStack(stack).findResources(type));
  expect(found).toHaveLength(1);
  const props = found[0].Properties;
  return (props.LaunchTemplateData ?? props).MetadataOptions.HttpPutResponseHopLimit;
}

/** A construct with "containers reach IMDS" under some name, and where its hop limit shows. */
interface ContainerSwitch {
  readonly name: string;
  readonly deprecatedName: string;
  /** The default when neither name is given. */
  readonly defaultAccess: boolean;
  readonly type: string;
  readonly build: (stack: Stack, vpc: ec2.IVpc, props: Record<string, boolean>) => void;
}

const SWITCHES: ContainerSwitch[] = [
  {
    name: 'Imdsv2Instance',
    deprecatedName: 'containerHost',
    defaultAccess: false,
    type: 'AWS::EC2::Instance',
    build: (s, vpc, props) => new Imdsv2Instance(s, 'C', { vpc, instanceType: TYPE, machineImage: IMAGE, ...props }),
  },
  {
    name: 'Imdsv2LaunchTemplate',
    deprecatedName: 'containerHost',
    defaultAccess: false,
    type: 'AWS::EC2::LaunchTemplate',
    build: (s, _vpc, props) => new Imdsv2LaunchTemplate(s, 'C', { machineImage: IMAGE, ...props }),
  },
  {
    name: 'Imdsv2AutoScalingGroup',
    deprecatedName: 'containerHost',
    defaultAccess: false,
    // without the launch-template feature flag the group makes a launch configuration
    type: 'AWS::AutoScaling::LaunchConfiguration',
    build: (s, vpc, props) => new Imdsv2AutoScalingGroup(s, 'C', { vpc, instanceType: TYPE, machineImage: IMAGE, ...props }),
  },
  {
    name: 'Imdsv2EksNodegroup',
    deprecatedName: 'podImdsAccess',
    defaultAccess: true,
    type: 'AWS::EC2::LaunchTemplate',
    build: (s, vpc, props) => new Imdsv2EksNodegroup(s, 'C', { cluster: importedEksCluster(s, vpc), ...props }),
  },
  {
    name: 'Imdsv2EksV2Nodegroup',
    deprecatedName: 'podImdsAccess',
    defaultAccess: true,
    type: 'AWS::EC2::LaunchTemplate',
    build: (s, vpc, props) => new Imdsv2EksV2Nodegroup(s, 'C', { cluster: importedEksV2Cluster(s, vpc), ...props }),
  },
];

describe.each(SWITCHES)('$name: containerImdsAccess (deprecated: $deprecatedName)', (c) => {
  // The value that moves the hop limit away from the construct's default.
  const flipped = !c.defaultAccess;
  const expectedHop = flipped ? 2 : 1;

  test('GIVEN containerImdsAccess THEN the hop limit follows it', () => {
    const { stack, vpc } = stackWithVpc();
    c.build(stack, vpc, { containerImdsAccess: flipped });
    expect(hopLimitOf(stack, c.type)).toBe(expectedHop);
  });

  test('GIVEN only the deprecated name THEN it still works', () => {
    const { stack, vpc } = stackWithVpc();
    c.build(stack, vpc, { [c.deprecatedName]: flipped });
    expect(hopLimitOf(stack, c.type)).toBe(expectedHop);
  });

  test('GIVEN both names with the same value THEN accepted', () => {
    const { stack, vpc } = stackWithVpc();
    c.build(stack, vpc, { containerImdsAccess: flipped, [c.deprecatedName]: flipped });
    expect(hopLimitOf(stack, c.type)).toBe(expectedHop);
  });

  test('GIVEN both names with different values THEN an error naming the construct and both values', () => {
    const { stack, vpc } = stackWithVpc();
    expect(() => c.build(stack, vpc, { containerImdsAccess: flipped, [c.deprecatedName]: !flipped }))
      .toThrow(`Stack/C: containerImdsAccess is ${flipped} and ${c.deprecatedName} is ${!flipped}, expected only containerImdsAccess`);
  });
});

describe('Imdsv2InstancePropertyInjector / Imdsv2LaunchTemplatePropertyInjector: httpPutResponseHopLimit (deprecated: hopLimit)', () => {
  const injected = (props: Record<string, number>) => {
    const app = new App();
    PropertyInjectors.of(app).add(new Imdsv2LaunchTemplatePropertyInjector(props));
    const stack = new Stack(app, 'Stack');
    new ec2.LaunchTemplate(stack, 'Lt', { machineImage: IMAGE });
    return hopLimitOf(stack, 'AWS::EC2::LaunchTemplate');
  };

  test('GIVEN httpPutResponseHopLimit THEN injected; GIVEN only hopLimit THEN still injected', () => {
    expect(injected({ httpPutResponseHopLimit: 2 })).toBe(2);
    expect(injected({ hopLimit: 2 })).toBe(2);
    expect(injected({ hopLimit: 2, httpPutResponseHopLimit: 2 })).toBe(2);
  });

  test('GIVEN both with different values THEN an error naming both values', () => {
    const message = 'Imdsv2PropertyInjectorProps: httpPutResponseHopLimit is 2 and hopLimit is 3, expected only httpPutResponseHopLimit';
    expect(() => new Imdsv2InstancePropertyInjector({ httpPutResponseHopLimit: 2, hopLimit: 3 })).toThrow(message);
    expect(() => new Imdsv2LaunchTemplatePropertyInjector({ httpPutResponseHopLimit: 2, hopLimit: 3 })).toThrow(message);
  });
});

describe('Imdsv2ServiceControlPolicy: containerHopLimit (deprecated: maxHopLimit)', () => {
  const bound = (options: Record<string, number>) => JSON.parse(Imdsv2ServiceControlPolicy.renderDocument(options)).Statement
    .find((s: any) => s.Sid === 'LimitImdsHopLimit').Condition.NumericGreaterThan['ec2:MetadataHttpPutResponseHopLimit'];

  test('GIVEN containerHopLimit, or only maxHopLimit THEN it is the bound', () => {
    expect(bound({ containerHopLimit: 3 })).toBe('3');
    expect(bound({ maxHopLimit: 3 })).toBe('3');
  });

  test('GIVEN only maxHopLimit THEN the construct\'s description uses it too', () => {
    const stack = new Stack(new App(), 'Org');
    new Imdsv2ServiceControlPolicy(stack, 'Scp', { maxHopLimit: 3 });
    Template.fromStack(stack).hasResourceProperties('AWS::Organizations::Policy', {
      Description: Match.stringLikeRegexp('hop limit above 3,'),
    });
  });

  test('GIVEN both with different values THEN an error naming the construct and both values', () => {
    const stack = new Stack(new App(), 'Org');
    expect(() => new Imdsv2ServiceControlPolicy(stack, 'Scp', { containerHopLimit: 2, maxHopLimit: 3 }))
      .toThrow(/Org\/Scp: containerHopLimit is 2 and maxHopLimit is 3, expected only containerHopLimit/);
  });
});

/** Every construct of this library that has aws-cdk-lib's requireImdsv2 (the EKS node groups have none). */
const REQUIRE_IMDSV2: Array<{ name: string; build: (stack: Stack, vpc: ec2.IVpc, requireImdsv2: boolean) => unknown }> = [
  { name: 'Imdsv2Instance', build: (s, vpc, requireImdsv2) => new Imdsv2Instance(s, 'C', { vpc, instanceType: TYPE, machineImage: IMAGE, requireImdsv2 }) },
  { name: 'Imdsv2LaunchTemplate', build: (s, _vpc, requireImdsv2) => new Imdsv2LaunchTemplate(s, 'C', { machineImage: IMAGE, requireImdsv2 }) },
  {
    name: 'Imdsv2AutoScalingGroup',
    build: (s, vpc, requireImdsv2) => new Imdsv2AutoScalingGroup(s, 'C', { vpc, instanceType: TYPE, machineImage: IMAGE, requireImdsv2 }),
  },
];

describe.each(REQUIRE_IMDSV2)('$name: requireImdsv2', (c) => {
  test('GIVEN requireImdsv2: false THEN an error naming the construct: it cannot leave IMDSv1 open', () => {
    const { stack, vpc } = stackWithVpc();
    expect(() => c.build(stack, vpc, false))
      .toThrow(`Stack/C: requireImdsv2 is false, expected true or unset: ${c.name} always requires IMDSv2 tokens`);
  });

  test('GIVEN requireImdsv2: true THEN accepted and redundant: tokens required, no launch template or aspect from aws-cdk-lib', () => {
    const { stack, vpc } = stackWithVpc();
    const construct = c.build(stack, vpc, true) as ec2.LaunchTemplate;
    const template = Template.fromStack(stack);
    const options = [
      ...Object.values(template.findResources('AWS::EC2::Instance')).map((r) => r.Properties.MetadataOptions),
      ...Object.values(template.findResources('AWS::EC2::LaunchTemplate')).map((r) => r.Properties.LaunchTemplateData.MetadataOptions),
      ...Object.values(template.findResources('AWS::AutoScaling::LaunchConfiguration')).map((r) => r.Properties.MetadataOptions),
    ];
    // one resource each: an instance gets no launch template of aws-cdk-lib's
    expect(options.map((o) => o.HttpTokens)).toEqual(['required']);
    expect(Aspects.of(construct).all.filter((a) => a instanceof ec2.LaunchTemplateRequireImdsv2Aspect
      || a instanceof autoscaling.AutoScalingGroupRequireImdsv2Aspect || a instanceof ec2.InstanceRequireImdsv2Aspect)).toEqual([]);
  });
});
