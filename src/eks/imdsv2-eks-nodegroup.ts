import { ILaunchTemplate } from 'aws-cdk-lib/aws-ec2';
import { ICluster, Nodegroup, NodegroupOptions } from 'aws-cdk-lib/aws-eks';
import { Construct } from 'constructs';
import { NodegroupTemplatePlan, nodegroupOptionsWithTemplate } from './nodegroup-launch-template';

/**
 * Options of `Imdsv2EksNodegroup` (an `aws-eks` managed node group), for `cluster.addNodegroupCapacity`
 * through `Imdsv2EksNodegroup.nodegroupOptions`.
 *
 * Without `launchTemplateSpec`, the node group gets a launch template of its own that
 * requires tokens; `diskSize` moves into it (EKS refuses both on the node group) and
 * `remoteAccess` is refused. With `launchTemplateSpec`, that template is checked instead.
 */
export interface Imdsv2EksNodegroupOptions extends NodegroupOptions {
  /**
   * Whether containers (pods) can reach IMDS, and so the node role's credentials.
   *
   * `true` gives the launch template a hop limit of 2: a pod is one network hop further
   * from IMDS than the node. `false` gives 1, which blocks pods from IMDS: the EKS best
   * practice when pods get their credentials from IRSA or EKS Pod Identity. Only for the
   * launch template the node group makes: not allowed with `launchTemplateSpec`.
   *
   * `false` is recorded as an acknowledgement of `Imdsv2-HopLimit` on the launch template,
   * with the reason, so that `Imdsv2Aspect` (which gives container hosts 2) neither rejects
   * it nor rewrites it.
   *
   * The same switch as on `Imdsv2Instance`, `Imdsv2LaunchTemplate` and
   * `Imdsv2AutoScalingGroup`; only its default differs, since every EKS node runs pods.
   *
   * @see https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html#_restrict_access_to_the_instance_profile_assigned_to_the_worker_node
   * @default true
   */
  readonly containerImdsAccess?: boolean;

  /**
   * Whether pods can reach IMDS.
   *
   * Giving it together with `containerImdsAccess` and a different value is an error.
   *
   * @deprecated use `containerImdsAccess` (same meaning, same default here), the one name every construct of this library has for it
   * @default true
   */
  readonly podImdsAccess?: boolean;
}

/**
 * Properties of `Imdsv2EksNodegroup`.
 */
export interface Imdsv2EksNodegroupProps extends Imdsv2EksNodegroupOptions {
  /**
   * The cluster the node group joins.
   */
  readonly cluster: ICluster;
}

/**
 * An `aws-eks` managed node group whose nodes require IMDSv2 tokens.
 *
 * It makes its own launch template (`Imdsv2LaunchTemplate`, child `LaunchTemplate`) with
 * `HttpTokens: required` and a hop limit of 2, or 1 with `containerImdsAccess: false`. The
 * template follows EKS's rules: no instance profile, no subnet, no AMI (EKS picks it and
 * merges its bootstrap user data), instance types on the node group only. `diskSize`
 * moves into the template's block device mapping; `remoteAccess` is refused.
 *
 * With `launchTemplateSpec`, no template is made: the one given is checked instead.
 *
 * A node group created without a launch template cannot be given one in place: switching
 * an existing `eks.Nodegroup` to this class fails on deploy. Add a new node group (new id),
 * move the workloads, then remove the old one.
 *
 * @example
 * import * as eks from 'aws-cdk-lib/aws-eks';
 * import { Imdsv2EksNodegroup } from 'cdk-imdsv2';
 *
 * declare const cluster: eks.Cluster;
 *
 * new Imdsv2EksNodegroup(this, 'Workers', {
 *   cluster,
 *   instanceTypes: [new ec2.InstanceType('m7i.large')],
 *   containerImdsAccess: false,
 * });
 */
export class Imdsv2EksNodegroup extends Nodegroup {
  /**
   * Node group options for `cluster.addNodegroupCapacity` whose launch template requires tokens.
   *
   * Makes the launch template at `scope`/`id` (unless `options.launchTemplateSpec` is
   * given, which is checked instead) and returns the options with `launchTemplateSpec`
   * set and `diskSize` moved into the template.
   *
   * @param scope where to make the launch template
   * @param id the id of the launch template
   * @param options the node group options, as for `cluster.addNodegroupCapacity`
   *
   * @example
   * import * as eks from 'aws-cdk-lib/aws-eks';
   * import { Imdsv2EksNodegroup } from 'cdk-imdsv2';
   *
   * declare const cluster: eks.Cluster;
   *
   * cluster.addNodegroupCapacity('Workers', Imdsv2EksNodegroup.nodegroupOptions(this, 'WorkersTemplate', {
   *   instanceTypes: [new ec2.InstanceType('m7i.large')],
   *   diskSize: 50,
   * }));
   */
  public static nodegroupOptions(scope: Construct, id: string, options: Imdsv2EksNodegroupOptions): NodegroupOptions {
    return nodegroupOptionsWithTemplate(scope, id, options);
  }

  /**
   * The launch template this node group made.
   *
   * @default - none: `launchTemplateSpec` was given
   */
  public readonly launchTemplate?: ILaunchTemplate;

  /**
   * @param scope the parent construct
   * @param id the construct id, unique among its siblings
   * @param props those of `eks.Nodegroup`, plus `containerImdsAccess`
   */
  constructor(scope: Construct, id: string, props: Imdsv2EksNodegroupProps) {
    const plan = new NodegroupTemplatePlan(scope, id, props);
    super(scope, id, plan.nodegroupProps);
    this.launchTemplate = plan.attachTo(this);
  }
}
