import { Annotations, isResolvableObject } from 'aws-cdk-lib';
import { AutoScalingGroup, AutoScalingGroupProps, CfnLaunchConfiguration } from 'aws-cdk-lib/aws-autoscaling';
import { CfnLaunchTemplate, ILaunchTemplate, LaunchTemplate } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import {
  LaunchTemplateImds, acknowledgeChosenHopLimit, assertRequireImdsv2NotFalse, chosenHopLimitReason, containerImdsAccessOf, hopLimitFor,
  inspectLaunchTemplate, openLaunchTemplateMessage, pathOf, unverifiableLaunchTemplateMessage,
} from '../ec2/metadata-options';
import { Imdsv2RuleId } from '../engine/rule-id';

/**
 * Properties of `Imdsv2AutoScalingGroup`: those of `autoscaling.AutoScalingGroup`, plus the hop limit.
 *
 * With `instanceType` and `machineImage`, the group's own launch template (or launch
 * configuration) requires tokens. With `launchTemplate` or `mixedInstancesPolicy`, every
 * launch template given is checked instead, and must require tokens. `requireImdsv2` may be
 * unset or `true` (redundant: aws-cdk-lib's aspect for it is not added), not `false`.
 */
export interface Imdsv2AutoScalingGroupProps extends AutoScalingGroupProps {
  /**
   * Whether the instances run containers (ECS tasks, Docker, self-managed Kubernetes nodes) that need to reach IMDS.
   *
   * A container is one network hop further from IMDS than the host, so it needs a hop
   * limit of 2. Only for the launch template or launch configuration the group makes
   * itself: with `launchTemplate` or `mixedInstancesPolicy`, set it on the template
   * (`Imdsv2LaunchTemplate`).
   *
   * A hop limit chosen in code (this switch, or an `httpPutResponseHopLimit` other than 1)
   * is recorded as an acknowledgement of `Imdsv2-HopLimit` on this construct, with the
   * reason, so that `Imdsv2Aspect` neither rejects it nor rewrites it.
   *
   * @default false - hop limit 1, unless `httpPutResponseHopLimit` is set
   */
  readonly containerImdsAccess?: boolean;

  /**
   * Whether the instances run containers that need to reach IMDS.
   *
   * Giving it together with `containerImdsAccess` and a different value is an error.
   *
   * @deprecated use `containerImdsAccess`, the one name every construct of this library has for it
   * @default false
   */
  readonly containerHost?: boolean;

  /**
   * The IMDS hop limit of the launch template or launch configuration the group makes itself.
   *
   * Possible values: integers from 1 to 64. Only with `instanceType` and `machineImage`:
   * with `launchTemplate` or `mixedInstancesPolicy`, set it on the template.
   *
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ec2-launchtemplate-launchtemplatedata-metadataoptions.html#cfn-ec2-launchtemplate-launchtemplatedata-metadataoptions-httpputresponsehoplimit
   * @default - 1, or 2 with `containerImdsAccess`
   */
  readonly httpPutResponseHopLimit?: number;
}

/**
 * An `autoscaling.AutoScalingGroup` whose instances require IMDSv2 tokens.
 *
 * - With `instanceType` and `machineImage`, the launch template the group makes (or the
 *   launch configuration, when the `@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig`
 *   feature flag is off) gets `HttpTokens: required` and a hop limit of 1 (2 with
 *   `containerImdsAccess`), at construction: no aspect is involved.
 * - With your own `launchTemplate`, or a `mixedInstancesPolicy`, each launch template is
 *   checked: one that does not require tokens is refused with an error; one whose settings
 *   cannot be read here (imported, or a token) gets an `Imdsv2-Unverifiable` warning.
 *   aws-cdk-lib's `AutoScalingGroupRequireImdsv2Aspect` is never added (it throws a
 *   `TypeError` on a group with its own launch template).
 *
 * @example
 * import { Imdsv2AutoScalingGroup } from 'cdk-imdsv2';
 *
 * declare const vpc: ec2.IVpc;
 *
 * new Imdsv2AutoScalingGroup(this, 'Fleet', {
 *   vpc,
 *   instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
 *   machineImage: ec2.MachineImage.latestAmazonLinux2023(),
 * });
 */
export class Imdsv2AutoScalingGroup extends AutoScalingGroup {
  /**
   * @param scope the parent construct
   * @param id the construct id, unique among its siblings
   * @param props those of `autoscaling.AutoScalingGroup`, checked so that IMDSv1 stays closed
   */
  constructor(scope: Construct, id: string, props: Imdsv2AutoScalingGroupProps) {
    const path = pathOf(scope, id);
    assertRequireImdsv2NotFalse(path, 'Imdsv2AutoScalingGroup', props.requireImdsv2);
    const access = containerImdsAccessOf(path, props.containerImdsAccess, 'containerHost', props.containerHost);
    const switchName = props.containerImdsAccess === undefined && props.containerHost !== undefined ? 'containerHost' : 'containerImdsAccess';
    const given = givenLaunchTemplates(props);
    let hopLimit: number | undefined;
    const unverifiable: string[] = [];
    if (given.length > 0) {
      if (access !== undefined || props.httpPutResponseHopLimit !== undefined) {
        const which = access !== undefined ? switchName : 'httpPutResponseHopLimit';
        throw new Error(`${path}: ${which} is set together with launchTemplate or mixedInstancesPolicy, expected it unset: `
          + 'the group then makes no launch template of its own; set the hop limit on the launch template '
          + '(Imdsv2LaunchTemplate containerImdsAccess or httpPutResponseHopLimit)');
      }
      for (const { what, launchTemplate } of given) {
        const inspection = inspectLaunchTemplate(launchTemplate);
        if (inspection.state === LaunchTemplateImds.OPEN) throw new Error(openLaunchTemplateMessage(path, what, inspection));
        if (inspection.state === LaunchTemplateImds.UNVERIFIABLE) unverifiable.push(unverifiableLaunchTemplateMessage(what, inspection));
      }
    } else {
      hopLimit = hopLimitFor(path, props.httpPutResponseHopLimit, access === true, switchName);
    }

    // requireImdsv2 is not handed on: aws-cdk-lib's aspect for it throws on a group with its own launch template.
    const { containerImdsAccess, containerHost, httpPutResponseHopLimit, requireImdsv2, ...groupProps } = props;
    super(scope, id, groupProps);

    for (const message of unverifiable) Annotations.of(this).addWarningV2(Imdsv2RuleId.UNVERIFIABLE, message);
    if (hopLimit !== undefined) {
      this.requireTokensOnOwnLaunchSettings(hopLimit);
      const reason = chosenHopLimitReason('Imdsv2AutoScalingGroup', access === true, httpPutResponseHopLimit);
      if (reason !== undefined) acknowledgeChosenHopLimit(this, reason);
    }
  }

  /** Close the launch template or launch configuration `super()` made from instanceType/machineImage. */
  private requireTokensOnOwnLaunchSettings(hopLimit: number): void {
    const launchTemplate = this.node.tryFindChild('LaunchTemplate');
    if (launchTemplate instanceof LaunchTemplate) {
      const cfn = launchTemplate.node.defaultChild as CfnLaunchTemplate;
      const data = cfn.launchTemplateData;
      if (isResolvableObject(data) || isResolvableObject(data.metadataOptions)) {
        throw new Error(`${this.node.path}: the launch template data of ${cfn.node.path} is a token, expected an object: `
          + 'cannot require tokens on it');
      }
      cfn.launchTemplateData = {
        ...data,
        metadataOptions: { ...data.metadataOptions, httpTokens: 'required', httpPutResponseHopLimit: hopLimit },
      };
      return;
    }
    const launchConfig = this.node.tryFindChild('LaunchConfig');
    if (launchConfig instanceof CfnLaunchConfiguration) {
      const options = launchConfig.metadataOptions;
      if (isResolvableObject(options)) {
        throw new Error(`${this.node.path}: the metadata options of ${launchConfig.node.path} are a token, expected an object: `
          + 'cannot require tokens on them');
      }
      launchConfig.metadataOptions = { ...options, httpTokens: 'required', httpPutResponseHopLimit: hopLimit };
      return;
    }
    throw new Error(`${this.node.path}: found neither a LaunchTemplate nor a LaunchConfig child, expected one of them: `
      + 'this aws-cdk-lib version builds Auto Scaling groups in a way Imdsv2AutoScalingGroup does not know');
  }
}

interface GivenLaunchTemplate {
  readonly what: string;
  readonly launchTemplate: ILaunchTemplate;
}

/** Every launch template the props hand to the group, with where it was given. */
function givenLaunchTemplates(props: AutoScalingGroupProps): GivenLaunchTemplate[] {
  const given: GivenLaunchTemplate[] = [];
  if (props.launchTemplate) given.push({ what: 'launchTemplate', launchTemplate: props.launchTemplate });
  const mixed = props.mixedInstancesPolicy;
  if (mixed) {
    given.push({ what: 'mixedInstancesPolicy.launchTemplate', launchTemplate: mixed.launchTemplate });
    (mixed.launchTemplateOverrides ?? []).forEach((override, i) => {
      if (override.launchTemplate) {
        given.push({ what: `mixedInstancesPolicy.launchTemplateOverrides[${i}].launchTemplate`, launchTemplate: override.launchTemplate });
      }
    });
  }
  return given;
}
