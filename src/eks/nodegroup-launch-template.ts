// Shared by the aws-eks and aws-eks-v2 node groups, not exported from the package: the
// checks of EKS's launch template rules and the props of the launch template to make.
import { Token } from 'aws-cdk-lib';
import { BlockDevice, BlockDeviceVolume } from 'aws-cdk-lib/aws-ec2';
import { Imdsv2LaunchTemplateProps } from '../ec2/imdsv2-launch-template';
import {
  LaunchTemplateImds, asContainerDefault, cfnLaunchTemplateOfId, inspectCfnLaunchTemplate, openLaunchTemplateMessage,
} from '../ec2/metadata-options';

/** The node group options this file reads (the same in aws-eks and aws-eks-v2). */
export interface NodegroupInput {
  readonly diskSize?: number;
  readonly amiType?: string;
  readonly remoteAccess?: unknown;
  readonly launchTemplateSpec?: { readonly id: string; readonly version?: string };
  readonly podImdsAccess?: boolean;
}

/** What to do for one node group. */
export interface NodegroupPlan {
  /** The props of the launch template to make; undefined when the user brought one. */
  readonly launchTemplateProps?: Imdsv2LaunchTemplateProps;
  /** `Imdsv2-Unverifiable` warnings to add. */
  readonly warnings: string[];
  /**
   * Why the made template's hop limit was chosen in code (`podImdsAccess: false`), to
   * acknowledge `Imdsv2-HopLimit` on it; undefined for the container default.
   */
  readonly hopLimitReason?: string;
}

/**
 * The root device EKS sizes with `diskSize`, per AMI family: Bottlerocket keeps its data
 * (images, pods) on the second volume, Windows boots from /dev/sda1, Amazon Linux (the
 * default when no AMI type is given) from /dev/xvda.
 */
export function diskDeviceName(amiType: string | undefined): string {
  if (amiType?.startsWith('BOTTLEROCKET_')) return '/dev/xvdb';
  if (amiType?.startsWith('WINDOWS_')) return '/dev/sda1';
  return '/dev/xvda';
}

/**
 * Check a node group's options against EKS's launch template rules and say which launch
 * template to make. Throws, naming `path`, for what cannot go into a launch template.
 */
export function planNodegroup(path: string, input: NodegroupInput): NodegroupPlan {
  if (input.remoteAccess !== undefined) {
    throw new Error(`${path}: remoteAccess is set, expected unset: EKS refuses remoteAccess on a node group `
      + 'with a launch template; reach the nodes with SSM Session Manager, or bring your own launch template '
      + '(key pair and security group in it, HttpTokens required) in launchTemplateSpec');
  }
  const spec = input.launchTemplateSpec;
  if (spec !== undefined) return checkOwnLaunchTemplate(path, input, spec);

  let blockDevices: BlockDevice[] | undefined;
  if (input.diskSize !== undefined) {
    const size = input.diskSize;
    if (!Token.isUnresolved(size) && (!Number.isInteger(size) || size < 1)) {
      throw new Error(`${path}: diskSize is ${size}, expected a whole number of GiB, 1 or more`);
    }
    // EKS refuses diskSize on a node group with a launch template: it goes into the
    // template's block device mapping of the root (or Bottlerocket data) volume.
    blockDevices = [{ deviceName: diskDeviceName(input.amiType), volume: BlockDeviceVolume.ebs(size) }];
  }
  const podImdsAccess = input.podImdsAccess !== false;
  return {
    // hop limit 2 is what the aspect gives node group templates: nothing to acknowledge
    launchTemplateProps: asContainerDefault({ containerHost: podImdsAccess, blockDevices }),
    warnings: [],
    hopLimitReason: podImdsAccess ? undefined : 'hop limit chosen in code: podImdsAccess: false (hop limit 1, pods blocked from IMDS)',
  };
}

function checkOwnLaunchTemplate(path: string, input: NodegroupInput, spec: { readonly id: string }): NodegroupPlan {
  if (input.podImdsAccess !== undefined) {
    throw new Error(`${path}: podImdsAccess is ${input.podImdsAccess} together with launchTemplateSpec, expected unset: `
      + 'the node group then makes no launch template; set the hop limit in your launch template '
      + '(2 lets pods reach IMDS, 1 blocks them)');
  }
  if (input.diskSize !== undefined) {
    throw new Error(`${path}: diskSize is ${input.diskSize} together with launchTemplateSpec, expected unset: `
      + 'EKS takes the disk size from the launch template\'s block device mappings only');
  }
  const cfn = cfnLaunchTemplateOfId(spec.id);
  if (cfn === undefined) {
    const shown = Token.isUnresolved(spec.id) ? 'a token' : `"${spec.id}"`;
    return {
      warnings: [`launchTemplateSpec.id is ${shown}, not a launch template of this app: cannot check it for `
        + 'HttpTokens "required"; make sure it requires tokens'],
    };
  }
  const inspection = inspectCfnLaunchTemplate(cfn);
  if (inspection.state === LaunchTemplateImds.OPEN) {
    throw new Error(openLaunchTemplateMessage(path, 'launchTemplateSpec', inspection));
  }
  if (inspection.state === LaunchTemplateImds.UNVERIFIABLE) {
    return {
      warnings: [`launchTemplateSpec ${inspection.label} cannot be checked for HttpTokens "required" `
        + `(${inspection.detail}); make sure it requires tokens`],
    };
  }
  return { warnings: [] };
}
