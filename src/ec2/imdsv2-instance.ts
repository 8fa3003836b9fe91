import { Token, isResolvableObject } from 'aws-cdk-lib';
import { HttpTokens, Instance, InstanceProps } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { acknowledgeChosenHopLimit, assertTokensNotOptional, chosenHopLimitReason, hopLimitFor, pathOf, show } from './metadata-options';

/**
 * Properties of `Imdsv2Instance`: those of `ec2.Instance`, plus a switch for container hosts.
 *
 * `httpTokens` may only be left unset or set to `HttpTokens.REQUIRED`;
 * `httpPutResponseHopLimit` defaults to 1 (2 with `containerHost`);
 * `requireImdsv2` must not be `true`; `httpEndpoint: false` (no IMDS at all) is allowed.
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
  readonly containerHost?: boolean;
}

/**
 * An `ec2.Instance` that requires IMDSv2 tokens from its first deploy.
 *
 * The settings go into the instance's own `MetadataOptions` (`HttpTokens: required`,
 * `HttpPutResponseHopLimit: 1`, or 2 with `containerHost`). No launch template is made:
 * `ec2.Instance`'s `requireImdsv2: true` attaches one, and attaching a launch template to
 * an instance that already runs replaces it. Changing `MetadataOptions` is an update with
 * no interruption, so an existing `ec2.Instance` can be switched to this class in place.
 *
 * A prop that would re-open IMDSv1 (`httpTokens: HttpTokens.OPTIONAL`) or attach a
 * launch template (`requireImdsv2: true`) is refused with an error.
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
    const rendered = renderInstanceProps(pathOf(scope, id), props);
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
    const reason = chosenHopLimitReason('Imdsv2Instance', props.containerHost === true, props.httpPutResponseHopLimit);
    if (reason !== undefined) acknowledgeChosenHopLimit(this, reason);
  }
}

/** The props handed to `ec2.Instance`: checked, with tokens required and a hop limit. */
function renderInstanceProps(path: string, props: Imdsv2InstanceProps): InstanceProps {
  if (props.requireImdsv2 === true) {
    throw new Error(`${path}: requireImdsv2 is true, expected false or unset: it attaches a launch template `
      + 'to the instance (a replacement of a running instance on deploy); Imdsv2Instance already requires '
      + 'tokens through the instance\'s own MetadataOptions');
  }
  assertTokensNotOptional(path, props.httpTokens);
  const { containerHost, requireImdsv2, ...instanceProps } = props;
  return {
    ...instanceProps,
    httpTokens: HttpTokens.REQUIRED,
    httpPutResponseHopLimit: hopLimitFor(path, props.httpPutResponseHopLimit, containerHost === true, 'containerHost'),
  };
}
