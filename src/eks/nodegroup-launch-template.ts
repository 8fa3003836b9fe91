// Shared by the aws-eks and aws-eks-v2 node groups, not exported from the package: the
// checks of EKS's launch template rules and the props of the launch template to make.
import { Annotations, Lazy, Token } from 'aws-cdk-lib';
import { BlockDevice, BlockDeviceVolume, EbsDeviceVolumeType } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { Imdsv2LaunchTemplate, Imdsv2LaunchTemplateProps } from '../ec2/imdsv2-launch-template';
import {
  LaunchTemplateImds, acknowledgeChosenHopLimit, asContainerDefault, cfnLaunchTemplateOfId, containerImdsAccessOf, inspectCfnLaunchTemplate,
  openLaunchTemplateMessage, pathOf,
} from '../ec2/metadata-options';
import { diskSizeDevice } from '../engine/adapters/eks-nodegroup';
import { Imdsv2RuleId } from '../engine/rule-id';

/** The node group options this file reads (the same in aws-eks and aws-eks-v2). */
export interface NodegroupInput {
  readonly diskSize?: number;
  readonly amiType?: string;
  readonly remoteAccess?: unknown;
  readonly launchTemplateSpec?: { readonly id: string; readonly version?: string };
  readonly containerImdsAccess?: boolean;
  /** The deprecated name of `containerImdsAccess`. */
  readonly podImdsAccess?: boolean;
}

/** What to do for one node group. */
export interface NodegroupPlan {
  /** The props of the launch template to make; undefined when the user brought one. */
  readonly launchTemplateProps?: Imdsv2LaunchTemplateProps;
  /** `Imdsv2-Unverifiable` warnings to add. */
  readonly warnings: string[];
  /**
   * Why the made template's hop limit was chosen in code (`containerImdsAccess: false`), to
   * acknowledge `Imdsv2-HopLimit` on it; undefined for the container default.
   */
  readonly hopLimitReason?: string;
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
  const access = containerImdsAccessOf(path, input.containerImdsAccess, 'podImdsAccess', input.podImdsAccess);
  const switchName = input.containerImdsAccess === undefined && input.podImdsAccess !== undefined ? 'podImdsAccess' : 'containerImdsAccess';
  const spec = input.launchTemplateSpec;
  if (spec !== undefined) return checkOwnLaunchTemplate(path, input, spec, access, switchName);

  let blockDevices: BlockDevice[] | undefined;
  if (input.diskSize !== undefined) {
    const size = input.diskSize;
    if (!Token.isUnresolved(size) && (!Number.isInteger(size) || size < 1)) {
      throw new Error(`${path}: diskSize is ${size}, expected a whole number of GiB, 1 or more`);
    }
    // EKS refuses diskSize on a node group with a launch template: it goes into the
    // template's block device mapping of the volume EKS sizes for the AMI type (the root
    // volume, or Bottlerocket's data volume), as the aspect moves an L1's DiskSize.
    const deviceName = diskSizeDevice(input.amiType);
    if (deviceName === undefined) {
      throw new Error(`${path}: diskSize is ${size} with amiType ${input.amiType}, expected unset: the root device of a custom AMI `
        + 'is not known here; bring your own launch template in launchTemplateSpec, with the AMI and a block device mapping of its root device');
    }
    blockDevices = [{
      deviceName,
      // gp3 and deleted with the node: what the aspect writes (MOVED_DISK_VOLUME_TYPE says why gp3).
      volume: BlockDeviceVolume.ebs(size, { volumeType: EbsDeviceVolumeType.GP3, deleteOnTermination: true }),
    }];
  }
  const podsReachImds = access !== false;
  return {
    // hop limit 2 is what the aspect gives node group templates: nothing to acknowledge
    launchTemplateProps: asContainerDefault({ containerImdsAccess: podsReachImds, blockDevices }),
    warnings: [],
    hopLimitReason: podsReachImds ? undefined : `hop limit chosen in code: ${switchName}: false (hop limit 1, pods blocked from IMDS)`,
  };
}

function checkOwnLaunchTemplate(path: string, input: NodegroupInput, spec: { readonly id: string },
  access: boolean | undefined, switchName: string): NodegroupPlan {
  if (access !== undefined) {
    throw new Error(`${path}: ${switchName} is ${access} together with launchTemplateSpec, expected unset: `
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

/** The node group options with the launch template settings moved out, and the spec set. */
type WithTemplate<T> = Omit<T, 'containerImdsAccess' | 'podImdsAccess'>;

/**
 * `nodegroupOptions` of both node group classes: make the launch template at `scope`/`id`
 * (unless the options bring one, which is checked) and return the options that use it.
 */
export function nodegroupOptionsWithTemplate<T extends NodegroupInput>(scope: Construct, id: string, options: T): WithTemplate<T> {
  const plan = planNodegroup(pathOf(scope, id), options);
  const { containerImdsAccess, podImdsAccess, ...nodegroupOptions } = options;
  for (const warning of plan.warnings) Annotations.of(scope).addWarningV2(Imdsv2RuleId.UNVERIFIABLE, warning);
  if (plan.launchTemplateProps === undefined) return nodegroupOptions;
  const launchTemplate = makeLaunchTemplate(scope, id, plan);
  return {
    ...nodegroupOptions,
    diskSize: undefined,
    launchTemplateSpec: { id: launchTemplate.launchTemplateId!, version: launchTemplate.versionNumber },
  };
}

/**
 * The constructor side of both node group classes. The node group's props are needed
 * before `super()`, and the template is made after it as the node group's child
 * (`LaunchTemplate`), so the spec is lazy until `attachTo` has made the template.
 */
export class NodegroupTemplatePlan<T extends NodegroupInput> {
  /** The props to hand to the node group's `super()`. */
  public readonly nodegroupProps: WithTemplate<T>;
  private readonly plan: NodegroupPlan;
  private made?: Imdsv2LaunchTemplate;

  constructor(scope: Construct, id: string, props: T) {
    this.plan = planNodegroup(pathOf(scope, id), props);
    const { containerImdsAccess, podImdsAccess, ...nodegroupProps } = props;
    this.nodegroupProps = this.plan.launchTemplateProps === undefined ? nodegroupProps : {
      ...nodegroupProps,
      diskSize: undefined,
      launchTemplateSpec: {
        id: Lazy.string({ produce: () => this.made?.launchTemplateId }),
        version: Lazy.string({ produce: () => this.made?.versionNumber }),
      },
    };
  }

  /** Add the warnings to the node group and make its launch template, if it needs one. */
  public attachTo(nodegroup: Construct): Imdsv2LaunchTemplate | undefined {
    for (const warning of this.plan.warnings) Annotations.of(nodegroup).addWarningV2(Imdsv2RuleId.UNVERIFIABLE, warning);
    if (this.plan.launchTemplateProps === undefined) return undefined;
    this.made = makeLaunchTemplate(nodegroup, 'LaunchTemplate', this.plan);
    return this.made;
  }
}

function makeLaunchTemplate(scope: Construct, id: string, plan: NodegroupPlan): Imdsv2LaunchTemplate {
  const launchTemplate = new Imdsv2LaunchTemplate(scope, id, plan.launchTemplateProps);
  if (plan.hopLimitReason !== undefined) acknowledgeChosenHopLimit(launchTemplate, plan.hopLimitReason);
  return launchTemplate;
}
