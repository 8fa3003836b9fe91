import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import { propsOf, synth, synthWithoutAspect } from './helpers';
import { EnforcementMode } from '../../src';
import { eksCluster, eksV2Cluster, importedEksCluster, importedEksV2Cluster } from '../eks/helpers';

/**
 * A managed node group with `diskSize` and no launch template (what
 * `cluster.addNodegroupCapacity({ diskSize })` makes; issue #17, item 3). EKS refuses DiskSize
 * next to a launch template, so with allowReplacement the aspect moves the disk size into the
 * new template's block device mapping of the volume EKS sized for the group's AMI type, removes
 * DiskSize, and the group is recreated under a new logical id. Without allowReplacement the
 * template is left as it is and the finding says what would be done.
 */
function vpcOf(s: Stack): ec2.Vpc {
  // Public and private subnets: what a real aws-eks cluster selects by default.
  return new ec2.Vpc(s, 'Vpc', { maxAzs: 1, natGateways: 1 });
}

interface Row {
  readonly name: string;
  readonly device: string;
  readonly build: (s: Stack) => void;
}

const ROWS: Row[] = [
  {
    name: 'aws-eks cluster.addNodegroupCapacity({ diskSize }) (Amazon Linux, no amiType given)',
    device: '/dev/xvda',
    build: (s) => eksCluster(s, vpcOf(s)).addNodegroupCapacity('Workers', { diskSize: 50 }),
  },
  {
    name: 'aws-eks-v2 cluster.addNodegroupCapacity({ diskSize, amiType: AL2023_X86_64_STANDARD })',
    device: '/dev/xvda',
    build: (s) => eksV2Cluster(s, vpcOf(s)).addNodegroupCapacity('Workers', { diskSize: 50, amiType: eksv2.NodegroupAmiType.AL2023_X86_64_STANDARD }),
  },
  {
    name: 'aws-eks Nodegroup on Bottlerocket (its data volume)',
    device: '/dev/xvdb',
    build: (s) => new eks.Nodegroup(s, 'Workers', { cluster: importedEksCluster(s, vpcOf(s)), diskSize: 50, amiType: eks.NodegroupAmiType.BOTTLEROCKET_X86_64 }),
  },
  {
    name: 'aws-eks-v2 Nodegroup on Bottlerocket ARM (its data volume)',
    device: '/dev/xvdb',
    build: (s) => new eksv2.Nodegroup(s, 'Workers', { cluster: importedEksV2Cluster(s, vpcOf(s)), diskSize: 50, amiType: eksv2.NodegroupAmiType.BOTTLEROCKET_ARM_64 }),
  },
  {
    name: 'aws-eks-v2 Nodegroup on Windows',
    device: '/dev/sda1',
    build: (s) => new eksv2.Nodegroup(s, 'Workers', { cluster: importedEksV2Cluster(s, vpcOf(s)), diskSize: 50, amiType: eksv2.NodegroupAmiType.WINDOWS_CORE_2022_X86_64 }),
  },
  {
    name: 'an L1 CfnNodegroup with DiskSize and AmiType AL2_ARM_64',
    device: '/dev/xvda',
    build: (s) => new eks.CfnNodegroup(s, 'Workers', { clusterName: 'c', nodeRole: 'arn:aws:iam::111111111111:role/n', subnets: ['subnet-1'], diskSize: 50, amiType: 'AL2_ARM_64' }),
  },
];

function nodegroupOf(json: any): [string, any] {
  const found = Object.entries(json.Resources as Record<string, any>).filter(([, r]) => r.Type === 'AWS::EKS::Nodegroup');
  if (found.length !== 1) throw new Error(`expected one node group, found ${found.length}`);
  return found[0];
}

describe.each(ROWS)('$name', (row) => {
  test('GIVEN allowReplacement THEN the new launch template carries the disk size, DiskSize is gone and the group (new id) uses the template', () => {
    const { json, warnings, errors } = synth(row.build, { allowReplacement: true });
    const [id, group] = nodegroupOf(json);
    const [ltId] = Object.entries(json.Resources as Record<string, any>).find(([, r]) => r.Type === 'AWS::EC2::LaunchTemplate')!;
    expect(id).toMatch(/Imdsv2$/);
    expect(group.Properties.DiskSize).toBeUndefined();
    expect(group.Properties.LaunchTemplate).toEqual({ Id: { Ref: ltId }, Version: { 'Fn::GetAtt': [ltId, 'LatestVersionNumber'] } });
    expect(propsOf(json, 'AWS::EC2::LaunchTemplate').LaunchTemplateData).toEqual({
      MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 },
      BlockDeviceMappings: [{ DeviceName: row.device, Ebs: { VolumeSize: 50, VolumeType: 'gp3', DeleteOnTermination: true } }],
    });
    expect([...warnings, ...errors].filter((m) => /Imdsv2-/.test(m))).toEqual([]);
  });

  test('GIVEN REJECT (which changes nothing) THEN synthesis fails on the group, and the fix named is the move', () => {
    const { errors } = synth(row.build, { allowReplacement: true, mode: EnforcementMode.REJECT });
    expect(errors).toEqual([expect.stringMatching(
      new RegExp(`^\\[Imdsv2-TokensRequired\\] AWS::EKS::Nodegroup .*it has no launch template.*DiskSize 50 moves into its block device mapping of ${row.device}`))]);
  });

  test('GIVEN no allowReplacement THEN nothing changes and REPORT says where the disk size would go', () => {
    const { json, warnings } = synth(row.build, { mode: EnforcementMode.REPORT });
    expect(json).toEqual(synthWithoutAspect(row.build));
    expect(nodegroupOf(json)[1].Properties.DiskSize).toBe(50);
    const text = warnings.join('\n');
    expect(text).toMatch(/the node group must be recreated.*\[ack: Imdsv2-Replacement\]/);
    expect(text).toContain(`DiskSize 50 moves into its block device mapping of ${row.device} (gp3`);
  });
});

describe('a disk size that cannot be moved stays a finding, even with allowReplacement', () => {
  test('GIVEN AmiType CUSTOM THEN nothing is attached and REJECT fails, naming the reason', () => {
    const build = (s: Stack) => new eks.CfnNodegroup(s, 'Workers', { clusterName: 'c', nodeRole: 'r', subnets: ['subnet-1'], diskSize: 50, amiType: 'CUSTOM' });
    const { json } = synth(build, { allowReplacement: true });
    expect(json).toEqual(synthWithoutAspect(build));
    const { errors } = synth(build, { allowReplacement: true, mode: EnforcementMode.REJECT });
    expect(errors.join('\n')).toMatch(/\[Imdsv2-TokensRequired\].*for AmiType 'CUSTOM' the AMI's root device is not known here/);
  });

  test('GIVEN RemoteAccess beside DiskSize THEN nothing is attached (RemoteAccess cannot move)', () => {
    const build = (s: Stack) => new eks.CfnNodegroup(s, 'Workers', {
      clusterName: 'c', nodeRole: 'r', subnets: ['subnet-1'], diskSize: 50, remoteAccess: { ec2SshKey: 'ops' },
    });
    const { json, warnings } = synth(build, { allowReplacement: true });
    expect(json).toEqual(synthWithoutAspect(build));
    expect(warnings.join('\n')).toMatch(/RemoteAccess cannot be combined with a launch template/);
  });
});
