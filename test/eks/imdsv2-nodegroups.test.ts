import { Lazy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';
import { eksCluster, eksV2Cluster, importedEksCluster, importedEksV2Cluster, stackWithVpc } from './helpers';
import { Imdsv2LaunchTemplate } from '../../src/ec2';
import { Imdsv2EksNodegroup, Imdsv2EksV2Nodegroup } from '../../src/eks';
import { acknowledgedOn } from '../ec2/acknowledged';

/**
 * The same tests for aws-eks and aws-eks-v2. Their option structs have the same shape; the
 * enums have the same values. `any` only bridges the two modules' types in this table.
 */
interface Flavour {
  readonly name: string;
  readonly amiType: { bottlerocket: string; windows: string; al2023Arm: string };
  /** A node group on an imported cluster. */
  nodegroup(stack: Stack, vpc: ec2.IVpc, options: any): eks.Nodegroup | eksv2.Nodegroup;
  /** `cluster.addNodegroupCapacity(id, X.nodegroupOptions(stack, templateId, options))` on a real cluster. */
  addNodegroupCapacity(stack: Stack, vpc: ec2.IVpc, templateId: string, options: any): void;
  /** `X.nodegroupOptions` alone. */
  nodegroupOptions(scope: Construct, id: string, options: any): any;
}

const FLAVOURS: Flavour[] = [
  {
    name: 'aws-eks Imdsv2EksNodegroup',
    nodegroup: (stack, vpc, options) => new Imdsv2EksNodegroup(stack, 'Ng', { cluster: importedEksCluster(stack, vpc), ...options }),
    addNodegroupCapacity: (stack, vpc, templateId, options) =>
      eksCluster(stack, vpc).addNodegroupCapacity('Workers', Imdsv2EksNodegroup.nodegroupOptions(stack, templateId, options)),
    nodegroupOptions: (scope, id, options) => Imdsv2EksNodegroup.nodegroupOptions(scope, id, options),
    amiType: {
      bottlerocket: eks.NodegroupAmiType.BOTTLEROCKET_X86_64,
      windows: eks.NodegroupAmiType.WINDOWS_CORE_2022_X86_64,
      al2023Arm: eks.NodegroupAmiType.AL2023_ARM_64_STANDARD,
    },
  },
  {
    name: 'aws-eks-v2 Imdsv2EksV2Nodegroup',
    nodegroup: (stack, vpc, options) => new Imdsv2EksV2Nodegroup(stack, 'Ng', { cluster: importedEksV2Cluster(stack, vpc), ...options }),
    addNodegroupCapacity: (stack, vpc, templateId, options) =>
      eksV2Cluster(stack, vpc).addNodegroupCapacity('Workers', Imdsv2EksV2Nodegroup.nodegroupOptions(stack, templateId, options)),
    nodegroupOptions: (scope, id, options) => Imdsv2EksV2Nodegroup.nodegroupOptions(scope, id, options),
    amiType: {
      bottlerocket: eksv2.NodegroupAmiType.BOTTLEROCKET_X86_64,
      windows: eksv2.NodegroupAmiType.WINDOWS_CORE_2022_X86_64,
      al2023Arm: eksv2.NodegroupAmiType.AL2023_ARM_64_STANDARD,
    },
  },
];

/** What EKS refuses in a node group's launch template, or what would move settings out of the node group. */
const NOT_IN_EKS_TEMPLATE = {
  IamInstanceProfile: Match.absent(),
  NetworkInterfaces: Match.absent(),
  SubnetId: Match.absent(),
  ImageId: Match.absent(),
  UserData: Match.absent(),
  InstanceType: Match.absent(),
  InstanceMarketOptions: Match.absent(),
  SecurityGroupIds: Match.absent(),
};

describe.each(FLAVOURS)('$name', (flavour) => {
  function build(options: any = {}): { stack: Stack; template: Template; nodegroup: eks.Nodegroup | eksv2.Nodegroup } {
    const { stack, vpc } = stackWithVpc();
    const nodegroup = flavour.nodegroup(stack, vpc, options);
    return { stack, template: Template.fromStack(stack), nodegroup };
  }

  test('makes its own launch template: tokens required, hop limit 2 (pods reach IMDS), nothing EKS refuses', () => {
    // GIVEN / WHEN
    const { stack, template, nodegroup } = build({ instanceTypes: [new ec2.InstanceType('m7i.large')], labels: { role: 'web' } });

    // THEN
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 1);
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: Match.absent() },
        BlockDeviceMappings: Match.absent(),
        ...NOT_IN_EKS_TEMPLATE,
      },
    });
    const launchTemplate = nodegroup.node.findChild('LaunchTemplate') as Imdsv2LaunchTemplate;
    expect(launchTemplate).toBeInstanceOf(Imdsv2LaunchTemplate);
    expect((nodegroup as Imdsv2EksNodegroup | Imdsv2EksV2Nodegroup).launchTemplate).toBe(launchTemplate);
    const ltId = stack.getLogicalId(launchTemplate.node.defaultChild as ec2.CfnLaunchTemplate);
    template.hasResourceProperties('AWS::EKS::Nodegroup', {
      LaunchTemplate: { Id: { Ref: ltId }, Version: { 'Fn::GetAtt': [ltId, 'LatestVersionNumber'] } },
      InstanceTypes: ['m7i.large'],
      Labels: { role: 'web' },
      DiskSize: Match.absent(),
      RemoteAccess: Match.absent(),
    });
  });

  test('containerImdsAccess: false gives hop limit 1 (pods blocked from IMDS), acknowledged as chosen in code', () => {
    const { template, nodegroup } = build({ containerImdsAccess: false });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 } },
    });
    expect(Object.values(acknowledgedOn(nodegroup.node.findChild('LaunchTemplate'))))
      .toEqual(['hop limit chosen in code: containerImdsAccess: false (hop limit 1, pods blocked from IMDS)']);
  });

  test('the default (pods reach IMDS, hop limit 2) acknowledges nothing', () => {
    const { nodegroup } = build();
    expect(acknowledgedOn(nodegroup.node.findChild('LaunchTemplate'))).toEqual({});
    expect(acknowledgedOn(nodegroup)).toEqual({});
  });

  test.each([
    ['no AMI type (Amazon Linux)', '/dev/xvda', undefined],
    ['AL2023 ARM', '/dev/xvda', 'al2023Arm'],
    ['Bottlerocket (its data volume)', '/dev/xvdb', 'bottlerocket'],
    ['Windows', '/dev/sda1', 'windows'],
  ] as Array<[string, string, keyof Flavour['amiType'] | undefined]>)('diskSize moves into the template: %s → %s', (_name, device, ami) => {
    // GIVEN / WHEN
    const amiType = ami === undefined ? undefined : flavour.amiType[ami];
    const { template } = build({ diskSize: 80, amiType });

    // THEN
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: {
        // gp3 and deleted with the node, as the aspect moves an L1's DiskSize (MOVED_DISK_VOLUME_TYPE)
        BlockDeviceMappings: [{ DeviceName: device, Ebs: { VolumeSize: 80, VolumeType: 'gp3', DeleteOnTermination: true } }],
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 },
      },
    });
    template.hasResourceProperties('AWS::EKS::Nodegroup', { DiskSize: Match.absent(), AmiType: amiType ?? Match.absent() });
  });

  test.each([
    ['remoteAccess', { remoteAccess: { sshKeyName: 'ops' } }, /^Stack\/Ng: remoteAccess is set, expected unset: EKS refuses remoteAccess on a node group with a launch template/],
    ['diskSize 0', { diskSize: 0 }, 'Stack/Ng: diskSize is 0, expected a whole number of GiB, 1 or more'],
    ['diskSize with amiType CUSTOM', { diskSize: 50, amiType: 'CUSTOM' }, /^Stack\/Ng: diskSize is 50 with amiType CUSTOM, expected unset: the root device of a custom AMI is not known here/],
  ])('refuses %s', (_name, options, message) => {
    const { stack, vpc } = stackWithVpc();
    expect(() => flavour.nodegroup(stack, vpc, options)).toThrow(message);
  });

  describe('with your own launch template in launchTemplateSpec', () => {
    test('an Imdsv2LaunchTemplate is used as it is: no second template, no warning', () => {
      // GIVEN
      const { stack, vpc } = stackWithVpc();
      const lt = new Imdsv2LaunchTemplate(stack, 'Lt', { containerImdsAccess: true });

      // WHEN
      const nodegroup = flavour.nodegroup(stack, vpc, { launchTemplateSpec: { id: lt.launchTemplateId!, version: lt.versionNumber } });

      // THEN
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::EC2::LaunchTemplate', 1);
      expect((nodegroup as Imdsv2EksNodegroup).launchTemplate).toBeUndefined();
      template.hasResourceProperties('AWS::EKS::Nodegroup', { LaunchTemplate: { Id: { Ref: Match.stringLikeRegexp('^Lt') } } });
      Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    });

    test('an ec2.LaunchTemplate that does not require tokens is refused', () => {
      const { stack, vpc } = stackWithVpc();
      const lt = new ec2.LaunchTemplate(stack, 'Lt', { httpPutResponseHopLimit: 2 });
      expect(() => flavour.nodegroup(stack, vpc, { launchTemplateSpec: { id: lt.launchTemplateId!, version: lt.versionNumber } }))
        .toThrow('Stack/Ng: launchTemplateSpec Stack/Lt/Resource has httpTokens unset, expected "required": use Imdsv2LaunchTemplate, or set httpTokens: LaunchTemplateHttpTokens.REQUIRED on it');
    });

    test('a launch template id from outside the app gets an Imdsv2-Unverifiable warning', () => {
      // GIVEN
      const { stack, vpc } = stackWithVpc();

      // WHEN
      flavour.nodegroup(stack, vpc, { launchTemplateSpec: { id: 'lt-0123456789abcdef0', version: '4' } });

      // THEN
      Annotations.fromStack(stack).hasWarning('/Stack/Ng', Match.stringLikeRegexp(
        '^launchTemplateSpec.id is "lt-0123456789abcdef0", not a launch template of this app: cannot check it for HttpTokens "required"'));
      Annotations.fromStack(stack).hasWarning('/Stack/Ng', Match.stringLikeRegexp('Imdsv2-Unverifiable'));
      Template.fromStack(stack).resourceCountIs('AWS::EC2::LaunchTemplate', 0);
    });

    test('an L1 CfnLaunchTemplate that requires tokens is accepted', () => {
      const { stack, vpc } = stackWithVpc();
      const lt = new ec2.CfnLaunchTemplate(stack, 'L1', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 } } });
      flavour.nodegroup(stack, vpc, { launchTemplateSpec: { id: lt.ref, version: lt.attrLatestVersionNumber } });
      Template.fromStack(stack).resourceCountIs('AWS::EC2::LaunchTemplate', 1);
      Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    });

    test('an L1 CfnLaunchTemplate whose options are a token gets an Imdsv2-Unverifiable warning', () => {
      const { stack, vpc } = stackWithVpc();
      const lt = new ec2.CfnLaunchTemplate(stack, 'L1', { launchTemplateData: { metadataOptions: Lazy.any({ produce: () => ({ httpTokens: 'required' }) }) } });
      flavour.nodegroup(stack, vpc, { launchTemplateSpec: { id: lt.ref } });
      Annotations.fromStack(stack).hasWarning('/Stack/Ng', Match.stringLikeRegexp(
        '^launchTemplateSpec Stack/L1 cannot be checked for HttpTokens "required" \\(its MetadataOptions is a token\\)'));
    });

    test.each([
      ['containerImdsAccess', { containerImdsAccess: false }, /^Stack\/Ng: containerImdsAccess is false together with launchTemplateSpec, expected unset/],
      ['diskSize', { diskSize: 50 }, 'Stack/Ng: diskSize is 50 together with launchTemplateSpec, expected unset: EKS takes the disk size from the launch template\'s block device mappings only'],
    ])('refuses %s next to it', (_name, extra, message) => {
      const { stack, vpc } = stackWithVpc();
      const lt = new Imdsv2LaunchTemplate(stack, 'Lt');
      expect(() => flavour.nodegroup(stack, vpc, { launchTemplateSpec: { id: lt.launchTemplateId! }, ...extra })).toThrow(message);
    });
  });

  describe('nodegroupOptions, for cluster.addNodegroupCapacity', () => {
    test('the node group follows a template that requires tokens; diskSize moved into it', () => {
      // GIVEN
      const { stack, vpc } = stackWithVpc();

      // WHEN
      flavour.addNodegroupCapacity(stack, vpc, 'WorkersTemplate', { instanceTypes: [new ec2.InstanceType('m7i.large')], diskSize: 50, containerImdsAccess: false });

      // THEN
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::EKS::Nodegroup', 1);
      template.resourceCountIs('AWS::EC2::LaunchTemplate', 1);
      const ltId = stack.getLogicalId(stack.node.findChild('WorkersTemplate').node.defaultChild as ec2.CfnLaunchTemplate);
      template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
        LaunchTemplateData: {
          MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
          BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 50, VolumeType: 'gp3', DeleteOnTermination: true } }],
          ...NOT_IN_EKS_TEMPLATE,
        },
      });
      template.hasResourceProperties('AWS::EKS::Nodegroup', {
        LaunchTemplate: { Id: { Ref: ltId }, Version: { 'Fn::GetAtt': [ltId, 'LatestVersionNumber'] } },
        InstanceTypes: ['m7i.large'],
        DiskSize: Match.absent(),
      });
    });

    test('returns the options without containerImdsAccess, and unchanged around launchTemplateSpec', () => {
      const { stack } = stackWithVpc();
      const lt = new Imdsv2LaunchTemplate(stack, 'Lt');
      const spec = { id: lt.launchTemplateId!, version: lt.versionNumber };
      expect(flavour.nodegroupOptions(stack, 'Unused', { launchTemplateSpec: spec, minSize: 2 })).toEqual({ launchTemplateSpec: spec, minSize: 2 });
      expect(stack.node.tryFindChild('Unused')).toBeUndefined();
      const made = flavour.nodegroupOptions(stack, 'Made', { minSize: 3, containerImdsAccess: true });
      expect(Object.keys(made).filter((k) => made[k] !== undefined).sort()).toEqual(['launchTemplateSpec', 'minSize']);
    });

    test('refuses what cannot go into a launch template, naming the template path', () => {
      const { stack } = stackWithVpc();
      expect(() => flavour.nodegroupOptions(stack, 'WorkersTemplate', { remoteAccess: { sshKeyName: 'ops' } }))
        .toThrow(/^Stack\/WorkersTemplate: remoteAccess is set, expected unset/);
    });
  });
});
