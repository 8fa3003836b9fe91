import { CfnTag } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as organizations from 'aws-cdk-lib/aws-organizations';
import { Construct } from 'constructs';
import { RCP_MAX_CHARACTERS, SCP_MAX_CHARACTERS, assertPrincipalArns, assertWithinQuota, describe, measure } from './private/policy-document';

/**
 * The role EC2 itself uses, with the instance's credentials context, to reach KMS for
 * encrypted volumes, AMIs and snapshots: AWS's examples exempt it, or instances with
 * encrypted volumes fail to launch or to mount them.
 */
const EC2_INFRASTRUCTURE_ROLE = 'arn:*:iam::*:role/aws:ec2-infrastructure';

/**
 * What an RCP covers by default: the services RCPs first supported. An RCP applies only to
 * services that support RCPs, so `Action: "*"` would promise more than it does.
 */
const DEFAULT_RCP_ACTIONS = ['s3:*', 'sqs:*', 'kms:*', 'secretsmanager:*', 'sts:AssumeRole'];

/** What `Imdsv2CredentialGuard` denies: the options of its statements and documents. */
export interface Imdsv2CredentialGuardOptions {
  /**
   * Roles whose instance credentials may still be used anywhere, as ARN patterns
   * (`aws:PrincipalArn`, wildcards allowed), for example
   * `arn:aws:iam::*:role/LegacyBatchHost`.
   *
   * `arn:*:iam::*:role/aws:ec2-infrastructure` (EC2 reaching KMS for encrypted volumes)
   * is always exempt.
   *
   * @default - no role is exempt
   */
  readonly breakGlassPrincipalArns?: string[];

  /**
   * Whether instance credentials must also be used from the instance's own primary private
   * IPv4 address (`aws:EC2InstanceSourcePrivateIPv4` against `aws:VpcSourceIp`), not only
   * from its VPC.
   *
   * Turn it off for instances that call AWS from another address: secondary IPs or
   * network interfaces, containers with their own ENI (awsvpc mode, VPC CNI pods), or a
   * proxy in the same VPC.
   *
   * @default true
   */
  readonly requireSameAddress?: boolean;

  /**
   * Whether to deny calls signed with instance credentials that do not come through a VPC
   * endpoint at all.
   *
   * `aws:SourceVpc` and `aws:VpcSourceIp` are only in the request when it comes through a
   * VPC endpoint. Without them the two comparisons above cannot be made, and AWS
   * documents that a statement with a variable it cannot resolve may not apply: credentials
   * copied off the instance and used over the internet are then NOT denied. This statement
   * closes that gap, but only fits where every AWS API the instances call is reached
   * through VPC endpoints: a call through a NAT or internet gateway is denied.
   *
   * @default false
   */
  readonly requireVpcEndpoints?: boolean;
}

/** What the resource control policy of `Imdsv2CredentialGuard` covers. */
export interface Imdsv2CredentialGuardResourceOptions extends Imdsv2CredentialGuardOptions {
  /**
   * The actions of the resource control policy. RCPs apply only to the services that
   * support them (Amazon S3, AWS STS, AWS KMS, Amazon SQS and AWS Secrets Manager at their
   * launch; see the AWS Organizations user guide for the current list); an action of
   * another service is refused by AWS Organizations.
   *
   * @default ['s3:*', 'sqs:*', 'kms:*', 'secretsmanager:*', 'sts:AssumeRole']
   */
  readonly actions?: string[];
}

/** Properties of `Imdsv2CredentialGuard`. */
export interface Imdsv2CredentialGuardProps extends Imdsv2CredentialGuardOptions {
  /**
   * The name of the service control policy.
   *
   * @default 'imdsv2-instance-credentials-stay-home'
   */
  readonly policyName?: string;

  /**
   * The roots, organizational units or accounts to attach the policies to (`r-…`, `ou-…`, or a 12-digit account id).
   *
   * @default - the policies are created but not attached
   */
  readonly targetIds?: string[];

  /**
   * Whether to add a resource control policy with the same conditions, so that the
   * organisation's resources also refuse instance credentials used elsewhere, whichever
   * account the instance belongs to.
   *
   * Resource control policies must be enabled in the organisation first.
   *
   * @default false
   */
  readonly resourceControlPolicy?: boolean;

  /**
   * The actions of the resource control policy.
   *
   * @default ['s3:*', 'sqs:*', 'kms:*', 'secretsmanager:*', 'sts:AssumeRole']
   */
  readonly resourceControlPolicyActions?: string[];

  /**
   * The name of the resource control policy.
   *
   * @default 'imdsv2-instance-credentials-stay-home-resources'
   */
  readonly resourceControlPolicyName?: string;

  /**
   * Tags for the policies.
   *
   * @default - no tags
   */
  readonly tags?: CfnTag[];
}

/**
 * Makes stolen EC2 instance credentials useless away from their instance: a service
 * control policy (and optionally a resource control policy) that denies every call
 * signed with instance-role credentials unless it comes from the VPC, and the private
 * address, the credentials were delivered to.
 *
 * It is AWS's documented pattern: `aws:EC2InstanceSourceVPC` compared with
 * `aws:SourceVpc`, and `aws:EC2InstanceSourcePrivateIPv4` with `aws:VpcSourceIp`, for
 * requests carrying `ec2:SourceInstanceARN` (instance credentials), except calls an AWS
 * service makes on the caller's behalf (`aws:ViaAWSService`), EC2's own
 * `aws:ec2-infrastructure` role, and the break-glass roles.
 *
 * The comparison is only possible for calls that come through a VPC endpoint (the only
 * calls with `aws:SourceVpc`); see `requireVpcEndpoints` for the rest.
 *
 * The statements are also available on their own, `Imdsv2CredentialGuard.statements()`,
 * to merge into a policy of your own (an SCP, or a role's permissions boundary), and both
 * documents as text. Each document is checked against the AWS Organizations quota of
 * 5,120 characters.
 *
 * @see https://aws.amazon.com/blogs/security/how-to-use-policies-to-restrict-where-ec2-instance-credentials-can-be-used-from/
 *
 * @example
 * import { Imdsv2CredentialGuard } from 'cdk-imdsv2';
 *
 * new Imdsv2CredentialGuard(this, 'CredentialGuard', {
 *   targetIds: ['ou-abcd-12345678'],
 *   breakGlassPrincipalArns: ['arn:aws:iam::*:role/LegacyBatchHost'],
 * });
 */
export class Imdsv2CredentialGuard extends Construct {
  /**
   * The deny statements for a policy of the caller's side: a service control policy, a
   * permissions boundary or an identity policy.
   *
   * @param options the exemptions and which comparisons to make
   * @returns new statements, one per comparison
   */
  public static statements(options: Imdsv2CredentialGuardOptions = {}): iam.PolicyStatement[] {
    return build('Imdsv2CredentialGuard', options, false, undefined);
  }

  /**
   * The deny statements for a policy of the resource's side (`Principal: "*"`): a
   * resource control policy, or a bucket, key, queue or secret policy.
   *
   * @param options the exemptions, the comparisons and the actions
   * @returns new statements, one per comparison
   */
  public static resourceStatements(options: Imdsv2CredentialGuardResourceOptions = {}): iam.PolicyStatement[] {
    return build('Imdsv2CredentialGuard', options, true, options.actions ?? DEFAULT_RCP_ACTIONS);
  }

  /**
   * The service control policy as minified JSON text, checked against the quota.
   *
   * @param options the exemptions and which comparisons to make
   */
  public static renderServiceControlPolicy(options: Imdsv2CredentialGuardOptions = {}): string {
    return renderScp('Imdsv2CredentialGuard', options).text;
  }

  /**
   * The resource control policy as minified JSON text, checked against the quota.
   *
   * @param options the exemptions, the comparisons and the actions
   */
  public static renderResourceControlPolicy(options: Imdsv2CredentialGuardResourceOptions = {}): string {
    return renderRcp('Imdsv2CredentialGuard', options).text;
  }

  /** The `AWS::Organizations::Policy` of type `SERVICE_CONTROL_POLICY`. */
  public readonly serviceControlPolicy: organizations.CfnPolicy;

  /** The service control policy as minified JSON text. */
  public readonly serviceControlPolicyDocument: string;

  /** The `AWS::Organizations::Policy` of type `RESOURCE_CONTROL_POLICY`, when `resourceControlPolicy` is true. */
  public readonly resourceControlPolicy?: organizations.CfnPolicy;

  /** The resource control policy as minified JSON text, when `resourceControlPolicy` is true. */
  public readonly resourceControlPolicyDocument?: string;

  /**
   * @param scope the scope to create it in
   * @param id its construct id
   * @param props the exemptions, the comparisons, names and targets
   */
  constructor(scope: Construct, id: string, props: Imdsv2CredentialGuardProps = {}) {
    const who = describe('Imdsv2CredentialGuard', scope.node.path, id);
    const scp = renderScp(who, props);
    const rcp = props.resourceControlPolicy
      ? renderRcp(who, { ...props, actions: props.resourceControlPolicyActions })
      : undefined;
    if (!props.resourceControlPolicy && props.resourceControlPolicyActions !== undefined) {
      throw new Error(`${who}: resourceControlPolicyActions is set but resourceControlPolicy is not true, expected both`);
    }
    super(scope, id);
    const what = 'calls signed with EC2 instance credentials from outside the VPC'
      + (props.requireSameAddress ?? true ? ' and private address' : '') + ' they were delivered to';
    this.serviceControlPolicyDocument = scp.text;
    this.serviceControlPolicy = new organizations.CfnPolicy(this, 'ServiceControlPolicy', {
      type: 'SERVICE_CONTROL_POLICY',
      name: props.policyName ?? 'imdsv2-instance-credentials-stay-home',
      description: `Denies ${what}`,
      // A JSON object, so that drift detection works; its minified text is what was counted.
      content: JSON.parse(scp.text),
      targetIds: props.targetIds,
      tags: props.tags,
    });
    if (rcp) {
      this.resourceControlPolicyDocument = rcp.text;
      this.resourceControlPolicy = new organizations.CfnPolicy(this, 'ResourceControlPolicy', {
        type: 'RESOURCE_CONTROL_POLICY',
        name: props.resourceControlPolicyName ?? 'imdsv2-instance-credentials-stay-home-resources',
        description: `Resources refuse ${what}`,
        content: JSON.parse(rcp.text),
        targetIds: props.targetIds,
        tags: props.tags,
      });
    }
  }
}

function renderScp(who: string, options: Imdsv2CredentialGuardOptions): { text: string; size: number } {
  const statements = build(who, options, false, undefined);
  const measured = measure(new iam.PolicyDocument({ statements }).toJSON());
  assertWithinQuota(who, 'service control policy', measured.size, SCP_MAX_CHARACTERS,
    'name fewer break-glass principals, or match several with one wildcard ARN');
  return measured;
}

function renderRcp(who: string, options: Imdsv2CredentialGuardResourceOptions): { text: string; size: number } {
  const statements = build(who, options, true, options.actions ?? DEFAULT_RCP_ACTIONS);
  const measured = measure(new iam.PolicyDocument({ statements }).toJSON());
  assertWithinQuota(who, 'resource control policy', measured.size, RCP_MAX_CHARACTERS,
    'name fewer break-glass principals or actions, or match several with one wildcard');
  return measured;
}

/**
 * One deny statement per comparison. Each applies to instance credentials only (`Null`
 * `ec2:SourceInstanceARN` false), not to calls AWS services make on the caller's behalf
 * (`BoolIfExists aws:ViaAWSService false`), nor to the exempt roles (`ArnNotLike
 * aws:PrincipalArn`).
 */
function build(who: string, options: Imdsv2CredentialGuardOptions, resourceSide: boolean,
  actions: string[] | undefined): iam.PolicyStatement[] {
  const breakGlass = options.breakGlassPrincipalArns ?? [];
  assertPrincipalArns(who, 'breakGlassPrincipalArns', breakGlass);
  if (actions !== undefined) checkActions(who, actions);
  const exempt = [EC2_INFRASTRUCTURE_ROLE, ...breakGlass.filter(arn => arn !== EC2_INFRASTRUCTURE_ROLE)];
  const statement = (sid: string, comparison: Record<string, Record<string, unknown>>) => new iam.PolicyStatement({
    sid,
    effect: iam.Effect.DENY,
    ...(resourceSide ? { principals: [new iam.StarPrincipal()], actions } : { actions: ['*'] }),
    resources: ['*'],
    conditions: {
      ...comparison,
      Null: { ...comparison.Null, 'ec2:SourceInstanceARN': 'false' },
      BoolIfExists: { 'aws:ViaAWSService': 'false' },
      ArnNotLike: { 'aws:PrincipalArn': exempt },
    },
  });
  const statements = [
    statement('DenyInstanceCredentialsOutsideTheirVpc',
      { StringNotEquals: { 'aws:EC2InstanceSourceVPC': '${aws:SourceVpc}' } }),
  ];
  if (options.requireSameAddress ?? true) {
    statements.push(statement('DenyInstanceCredentialsOutsideTheirAddress',
      { StringNotEquals: { 'aws:EC2InstanceSourcePrivateIPv4': '${aws:VpcSourceIp}' } }));
  }
  if (options.requireVpcEndpoints ?? false) {
    statements.push(statement('DenyInstanceCredentialsOutsideVpcEndpoints', { Null: { 'aws:SourceVpc': 'true' } }));
  }
  return statements;
}

function checkActions(who: string, actions: string[]): void {
  if (actions.length === 0) throw new Error(`${who}: the resource control policy has no actions, expected at least one`);
  actions.forEach((action, i) => {
    if (!/^[a-z0-9-]+:[A-Za-z0-9*?]+$/.test(action)) {
      throw new Error(`${who}: resource control policy action ${i} is "${action}", expected a service action such as "s3:*"`);
    }
  });
}
