import { ResourceAdapter, namedBy } from '../adapter';
import { Json, UNRESOLVED, isIntrinsic, valueAt } from '../json';
import { Impact, MovedIntoLaunchTemplate, ResourceView } from '../model';

/**
 * AWS::EKS::Nodegroup. Without a launch template EKS makes one that leaves IMDSv1 open;
 * adding a launch template later fails in place (the node group must be recreated), so
 * that fix is a replacement. A new template version rolls the nodes.
 */
export const eksNodegroup: ResourceAdapter = {
  type: 'AWS::EKS::Nodegroup',
  // AmiType: which volume DiskSize sizes, when DiskSize moves into a new launch template.
  properties: ['LaunchTemplate', 'DiskSize', 'AmiType', 'RemoteAccess', 'NodegroupName'],
  launchTemplates: (view) => {
    const spec = valueAt(view.properties, ['LaunchTemplate']);
    if (spec === undefined || spec === null) return [];
    return [{ specPath: ['LaunchTemplate'], idKey: 'Id', nameKey: 'Name', versionKey: 'Version' }];
  },
  withoutLaunchTemplate: (view) => {
    // EKS refuses DiskSize and RemoteAccess next to a launch template. DiskSize moves into
    // the new template's block device mapping; RemoteAccess (an SSH key and the security
    // group EKS makes for it) has no like-for-like place there, so a person must decide.
    const disk = diskSizeMove(view);
    const conflicts = [...(valueAt(view.properties, ['RemoteAccess']) !== undefined ? ['RemoteAccess'] : []), ...(disk.blocker ? [disk.blocker] : [])];
    return {
      specPath: ['LaunchTemplate'],
      idKey: 'Id',
      versionKey: 'Version',
      impact: Impact.REPLACEMENT,
      blocker: conflicts.length > 0 ? conflicts.map(blockerText).join('; ') : undefined,
      moved: disk.moved,
      serviceDefault: 'EKS creates a launch template that leaves IMDSv1 open',
      replacedHow: 'cannot be done in place: the node group must be recreated',
      // EKS cannot add a launch template to a node group in place: a new logical id
      // makes CloudFormation create the new group before it deletes the old one.
      needsNewLogicalId: true,
    };
  },
  isContainerHost: () => true,
  versionChangeImpact: () => Impact.REFRESH,
  // Recreating a named node group (even under a new logical id) makes CloudFormation create
  // the new group, with the same name, before deleting the old one: EKS refuses the name.
  // Dropping or changing the name is not done for the user either: kubectl contexts, the
  // cluster autoscaler and IAM policies may refer to it. So it is reported, never applied.
  customName: namedBy('NodegroupName',
    'create a node group with a launch template that requires tokens under another name (e.g. an Imdsv2EksNodegroup), move the workloads, then delete this one; or remove NodegroupName and set allowReplacement: true'),
};

function blockerText(conflict: string): string {
  return conflict === 'RemoteAccess' ? 'RemoteAccess cannot be combined with a launch template: move it into one' : conflict;
}

/**
 * The volume EKS sizes with a node group's DiskSize, per AmiType; undefined when it cannot
 * be known here (CUSTOM: the AMI's own layout, which EKS does not size either).
 *
 * - Amazon Linux 2 and 2023 (`AL2_*`, `AL2023_*`; also no AmiType, as EKS then picks one of
 *   them): the root volume, /dev/xvda.
 * - Bottlerocket (`BOTTLEROCKET_*`) has two volumes: the OS on /dev/xvda (a few GiB, read
 *   only) and the data (images, containers, logs, pods' ephemeral storage) on /dev/xvdb.
 *   DiskSize sizes the data volume: EKS's CreateNodegroup reference gives 20 GiB as the
 *   default "for Linux and Bottlerocket", the data volume's default (Karpenter's EC2NodeClass
 *   docs: Bottlerocket /dev/xvda 4Gi, /dev/xvdb 20Gi); eksctl sizes /dev/xvdb for
 *   Bottlerocket (eksctl-io/eksctl#2843), as does a managed node group's DiskSize
 *   (bottlerocket-os/bottlerocket#4799).
 * - Windows (`WINDOWS_*`): the root volume, /dev/sda1.
 */
export function diskSizeDevice(amiType: string | undefined): string | undefined {
  if (amiType === undefined || amiType.startsWith('AL2')) return '/dev/xvda';
  if (amiType.startsWith('BOTTLEROCKET_')) return '/dev/xvdb';
  if (amiType.startsWith('WINDOWS_')) return '/dev/sda1';
  return undefined;
}

/**
 * The EBS volume type a moved DiskSize gets: gp3. EKS's own template still makes gp2 for
 * DiskSize (aws/containers-roadmap#1417; bottlerocket-os/bottlerocket#4799, 2026), so this
 * keeps the size and changes the type: gp3's baseline (3,000 IOPS, 125 MiB/s) is at or above
 * gp2's for any disk under 1,000 GiB (3 IOPS per GiB, bursting to 3,000) and costs less. It
 * is also the type that fits every AMI's mapping: EC2 merges the AMI's own fields into a
 * mapping, and an AMI that maps its volume as gp3 with Iops fails with gp2 ('iops is not
 * supported for gp2 volumes', terraform-aws-modules/terraform-aws-eks#3417). Trade-offs, in
 * the message and docs: gp2 gives more throughput above ~170 GiB, and gp3 is missing from a
 * few Local Zones (awslabs/amazon-eks-ami#1295). Another type is one's own launch template.
 */
export const MOVED_DISK_VOLUME_TYPE = 'gp3';

/** DiskSize as a block device mapping of the new launch template, or why it cannot be one. */
function diskSizeMove(view: ResourceView): { moved?: MovedIntoLaunchTemplate; blocker?: string } {
  const size: Json = valueAt(view.properties, ['DiskSize']);
  if (size === undefined || size === null) return {};
  const amiType = valueAt(view.properties, ['AmiType']);
  if (amiType === UNRESOLVED || isIntrinsic(amiType) || (amiType !== undefined && typeof amiType !== 'string')) {
    return { blocker: 'DiskSize cannot be combined with a launch template, and AmiType is computed at deploy time, so the volume it sizes is not known here: move it into one (as a block device mapping)' };
  }
  const device = diskSizeDevice(amiType);
  if (device === undefined) {
    return { blocker: `DiskSize cannot be combined with a launch template, and for AmiType '${amiType}' the AMI's root device is not known here: move it into the launch template that names the AMI (as a block device mapping of its root device)` };
  }
  // A DiskSize computed at deploy time (a parameter) moves as it is: VolumeSize takes the same value.
  const shown = typeof size === 'number' || typeof size === 'string' ? String(size) : '(computed at deploy time)';
  return {
    moved: {
      properties: ['DiskSize'],
      launchTemplateData: {
        BlockDeviceMappings: [{ DeviceName: device, Ebs: { VolumeSize: size, VolumeType: MOVED_DISK_VOLUME_TYPE, DeleteOnTermination: true } }],
      },
      description: `DiskSize ${shown} moves into its block device mapping of ${device} (${MOVED_DISK_VOLUME_TYPE}, deleted with the node; EKS gave gp2)`,
    },
  };
}
