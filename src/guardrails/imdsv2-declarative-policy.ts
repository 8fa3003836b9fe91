import { CfnTag } from 'aws-cdk-lib';
import * as organizations from 'aws-cdk-lib/aws-organizations';
import { Construct } from 'constructs';
import {
  InstanceMetadataDefaultsEndpoint,
  InstanceMetadataDefaultsEnforcement,
  InstanceMetadataDefaultsTags,
} from './instance-metadata-defaults-options';
import { DECLARATIVE_POLICY_MAX_CHARACTERS, assertHopLimit, assertLiteral, assertWithinQuota, describe, measure } from './private/policy-document';

/** The default hop limit: 2, what AWS recommends with tokens required. */
const DEFAULT_HOP_LIMIT = 2;

/**
 * The instance metadata defaults that `Imdsv2DeclarativePolicy` pins, also accepted by
 * `Imdsv2DeclarativePolicy.renderDocument()`. `http_tokens` is always `required`.
 */
export interface Imdsv2DeclarativePolicyOptions {
  /**
   * The hop limit new instances get by default, 1 to 64.
   *
   * @default 2
   */
  readonly httpPutResponseHopLimit?: number;

  /**
   * Whether new instances get an instance metadata endpoint.
   *
   * @default InstanceMetadataDefaultsEndpoint.NO_PREFERENCE
   */
  readonly httpEndpoint?: InstanceMetadataDefaultsEndpoint;

  /**
   * Whether new instances can read their tags from instance metadata.
   *
   * @default InstanceMetadataDefaultsTags.NO_PREFERENCE
   */
  readonly instanceMetadataTags?: InstanceMetadataDefaultsTags;

  /**
   * Whether accounts refuse to launch instances with IMDSv1 on, or to turn it back on
   * (`http_tokens_enforced`).
   *
   * @default - not in the policy: each account keeps its own setting
   */
  readonly httpTokensEnforced?: InstanceMetadataDefaultsEnforcement;

  /**
   * The message a principal sees when an action fails because of this policy, such as a
   * link to the team's IMDSv2 migration guide (`exception_message`).
   *
   * @default - the service's own message
   */
  readonly exceptionMessage?: string;
}

/** Properties of `Imdsv2DeclarativePolicy`. */
export interface Imdsv2DeclarativePolicyProps extends Imdsv2DeclarativePolicyOptions {
  /**
   * The name of the policy in AWS Organizations.
   *
   * @default 'imdsv2-instance-metadata-defaults'
   */
  readonly policyName?: string;

  /**
   * The description of the policy in AWS Organizations.
   *
   * @default - a sentence saying what the policy pins
   */
  readonly description?: string;

  /**
   * The roots, organizational units or accounts to attach the policy to.
   *
   * @default - the policy is created but not attached
   */
  readonly targetIds?: string[];

  /**
   * Tags for the policy.
   *
   * @default - no tags
   */
  readonly tags?: CfnTag[];
}

/**
 * An EC2 declarative policy (`AWS::Organizations::Policy`, `DECLARATIVE_POLICY_EC2`) that
 * pins the instance metadata defaults (`instance_metadata_defaults`) of every account and
 * region it is attached to: `http_tokens` `required`, the hop limit, the endpoint and
 * tags settings and, when asked, `http_tokens_enforced`.
 *
 * Unlike `InstanceMetadataDefaults` (one account, one region), the declarative policy
 * covers every region and every account of its targets, also those created later, and an
 * account cannot change the defaults it pins. Like them, they are defaults: an instance
 * launched with `HttpTokens: optional` still gets IMDSv1, unless `httpTokensEnforced` is
 * `ENABLED` (or an `Imdsv2ServiceControlPolicy` denies the launch).
 *
 * Declarative policies must be enabled in the organisation first
 * (`aws organizations enable-policy-type --policy-type DECLARATIVE_POLICY_EC2`). The
 * document is also available as text, `Imdsv2DeclarativePolicy.renderDocument()`, and is
 * checked against the Organizations quota of 10,000 characters, counted without whitespace.
 *
 * @see https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_declarative_syntax.html
 *
 * @example
 * import { Imdsv2DeclarativePolicy } from 'cdk-imdsv2';
 *
 * new Imdsv2DeclarativePolicy(this, 'ImdsDefaults', {
 *   targetIds: ['r-abcd'],
 *   exceptionMessage: 'IMDSv2 is required: see https://wiki.example.com/imdsv2',
 * });
 */
export class Imdsv2DeclarativePolicy extends Construct {
  /**
   * The policy document as minified JSON text, what the construct sends to AWS Organizations.
   *
   * @param options the defaults to pin (the same options as the construct's props)
   * @returns the document, without whitespace
   */
  public static renderDocument(options: Imdsv2DeclarativePolicyOptions = {}): string {
    return render('Imdsv2DeclarativePolicy', options).text;
  }

  /** The policy document as minified JSON text. */
  public readonly document: string;

  /** The size of the document as AWS Organizations counts it (characters, without whitespace). */
  public readonly documentSize: number;

  /** The `AWS::Organizations::Policy` resource. */
  public readonly policy: organizations.CfnPolicy;

  /** The id of the policy (`p-…`). */
  public readonly policyId: string;

  /** The ARN of the policy. */
  public readonly policyArn: string;

  /**
   * @param scope the scope to create it in
   * @param id its construct id
   * @param props the defaults the policy pins, its name and targets
   */
  constructor(scope: Construct, id: string, props: Imdsv2DeclarativePolicyProps = {}) {
    const rendered = render(describe('Imdsv2DeclarativePolicy', scope.node.path, id), props);
    super(scope, id);
    this.document = rendered.text;
    this.documentSize = rendered.size;
    this.policy = new organizations.CfnPolicy(this, 'Resource', {
      type: 'DECLARATIVE_POLICY_EC2',
      name: props.policyName ?? 'imdsv2-instance-metadata-defaults',
      description: props.description ?? 'Pins the EC2 instance metadata defaults: IMDSv2 tokens required, '
        + `hop limit ${props.httpPutResponseHopLimit ?? DEFAULT_HOP_LIMIT}`,
      // A JSON object, so that CloudFormation drift detection works (see Imdsv2ServiceControlPolicy).
      content: JSON.parse(rendered.text),
      targetIds: props.targetIds,
      tags: props.tags,
    });
    this.policyId = this.policy.attrId;
    this.policyArn = this.policy.attrArn;
  }
}

/** The declarative policy's spelling of an EC2 API value (`no-preference` → `no_preference`). */
function policyValue(apiValue: string): string {
  return apiValue.replace(/-/g, '_');
}

function render(who: string, options: Imdsv2DeclarativePolicyOptions): { text: string; size: number } {
  const hopLimit = options.httpPutResponseHopLimit ?? DEFAULT_HOP_LIMIT;
  assertLiteral(who, 'httpPutResponseHopLimit', hopLimit);
  assertHopLimit(who, 'httpPutResponseHopLimit', hopLimit);
  if (options.exceptionMessage !== undefined) {
    assertLiteral(who, 'exceptionMessage', options.exceptionMessage);
    if (options.exceptionMessage.trim() === '') {
      throw new Error(`${who}: exceptionMessage is empty, expected a message or unset`);
    }
  }

  const defaults: Record<string, unknown> = {
    http_tokens: { '@@assign': 'required' },
    http_put_response_hop_limit: { '@@assign': String(hopLimit) },
    http_endpoint: { '@@assign': policyValue(options.httpEndpoint ?? InstanceMetadataDefaultsEndpoint.NO_PREFERENCE) },
    instance_metadata_tags: { '@@assign': policyValue(options.instanceMetadataTags ?? InstanceMetadataDefaultsTags.NO_PREFERENCE) },
  };
  if (options.httpTokensEnforced !== undefined) {
    defaults.http_tokens_enforced = { '@@assign': policyValue(options.httpTokensEnforced) };
  }
  const attributes: Record<string, unknown> = { instance_metadata_defaults: defaults };
  if (options.exceptionMessage !== undefined) {
    attributes.exception_message = { '@@assign': options.exceptionMessage };
  }
  const measured = measure({ ec2_attributes: attributes });
  assertWithinQuota(who, 'declarative policy', measured.size, DECLARATIVE_POLICY_MAX_CHARACTERS,
    'shorten exceptionMessage');
  return measured;
}
