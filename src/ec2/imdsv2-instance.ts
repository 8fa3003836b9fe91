import { Annotations, Token, isResolvableObject } from 'aws-cdk-lib';
import { HttpTokens, Instance, InstanceProps } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import {
  acknowledgeChosenHopLimit, assertRequireImdsv2NotFalse, assertTokensNotOptional, chosenHopLimitReason, containerImdsAccessOf,
  hopLimitFor, pathOf, show,
} from './metadata-options';

/**
 * Properties of `Imdsv2Instance`: those of `ec2.Instance`, plus a switch for container hosts.
 *
 * `httpTokens` may only be left unset or set to `HttpTokens.REQUIRED`;
 * `httpPutResponseHopLimit` defaults to 1 (2 with `containerImdsAccess`);
 * `requireImdsv2` may be unset or `true` (redundant), not `false`; `httpEndpoint: false`
 * (no IMDS at all) is allowed.
 */
export interface Imdsv2InstanceProps extends InstanceProps {
  /**
   * Whether containers on this instance (Docker on a bridge network, for example) need to reach IMDS.
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
   * Whether containers on this instance need to reach IMDS.
   *
   * Giving it together with `containerImdsAccess` and a different value is an error.
   *
   * @deprecated use `containerImdsAccess`, the one name every construct of this library has for it
   * @default false
   */
  readonly containerHost?: boolean;
}

/**
 * An `ec2.Instance` that requires IMDSv2 tokens from its first deploy.
 *
 * The settings go into the instance's own `MetadataOptions` (`HttpTokens: required`,
 * `HttpPutResponseHopLimit: 1`, or 2 with `containerImdsAccess`). No launch template is
 * made: attaching a launch template to an instance that already runs replaces it.
 * Changing `MetadataOptions` is an update with no interruption, so an existing
 * `ec2.Instance` can be switched to this class in place.
 *
 * `requireImdsv2: true` is accepted and redundant: unlike on `ec2.Instance`, it attaches no
 * launch template. An `ec2.Instance` deployed with `requireImdsv2: true` has one, so
 * switching it to this class drops it and replaces the instance: a warning says so.
 * `requireImdsv2: false`, and `httpTokens: HttpTokens.OPTIONAL`, are refused with an error.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ec2-instance-metadataoptions.html
 *
 * @example
 * import { Imdsv2Instance } from 'cdk-imdsv2';
 *
 * declare const vpc: ec2.IVpc;
 *
 * new Imdsv2Instance(this, 'Web', {
 *   vpc,
 *   instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
 *   machineImage: ec2.MachineImage.latestAmazonLinux2023(),
 * });
 */
export class Imdsv2Instance extends Instance {
  /**
   * @param scope the parent construct
   * @param id the construct id, unique among its siblings
   * @param props those of `ec2.Instance`, checked so that IMDSv1 stays closed
   */
  constructor(scope: Construct, id: string, props: Imdsv2InstanceProps) {
    const { rendered, containerImdsAccess } = renderInstanceProps(pathOf(scope, id), props);
    // ec2.Instance checks the hop limit's range without looking for a token first (a token
    // number is a large negative number): hand it 1 and put the token in afterwards.
    const tokenHopLimit = Token.isUnresolved(rendered.httpPutResponseHopLimit) ? rendered.httpPutResponseHopLimit : undefined;
    super(scope, id, tokenHopLimit === undefined ? rendered : { ...rendered, httpPutResponseHopLimit: 1 });

    // A property injector registered for ec2.Instance runs inside super() on the props
    // rendered above; refuse if it re-opened IMDSv1.
    const options = this.instance.metadataOptions;
    if (options !== undefined && !isResolvableObject(options) && options.httpTokens !== 'required') {
      throw new Error(`${this.node.path}: httpTokens is ${show(options.httpTokens)} after property injection, `
        + 'expected "required": a property injector for ec2.Instance changed it');
    }
    if (tokenHopLimit !== undefined && options !== undefined && !isResolvableObject(options)) {
      this.instance.metadataOptions = { ...options, httpPutResponseHopLimit: tokenHopLimit };
    }
    const reason = chosenHopLimitReason('Imdsv2Instance', containerImdsAccess, props.httpPutResponseHopLimit);
    if (reason !== undefined) acknowledgeChosenHopLimit(this, reason);
    if (props.requireImdsv2 === true) {
      Annotations.of(this).addWarningV2('cdk-imdsv2:requireImdsv2LaunchTemplate', 'requireImdsv2 is true: tokens are '
        + 'required through the instance\'s own MetadataOptions and no launch template is attached. If this instance '
        + 'was deployed as an ec2.Instance with requireImdsv2: true, its launch template goes away and the instance '
        + 'is replaced on deploy; drop requireImdsv2 once that is understood');
    }
  }
}

/** The props handed to `ec2.Instance`: checked, with tokens required and a hop limit. */
function renderInstanceProps(path: string, props: Imdsv2InstanceProps): { rendered: InstanceProps; containerImdsAccess: boolean } {
  assertRequireImdsv2NotFalse(path, 'Imdsv2Instance', props.requireImdsv2);
  assertTokensNotOptional(path, props.httpTokens);
  const access = containerImdsAccessOf(path, props.containerImdsAccess, 'containerHost', props.containerHost) === true;
  const switchName = props.containerImdsAccess === undefined && props.containerHost !== undefined ? 'containerHost' : 'containerImdsAccess';
  // requireImdsv2 is not handed on: on ec2.Instance it attaches a launch template.
  const { containerImdsAccess, containerHost, requireImdsv2, ...instanceProps } = props;
  return {
    rendered: {
      ...instanceProps,
      httpTokens: HttpTokens.REQUIRED,
      httpPutResponseHopLimit: hopLimitFor(path, props.httpPutResponseHopLimit, access, switchName),
    },
    containerImdsAccess: access,
  };
}
