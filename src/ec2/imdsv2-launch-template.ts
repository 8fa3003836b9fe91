import { isResolvableObject } from 'aws-cdk-lib';
import { CfnLaunchTemplate, LaunchTemplate, LaunchTemplateHttpTokens, LaunchTemplateProps } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import {
  acknowledgeChosenHopLimit, assertRequireImdsv2NotFalse, assertTokensNotOptional, chosenHopLimitReason, containerImdsAccessOf,
  hopLimitFor, isContainerDefault, pathOf, show,
} from './metadata-options';

/**
 * Properties of `Imdsv2LaunchTemplate`: those of `ec2.LaunchTemplate`, plus a switch for container hosts.
 *
 * `httpTokens` may only be left unset or set to `LaunchTemplateHttpTokens.REQUIRED`;
 * `httpPutResponseHopLimit` defaults to 1 (2 with `containerImdsAccess`);
 * `requireImdsv2` may be unset or `true` (redundant), not `false`;
 * `httpEndpoint: false` (no IMDS at all) is allowed.
 */
export interface Imdsv2LaunchTemplateProps extends LaunchTemplateProps {
  /**
   * Whether the instances run containers (ECS, Docker, Kubernetes pods) that need to reach IMDS.
   *
   * A container is one network hop further from IMDS than the host, so it needs a hop
   * limit of 2. Leave it off to keep the token on the host.
   *
   * A hop limit chosen in code (this switch, or an `httpPutResponseHopLimit` other than 1)
   * is recorded as an acknowledgement of `Imdsv2-HopLimit` on this construct, with the
   * reason, so that `Imdsv2Aspect` neither rejects it nor rewrites it.
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html#imds-considerations
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
}

/**
 * An `ec2.LaunchTemplate` whose instances require IMDSv2 tokens.
 *
 * It renders `MetadataOptions` with `HttpTokens: required` and `HttpPutResponseHopLimit: 1`
 * (2 with `containerImdsAccess`), keeping every other option you pass. A prop that would
 * re-open IMDSv1 (`httpTokens: LaunchTemplateHttpTokens.OPTIONAL`, `requireImdsv2: false`)
 * is refused with an error; `requireImdsv2: true` is accepted and redundant (aws-cdk-lib's
 * own aspect for it is not added).
 *
 * Changing an existing template makes a new version; consumers that follow the latest
 * version pick it up (an `AWS::EC2::Instance` that follows it is replaced).
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ec2-launchtemplate-launchtemplatedata-metadataoptions.html
 *
 * @example
 * import { Imdsv2LaunchTemplate } from 'cdk-imdsv2';
 *
 * new Imdsv2LaunchTemplate(this, 'Workers', {
 *   machineImage: ec2.MachineImage.latestAmazonLinux2023(),
 *   instanceType: ec2.InstanceType.of(ec2.InstanceClass.M7G, ec2.InstanceSize.LARGE),
 *   containerImdsAccess: true,
 * });
 */
export class Imdsv2LaunchTemplate extends LaunchTemplate {
  /**
   * @param scope the parent construct
   * @param id the construct id, unique among its siblings
   * @param props those of `ec2.LaunchTemplate`, checked so that IMDSv1 stays closed
   */
  constructor(scope: Construct, id: string, props: Imdsv2LaunchTemplateProps = {}) {
    const { rendered, containerImdsAccess } = renderLaunchTemplateProps(pathOf(scope, id), props);
    super(scope, id, rendered);

    // A property injector registered for ec2.LaunchTemplate runs inside super() on the
    // props rendered above; refuse if it re-opened IMDSv1.
    const cfn = this.node.defaultChild as CfnLaunchTemplate;
    const data = cfn.launchTemplateData;
    const options = isResolvableObject(data) ? undefined : data.metadataOptions;
    if (options !== undefined && !isResolvableObject(options) && options.httpTokens !== 'required') {
      throw new Error(`${this.node.path}: httpTokens is ${show(options.httpTokens)} after property injection, `
        + 'expected "required": a property injector for ec2.LaunchTemplate changed it');
    }
    const reason = chosenHopLimitReason('Imdsv2LaunchTemplate', containerImdsAccess, props.httpPutResponseHopLimit);
    if (reason !== undefined && !isContainerDefault(props)) acknowledgeChosenHopLimit(this, reason);
  }
}

/** The props handed to `ec2.LaunchTemplate`: checked, with tokens required and a hop limit. */
function renderLaunchTemplateProps(path: string, props: Imdsv2LaunchTemplateProps): { rendered: LaunchTemplateProps; containerImdsAccess: boolean } {
  assertRequireImdsv2NotFalse(path, 'Imdsv2LaunchTemplate', props.requireImdsv2);
  assertTokensNotOptional(path, props.httpTokens);
  const access = containerImdsAccessOf(path, props.containerImdsAccess, 'containerHost', props.containerHost) === true;
  const switchName = props.containerImdsAccess === undefined && props.containerHost !== undefined ? 'containerHost' : 'containerImdsAccess';
  // requireImdsv2 is not handed on: the template requires tokens already, and aws-cdk-lib's
  // aspect for it would only write the same value later.
  const { containerImdsAccess, containerHost, requireImdsv2, ...launchTemplateProps } = props;
  return {
    rendered: {
      ...launchTemplateProps,
      httpTokens: LaunchTemplateHttpTokens.REQUIRED,
      httpPutResponseHopLimit: hopLimitFor(path, props.httpPutResponseHopLimit, access, switchName),
    },
    containerImdsAccess: access,
  };
}
