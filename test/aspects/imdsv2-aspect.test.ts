import { CfnParameter, Fn, Stack, Validations } from 'aws-cdk-lib';
import * as appstream from 'aws-cdk-lib/aws-appstream';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import * as elasticbeanstalk from 'aws-cdk-lib/aws-elasticbeanstalk';
import * as imagebuilder from 'aws-cdk-lib/aws-imagebuilder';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { ALL_MODES, propsOf, synth, synthWithoutAspect } from './helpers';
import { EnforcementMode, Imdsv2RuleId } from '../../src';

const AMI = ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-0123456789abcdef0' });
const T3 = new ec2.InstanceType('t3.micro');
const vpcOf = (stack: Stack) => new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }] });

interface Row {
  readonly name: string;
  readonly type: string;
  readonly build: (stack: Stack) => void;
  /** Rule ids the resource breaks as written. */
  readonly rules: Imdsv2RuleId[];
  /** What REWRITE leaves in the resource's properties. */
  readonly rewritten: (props: any) => void;
}

// One row per IMDS-bearing resource type, in an L2 and an L1 form where both exist.
const ROWS: Row[] = [
  {
    name: 'ec2.Instance (L2)',
    type: 'AWS::EC2::Instance',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED],
    build: (s) => new ec2.Instance(s, 'I', { vpc: vpcOf(s), instanceType: T3, machineImage: AMI }),
    rewritten: (p) => {
      expect(p.MetadataOptions).toEqual({ HttpTokens: 'required' });
      expect(p.LaunchTemplate).toBeUndefined();
    },
  },
  {
    name: 'CfnInstance (L1) keeps IPv6, tags and hop limit',
    type: 'AWS::EC2::Instance',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED],
    build: (s) => new ec2.CfnInstance(s, 'I', {
      imageId: 'ami-1',
      metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 1, httpProtocolIpv6: 'enabled', instanceMetadataTags: 'enabled' },
    }),
    rewritten: (p) => expect(p.MetadataOptions).toEqual({
      HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpProtocolIpv6: 'enabled', InstanceMetadataTags: 'enabled',
    }),
  },
  {
    name: 'ec2.LaunchTemplate (L2)',
    type: 'AWS::EC2::LaunchTemplate',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED],
    build: (s) => new ec2.LaunchTemplate(s, 'Lt', { instanceType: T3, machineImage: AMI }),
    rewritten: (p) => expect(p.LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required' }),
  },
  {
    name: 'CfnLaunchTemplate (L1) with hop limit 5: lowered to the container maximum (no host policy by default)',
    type: 'AWS::EC2::LaunchTemplate',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED, Imdsv2RuleId.HOP_LIMIT],
    build: (s) => new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: { metadataOptions: { httpPutResponseHopLimit: 5, instanceMetadataTags: 'enabled' } } }),
    rewritten: (p) => expect(p.LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 2, InstanceMetadataTags: 'enabled' }),
  },
  {
    name: 'AutoScalingGroup on a launch configuration (L2)',
    type: 'AWS::AutoScaling::LaunchConfiguration',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED],
    build: (s) => new autoscaling.AutoScalingGroup(s, 'Asg', { vpc: vpcOf(s), instanceType: T3, machineImage: AMI }),
    rewritten: (p) => expect(p.MetadataOptions).toEqual({ HttpTokens: 'required' }),
  },
  {
    name: 'CfnLaunchConfiguration (L1)',
    type: 'AWS::AutoScaling::LaunchConfiguration',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED],
    build: (s) => new autoscaling.CfnLaunchConfiguration(s, 'Lc', { imageId: 'ami-1', instanceType: 't3.micro', metadataOptions: { httpTokens: 'optional', httpEndpoint: 'enabled' } }),
    rewritten: (p) => expect(p.MetadataOptions).toEqual({ HttpTokens: 'required', HttpEndpoint: 'enabled' }),
  },
  {
    name: 'CfnAutoScalingGroup (L1) pinning version 1 in a MixedInstancesPolicy',
    type: 'AWS::AutoScaling::AutoScalingGroup',
    rules: [Imdsv2RuleId.STALE_VERSION],
    build: (s) => {
      const lt = new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: {} });
      new autoscaling.CfnAutoScalingGroup(s, 'Asg', {
        minSize: '1',
        maxSize: '2',
        availabilityZones: ['eu-west-1a'],
        mixedInstancesPolicy: { launchTemplate: { launchTemplateSpecification: { launchTemplateId: lt.ref, version: '1' } } },
      });
    },
    rewritten: (p) => expect(p.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.Version).toEqual({ 'Fn::GetAtt': ['Lt', 'LatestVersionNumber'] }),
  },
  {
    name: 'AutoScalingGroup (L2) on its own ec2.LaunchTemplate',
    type: 'AWS::EC2::LaunchTemplate',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED],
    build: (s) => new autoscaling.AutoScalingGroup(s, 'Asg', {
      vpc: vpcOf(s), launchTemplate: new ec2.LaunchTemplate(s, 'Lt', { instanceType: T3, machineImage: AMI }),
    }),
    rewritten: (p) => expect(p.LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required' }),
  },
  {
    name: 'CfnEC2Fleet (L1) pinning version 1: moving it would replace it, so it keeps the pin',
    type: 'AWS::EC2::EC2Fleet',
    rules: [Imdsv2RuleId.STALE_VERSION, Imdsv2RuleId.REPLACEMENT],
    build: (s) => {
      const lt = new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: {} });
      new ec2.CfnEC2Fleet(s, 'Fleet', {
        targetCapacitySpecification: { totalTargetCapacity: 1 },
        launchTemplateConfigs: [{ launchTemplateSpecification: { launchTemplateId: lt.ref, version: '1' } }],
      });
    },
    rewritten: (p) => expect(p.LaunchTemplateConfigs[0].LaunchTemplateSpecification.Version).toEqual('1'),
  },
  {
    name: 'CfnSpotFleet (L1) pinning version 2: moved to the latest version',
    type: 'AWS::EC2::SpotFleet',
    rules: [Imdsv2RuleId.STALE_VERSION],
    build: (s) => {
      const lt = new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: {} });
      new ec2.CfnSpotFleet(s, 'Spot', {
        spotFleetRequestConfigData: {
          iamFleetRole: 'arn:aws:iam::111111111111:role/f',
          targetCapacity: 1,
          launchTemplateConfigs: [{ launchTemplateSpecification: { launchTemplateId: lt.ref, version: '2' } }],
        },
      });
    },
    rewritten: (p) => expect(p.SpotFleetRequestConfigData.LaunchTemplateConfigs[0].LaunchTemplateSpecification.Version)
      .toEqual({ 'Fn::GetAtt': ['Lt', 'LatestVersionNumber'] }),
  },
  {
    name: 'CfnNodegroup (L1) on a launch template: container host gets hop limit 2',
    type: 'AWS::EC2::LaunchTemplate',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED, Imdsv2RuleId.HOP_LIMIT],
    build: (s) => {
      const lt = new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: { instanceType: 'm5.large' } });
      new eks.CfnNodegroup(s, 'Ng', { clusterName: 'c', nodeRole: 'arn:aws:iam::111111111111:role/n', subnets: ['subnet-1'], launchTemplate: { id: lt.ref, version: lt.attrLatestVersionNumber } });
    },
    rewritten: (p) => expect(p.LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 }),
  },
  {
    name: 'aws-eks Nodegroup (L2) on its own launch template',
    type: 'AWS::EC2::LaunchTemplate',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED, Imdsv2RuleId.HOP_LIMIT],
    build: (s) => {
      const cluster = eks.Cluster.fromClusterAttributes(s, 'C', { clusterName: 'prod', vpc: vpcOf(s) });
      const lt = new ec2.LaunchTemplate(s, 'Lt', { instanceType: new ec2.InstanceType('m6i.large') });
      new eks.Nodegroup(s, 'Ng', { cluster, launchTemplateSpec: { id: lt.launchTemplateId!, version: lt.latestVersionNumber } });
    },
    rewritten: (p) => expect(p.LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 }),
  },
  {
    name: 'aws-eks-v2 Nodegroup (L2) without a launch template',
    type: 'AWS::EKS::Nodegroup',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED, Imdsv2RuleId.REPLACEMENT],
    build: (s) => {
      const cluster = eksv2.Cluster.fromClusterAttributes(s, 'C', { clusterName: 'prod', vpc: vpcOf(s) });
      new eksv2.Nodegroup(s, 'Ng', { cluster });
    },
    // A node group cannot be given a launch template in place: by default it is reported, not changed.
    rewritten: (p) => expect(p.LaunchTemplate).toBeUndefined(),
  },
  {
    name: 'batch ManagedEc2EcsComputeEnvironment (L2)',
    type: 'AWS::Batch::ComputeEnvironment',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED],
    build: (s) => new batch.ManagedEc2EcsComputeEnvironment(s, 'Ce', { vpc: vpcOf(s) }),
    rewritten: (p) => expect(p.ComputeResources.LaunchTemplate).toEqual({
      LaunchTemplateId: { Ref: expect.stringMatching(/^CeImdsv2LaunchTemplate/) },
      Version: { 'Fn::GetAtt': [expect.stringMatching(/^CeImdsv2LaunchTemplate/), 'LatestVersionNumber'] },
    }),
  },
  {
    name: 'CfnInfrastructureConfiguration (ImageBuilder)',
    type: 'AWS::ImageBuilder::InfrastructureConfiguration',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED, Imdsv2RuleId.HOP_LIMIT],
    build: (s) => new imagebuilder.CfnInfrastructureConfiguration(s, 'Ib', { name: 'n', instanceProfileName: 'p' }),
    rewritten: (p) => expect(p.InstanceMetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 }),
  },
  {
    name: 'CfnNotebookInstance (SageMaker)',
    type: 'AWS::SageMaker::NotebookInstance',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED],
    build: (s) => new sagemaker.CfnNotebookInstance(s, 'Nb', { instanceType: 'ml.t3.medium', roleArn: 'arn:aws:iam::111111111111:role/r' }),
    rewritten: (p) => expect(p.InstanceMetadataServiceConfiguration).toEqual({ MinimumInstanceMetadataServiceVersion: '2' }),
  },
  {
    name: 'CfnFleet (AppStream)',
    type: 'AWS::AppStream::Fleet',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED],
    build: (s) => new appstream.CfnFleet(s, 'F', { name: 'f', instanceType: 'stream.standard.medium', disableImdsv1: false }),
    rewritten: (p) => expect(p.DisableIMDSV1).toBe(true),
  },
  {
    name: 'CfnImageBuilder (AppStream)',
    type: 'AWS::AppStream::ImageBuilder',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED],
    build: (s) => new appstream.CfnImageBuilder(s, 'B', { name: 'b', instanceType: 'stream.standard.medium' }),
    rewritten: (p) => expect(p.DisableIMDSV1).toBe(true),
  },
  {
    name: 'CfnEnvironment (Elastic Beanstalk) keeps its other options',
    type: 'AWS::ElasticBeanstalk::Environment',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED],
    build: (s) => new elasticbeanstalk.CfnEnvironment(s, 'Env', {
      applicationName: 'app',
      optionSettings: [{ namespace: 'aws:ec2:vpc', optionName: 'VPCId', value: 'vpc-1' }],
    }),
    rewritten: (p) => expect(p.OptionSettings).toEqual([
      { Namespace: 'aws:ec2:vpc', OptionName: 'VPCId', Value: 'vpc-1' },
      { Namespace: 'aws:autoscaling:launchconfiguration', OptionName: 'DisableIMDSv1', Value: 'true' },
    ]),
  },
  {
    name: 'CfnConfigurationTemplate (Elastic Beanstalk) with DisableIMDSv1 false',
    type: 'AWS::ElasticBeanstalk::ConfigurationTemplate',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED],
    build: (s) => new elasticbeanstalk.CfnConfigurationTemplate(s, 'Ct', {
      applicationName: 'app',
      optionSettings: [{ namespace: 'aws:autoscaling:launchconfiguration', optionName: 'DisableIMDSv1', value: 'false' }],
    }),
    rewritten: (p) => expect(p.OptionSettings).toEqual([{ Namespace: 'aws:autoscaling:launchconfiguration', OptionName: 'DisableIMDSv1', Value: 'true' }]),
  },
  {
    name: 'CfnComputeEnvironment (Batch, BEST_FIT_PROGRESSIVE) without a launch template',
    type: 'AWS::Batch::ComputeEnvironment',
    rules: [Imdsv2RuleId.TOKENS_REQUIRED],
    build: (s) => new batch.CfnComputeEnvironment(s, 'Ce', {
      type: 'MANAGED',
      computeResources: { type: 'EC2', allocationStrategy: 'BEST_FIT_PROGRESSIVE', maxvCpus: 4, subnets: ['subnet-1'], instanceTypes: ['m5.large'], instanceRole: 'r' },
    }),
    rewritten: (p) => expect(p.ComputeResources.LaunchTemplate).toEqual({
      LaunchTemplateId: { Ref: expect.stringMatching(/^CeImdsv2LaunchTemplate/) },
      Version: { 'Fn::GetAtt': [expect.stringMatching(/^CeImdsv2LaunchTemplate/), 'LatestVersionNumber'] },
    }),
  },
];

describe.each(ROWS)('$name', (row) => {
  test('REWRITE fixes what it safely can and annotates every rule', () => {
    const { json, infos, warnings } = synth(row.build);
    row.rewritten(propsOf(json, row.type));
    // every rule is either fixed (info) or, when the fix would replace something, reported (warning)
    for (const rule of row.rules) expect([...infos, ...warnings].some((m) => m.includes(`[ack: ${rule}]`))).toBe(true);
    for (const m of infos) expect(m).toMatch(/\. fixed: /);
  });

  test('REPORT leaves the template byte for byte and warns with the rule ids', () => {
    const { json, warnings, aspect } = synth(row.build, { mode: EnforcementMode.REPORT });
    expect(JSON.stringify(json)).toEqual(JSON.stringify(synthWithoutAspect(row.build)));
    for (const rule of row.rules) expect(warnings.some((m) => m.includes(`[ack: ${rule}]`))).toBe(true);
    expect(aspect.entries.some((e) => e.resourceType === row.type && e.action === 'reported')).toBe(true);
  });

  test('REJECT turns each finding into an error', () => {
    const { errors, json } = synth(row.build, { mode: EnforcementMode.REJECT });
    for (const rule of row.rules) expect(errors.some((m) => m.startsWith(`[${rule}]`))).toBe(true);
    expect(JSON.stringify(json)).toEqual(JSON.stringify(synthWithoutAspect(row.build)));
  });
});

describe('compliant resources are left alone in every mode', () => {
  const compliant = (s: Stack) => {
    new ec2.CfnInstance(s, 'NoImds', { imageId: 'ami-1', metadataOptions: { httpEndpoint: 'disabled', httpTokens: 'optional' } });
    new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 } } });
    new ec2.Instance(s, 'L2', { vpc: vpcOf(s), instanceType: T3, machineImage: AMI, requireImdsv2: true });
  };
  test.each(ALL_MODES)('%s', (mode) => {
    const { json, warnings, errors, infos } = synth(compliant, { mode });
    expect(JSON.stringify(json)).toEqual(JSON.stringify(synthWithoutAspect(compliant)));
    expect([...warnings, ...errors, ...infos].filter((m) => /Imdsv2-/.test(m))).toEqual([]);
  });
  test('HttpEndpoint disabled stays disabled', () => {
    const { json } = synth(compliant);
    const instance = Object.values(json.Resources as Record<string, any>).find((r) => r.Properties?.MetadataOptions?.HttpEndpoint);
    expect(instance.Properties.MetadataOptions).toEqual({ HttpEndpoint: 'disabled', HttpTokens: 'optional' });
  });
});

describe('instances are closed through their own MetadataOptions, never by a new launch template', () => {
  test('an instance on an imported launch template id is closed through its own options', () => {
    const { json, infos } = synth((s) => new ec2.CfnInstance(s, 'I', { launchTemplate: { launchTemplateId: 'lt-0123456789abcdef0', version: '3' } }));
    const props = propsOf(json, 'AWS::EC2::Instance');
    expect(props.MetadataOptions).toEqual({ HttpTokens: 'required' });
    expect(props.LaunchTemplate).toEqual({ LaunchTemplateId: 'lt-0123456789abcdef0', Version: '3' });
    expect(infos.join('\n')).toMatch(/launch template id 'lt-0123456789abcdef0' is not in this app/);
  });

  test('the hidden cascade: a template followed by an instance through LatestVersionNumber is not changed', () => {
    const build = (s: Stack) => {
      const lt = new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: { instanceType: 't3.micro' } });
      new ec2.CfnInstance(s, 'I', { launchTemplate: { launchTemplateId: lt.ref, version: lt.attrLatestVersionNumber } });
    };
    const { json, warnings } = synth(build);
    expect(propsOf(json, 'AWS::EC2::LaunchTemplate')).toEqual(propsOf(synthWithoutAspect(build), 'AWS::EC2::LaunchTemplate'));
    expect(propsOf(json, 'AWS::EC2::Instance').MetadataOptions).toEqual({ HttpTokens: 'required' });
    expect(warnings.join('\n')).toMatch(/AWS::EC2::Instance I follows its LatestVersionNumber: it is replaced on deploy.*\[ack: Imdsv2-Replacement\]/);
  });

  test('with allowReplacement the template is fixed too', () => {
    const { json } = synth((s) => {
      const lt = new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: { instanceType: 't3.micro' } });
      new ec2.CfnInstance(s, 'I', { launchTemplate: { launchTemplateId: lt.ref, version: lt.attrLatestVersionNumber } });
    }, { allowReplacement: true });
    expect(propsOf(json, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required' });
  });

  test('an instance pinning a version keeps its pin', () => {
    const { json } = synth((s) => {
      const lt = new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: {} });
      new ec2.CfnInstance(s, 'I', { launchTemplate: { launchTemplateId: lt.ref, version: '1' } });
    });
    expect(propsOf(json, 'AWS::EC2::Instance')).toEqual({ LaunchTemplate: { LaunchTemplateId: { Ref: 'Lt' }, Version: '1' }, MetadataOptions: { HttpTokens: 'required' } });
  });
});

describe('consumers of launch templates', () => {
  test('an Auto Scaling group on an imported launch template is Unverifiable, not a pass', () => {
    const { warnings } = synth((s) => new autoscaling.CfnAutoScalingGroup(s, 'Asg', {
      minSize: '1', maxSize: '1', availabilityZones: ['eu-west-1a'], launchTemplate: { launchTemplateId: 'lt-1', version: '1' },
    }));
    expect(warnings.join('\n')).toMatch(/launch template id 'lt-1' is not in this app.*\[ack: Imdsv2-Unverifiable\]/);
  });

  test('an Auto Scaling group on its own launch template (L2) has no finding of its own: the template is fixed', () => {
    const { json, aspect } = synth((s) => new autoscaling.AutoScalingGroup(s, 'Asg', {
      vpc: vpcOf(s), launchTemplate: new ec2.LaunchTemplate(s, 'Lt', { instanceType: T3, machineImage: AMI }),
    }));
    expect(propsOf(json, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required' });
    const asg = aspect.entries.find((e) => e.resourceType === 'AWS::AutoScaling::AutoScalingGroup')!;
    expect(asg).toMatchObject({ action: 'fixed', impact: 'running instances keep old settings until refreshed', ruleIds: [] });
  });

  test('an Auto Scaling group tagged for an EKS cluster is a container host', () => {
    const { json } = synth((s) => {
      const lt = new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'required' } } });
      new autoscaling.CfnAutoScalingGroup(s, 'Asg', {
        minSize: '1',
        maxSize: '1',
        availabilityZones: ['eu-west-1a'],
        launchTemplate: { launchTemplateId: lt.ref, version: lt.attrLatestVersionNumber },
        tags: [{ key: 'kubernetes.io/cluster/prod', value: 'owned', propagateAtLaunch: true }],
      });
    });
    expect(propsOf(json, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
  });

  test('an EC2 fleet pinning a version is not moved (that replaces it)', () => {
    const build = (s: Stack) => {
      const lt = new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: {} });
      new ec2.CfnEC2Fleet(s, 'Fleet', {
        targetCapacitySpecification: { totalTargetCapacity: 1 },
        launchTemplateConfigs: [{ launchTemplateSpecification: { launchTemplateId: lt.ref, version: '1' } }],
      });
    };
    const { json, warnings } = synth(build);
    expect(propsOf(json, 'AWS::EC2::EC2Fleet')).toEqual(propsOf(synthWithoutAspect(build), 'AWS::EC2::EC2Fleet'));
    expect(warnings.join('\n')).toMatch(/pins version 1 of launch template Lt.*\[ack: Imdsv2-StaleVersion\]/);
    expect(warnings.join('\n')).toMatch(/moving it to another version of launch template Lt replaces it.*\[ack: Imdsv2-Replacement\]/);
  });

  test('an EC2 fleet override that re-opens IMDSv1 is reported', () => {
    const { warnings } = synth((s) => {
      const lt = new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'required' } } });
      new ec2.CfnEC2Fleet(s, 'Fleet', {
        targetCapacitySpecification: { totalTargetCapacity: 1 },
        launchTemplateConfigs: [{ launchTemplateSpecification: { launchTemplateId: lt.ref, version: lt.attrLatestVersionNumber }, overrides: [{ metadataOptions: { httpTokens: 'optional' } }] }],
      });
    });
    expect(warnings.join('\n')).toMatch(/Overrides\[0\]\.MetadataOptions\.HttpTokens is 'optional'.*\[ack: Imdsv2-TokensRequired\]/);
  });

  test('a spot fleet on launch specifications is reported: they have no IMDS field', () => {
    const { warnings } = synth((s) => new ec2.CfnSpotFleet(s, 'Spot', {
      spotFleetRequestConfigData: { iamFleetRole: 'arn:aws:iam::111111111111:role/f', targetCapacity: 1, launchSpecifications: [{ imageId: 'ami-1', instanceType: 't3.micro' }] },
    }));
    expect(warnings.join('\n')).toMatch(/1 LaunchSpecifications launch with IMDSv1 open.*\[ack: Imdsv2-TokensRequired\]/);
  });

  test('a spot fleet pinning a version is moved to the latest one', () => {
    const { json } = synth((s) => {
      const lt = new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: {} });
      new ec2.CfnSpotFleet(s, 'Spot', {
        spotFleetRequestConfigData: {
          iamFleetRole: 'arn:aws:iam::111111111111:role/f',
          targetCapacity: 1,
          launchTemplateConfigs: [{ launchTemplateSpecification: { launchTemplateId: lt.ref, version: '2' } }],
        },
      });
    });
    expect(propsOf(json, 'AWS::EC2::SpotFleet').SpotFleetRequestConfigData.LaunchTemplateConfigs[0].LaunchTemplateSpecification.Version)
      .toEqual({ 'Fn::GetAtt': ['Lt', 'LatestVersionNumber'] });
  });

  test('a launch template named by LaunchTemplateName is found', () => {
    const { json } = synth((s) => {
      new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateName: 'workers', launchTemplateData: {} });
      new autoscaling.CfnAutoScalingGroup(s, 'Asg', { minSize: '1', maxSize: '1', availabilityZones: ['eu-west-1a'], launchTemplate: { launchTemplateName: 'workers', version: '1' } });
    });
    expect(propsOf(json, 'AWS::AutoScaling::AutoScalingGroup').LaunchTemplate.Version).toEqual({ 'Fn::GetAtt': ['Lt', 'LatestVersionNumber'] });
  });
});

describe('EKS node groups and Batch without a launch template', () => {
  const nodegroup = (s: Stack) => new eks.CfnNodegroup(s, 'Ng', { clusterName: 'c', nodeRole: 'arn:aws:iam::111111111111:role/n', subnets: ['subnet-1'] });

  test('are reported as Replacement and left alone by default', () => {
    const { json, warnings } = synth(nodegroup);
    expect(json).toEqual(synthWithoutAspect(nodegroup));
    expect(warnings.join('\n')).toMatch(/the node group must be recreated.*\[ack: Imdsv2-Replacement\]/);
  });

  test('with allowReplacement get a launch template (hop limit 2) and a new logical id', () => {
    const { json } = synth(nodegroup, { allowReplacement: true });
    const [id] = Object.entries(json.Resources as Record<string, any>).find(([, r]) => r.Type === 'AWS::EKS::Nodegroup')!;
    expect(id).toBe('NgImdsv2');
    expect(propsOf(json, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
  });

  test('a node group with RemoteAccess is not given a template even with allowReplacement (DiskSize moves: imdsv2-aspect-nodegroup-disk-size.test.ts)', () => {
    const build = (s: Stack) => new eks.CfnNodegroup(s, 'Ng', { clusterName: 'c', nodeRole: 'r', subnets: ['subnet-1'], remoteAccess: { ec2SshKey: 'ops' } });
    const { json, warnings } = synth(build, { allowReplacement: true });
    expect(json).toEqual(synthWithoutAspect(build));
    expect(warnings.join('\n')).toMatch(/RemoteAccess cannot be combined with a launch template/);
  });

  test('a Batch environment whose updates replace it (BEST_FIT) is reported as Replacement', () => {
    const { warnings } = synth((s) => new batch.CfnComputeEnvironment(s, 'Ce', {
      type: 'MANAGED', computeResources: { type: 'EC2', allocationStrategy: 'BEST_FIT', maxvCpus: 4, subnets: ['s'], instanceTypes: ['m5.large'], instanceRole: 'r' },
    }));
    expect(warnings.join('\n')).toMatch(/giving it a launch template replaces it on deploy.*\[ack: Imdsv2-Replacement\]/);
  });

  test('a Fargate Batch environment runs no instance and is not looked at', () => {
    const { aspect } = synth((s) => new batch.CfnComputeEnvironment(s, 'Ce', {
      type: 'MANAGED', computeResources: { type: 'FARGATE', maxvCpus: 4, subnets: ['s'] },
    }));
    expect(aspect.entries.map((e) => e.action)).toEqual(['compliant']);
  });
});

describe('values decided at deploy time', () => {
  test('HttpTokens from a parameter is Unverifiable and left alone', () => {
    const { json, warnings } = synth((s) => new ec2.CfnInstance(s, 'I', {
      imageId: 'ami-1', metadataOptions: { httpTokens: new CfnParameter(s, 'Tokens').valueAsString },
    }));
    expect(propsOf(json, 'AWS::EC2::Instance').MetadataOptions).toEqual({ HttpTokens: { Ref: 'Tokens' } });
    expect(warnings.join('\n')).toMatch(/HttpTokens \(unresolved\).*decided at deploy time.*\[ack: Imdsv2-Unverifiable\]/);
  });

  test('MetadataOptions under Fn::If is Unverifiable', () => {
    const { warnings } = synth((s) => {
      const i = new ec2.CfnInstance(s, 'I', { imageId: 'ami-1' });
      i.addPropertyOverride('MetadataOptions', Fn.conditionIf('Cond', { HttpTokens: 'required' }, { HttpTokens: 'optional' }));
    });
    expect(warnings.join('\n')).toMatch(/computed at deploy time.*\[ack: Imdsv2-Unverifiable\]/);
  });

  test('a property override that re-opens IMDSv1 is seen and fixed', () => {
    const { json } = synth((s) => {
      const i = new ec2.Instance(s, 'I', { vpc: vpcOf(s), instanceType: T3, machineImage: AMI, requireImdsv2: false });
      (i.node.defaultChild as ec2.CfnInstance).addPropertyOverride('MetadataOptions.HttpTokens', 'optional');
    });
    expect(propsOf(json, 'AWS::EC2::Instance').MetadataOptions).toEqual({ HttpTokens: 'required' });
  });
});

describe('acknowledgements', () => {
  test('an acknowledged rule leaves the resource unchanged and unreported', () => {
    const build = (s: Stack) => {
      const i = new ec2.CfnInstance(s, 'I', { imageId: 'ami-1' });
      Validations.of(i).acknowledge({ id: Imdsv2RuleId.TOKENS_REQUIRED, reason: 'legacy agent, replaced in Q3' });
    };
    const { json, warnings, infos, aspect } = synth(build);
    expect(JSON.stringify(json)).toEqual(JSON.stringify(synthWithoutAspect(build)));
    expect([...warnings, ...infos].filter((m) => m.includes('Imdsv2-TokensRequired'))).toEqual([]);
    expect(aspect.entries[0].action).toBe('acknowledged');
  });

  test('acknowledging Imdsv2-HopLimit on a scope keeps the hop limit but still requires tokens', () => {
    const { json } = synth((s) => {
      const lt = new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: { metadataOptions: { httpPutResponseHopLimit: 3 } } });
      Validations.of(s).acknowledge({ id: Imdsv2RuleId.HOP_LIMIT, reason: 'docker-in-docker build hosts need 3 hops' });
      void lt;
    });
    expect(propsOf(json, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 3 });
  });
});

describe('props', () => {
  test.each([0, 65, 1.5])('a hop limit of %p is refused with the value in the message', (v) => {
    expect(() => synth(() => undefined, { hostHopLimit: v })).toThrow(`Imdsv2Aspect: hostHopLimit must be an integer from 1 to 64, got ${v}`);
  });

  test('hostHopLimit and containerHopLimit set the policy', () => {
    const { json } = synth((s) => {
      new ec2.CfnLaunchTemplate(s, 'Host', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 3 } } });
      new imagebuilder.CfnInfrastructureConfiguration(s, 'Ib', { name: 'n', instanceProfileName: 'p', instanceMetadataOptions: { httpTokens: 'required' } });
    }, { hostHopLimit: 2, containerHopLimit: 3 });
    expect(propsOf(json, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit).toBe(2);
    expect(propsOf(json, 'AWS::ImageBuilder::InfrastructureConfiguration').InstanceMetadataOptions.HttpPutResponseHopLimit).toBe(3);
  });
});
