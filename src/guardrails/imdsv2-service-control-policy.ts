import { CfnTag } from 'aws-cdk-lib';
import * as organizations from 'aws-cdk-lib/aws-organizations';
import { Construct } from 'constructs';
import { renamedProp } from '../private/renamed-prop';
import { SCP_MAX_CHARACTERS, assertHopLimit, assertLiteral, assertPrincipalArns, assertWithinQuota, describe, measure } from './private/policy-document';

/** The default largest hop limit a launch may ask for: 2, for containers behind a bridge and pods. */
const DEFAULT_MAX_HOP_LIMIT = 2;

/** Instances in every partition, region and account: where the RunInstances condition keys live. */
const ANY_INSTANCE = 'arn:*:ec2:*:*:instance/*';

/**
 * What `Imdsv2ServiceControlPolicy` denies: the options of its policy document, also
 * accepted by `Imdsv2ServiceControlPolicy.renderDocument()`.
 */
export interface Imdsv2ServiceControlPolicyOptions {
  /**
   * The hop limit containers need, and so the largest one a launch may ask for
   * (`ec2:MetadataHttpPutResponseHopLimit`), 1 to 64.
   *
   * 2 lets containers behind a bridge and pods reach IMDS; overlay networks and
   * Docker-in-Docker need 3. It is `Imdsv2AspectProps.containerHopLimit` at organisation
   * scale: an SCP cannot tell a container host from a plain one, so the ceiling for every
   * launch is what container hosts need (use the same value in both).
   *
   * @default 2
   */
  readonly containerHopLimit?: number;

  /**
   * The largest hop limit a launch may ask for.
   *
   * Giving it together with `containerHopLimit` and a different value is an error.
   *
   * @deprecated use `containerHopLimit`, the name the aspect and the checks have for the same limit
   * @default 2
   */
  readonly maxHopLimit?: number;

  /**
   * The principals still allowed to call `ec2:ModifyInstanceMetadataOptions`, as ARN
   * patterns (`aws:PrincipalArn`, wildcards allowed), for example
   * `arn:aws:iam::*:role/ImdsBreakGlass`.
   *
   * Every other principal is denied the call: nobody else can turn IMDSv1 back on for a
   * running instance, nor change its hop limit. That includes closing IMDSv1 on running
   * instances, so name the role that does the migration here, or migrate first.
   *
   * @default - no principal may call ec2:ModifyInstanceMetadataOptions
   */
  readonly breakGlassPrincipalArns?: string[];

  /**
   * Whether to deny every action made with role credentials that an instance got from
   * IMDSv1 (`ec2:RoleDelivery` below 2.0).
   *
   * It stops stolen IMDSv1 credentials from being used anywhere in the organisation, and
   * it stops any software that still fetches them. Turn it off for a first stage of a
   * rollout, while the `MetadataNoToken` alarms are not yet quiet.
   *
   * @default true
   */
  readonly denyImdsv1Credentials?: boolean;
}

/** Properties of `Imdsv2ServiceControlPolicy`. */
export interface Imdsv2ServiceControlPolicyProps extends Imdsv2ServiceControlPolicyOptions {
  /**
   * The name of the policy in AWS Organizations.
   *
   * @default 'imdsv2-required'
   */
  readonly policyName?: string;

  /**
   * The description of the policy in AWS Organizations.
   *
   * @default - a sentence saying what the policy denies
   */
  readonly description?: string;

  /**
   * The roots, organizational units or accounts to attach the policy to (`r-…`, `ou-…`, or a 12-digit account id).
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
 * A service control policy (`AWS::Organizations::Policy`, `SERVICE_CONTROL_POLICY`) that
 * keeps IMDSv1 out of every account it is attached to.
 *
 * Its document denies:
 * - `ec2:RunInstances` of an instance unless `ec2:MetadataHttpTokens` is `required`;
 * - `ec2:RunInstances` with a hop limit (`ec2:MetadataHttpPutResponseHopLimit`) above `containerHopLimit`;
 * - `ec2:ModifyInstanceMetadataOptions` to everyone but the `breakGlassPrincipalArns`;
 * - any action made with credentials delivered by IMDSv1 (`ec2:RoleDelivery` < 2.0),
 *   unless `denyImdsv1Credentials` is false.
 *
 * The condition keys come from the launch request (and its launch template): a launch
 * that leaves `HttpTokens` out, counting on the AMI or the account default, may carry no
 * `ec2:MetadataHttpTokens` and then be denied, so have every launch ask for tokens
 * explicitly (`Imdsv2Instance` and `Imdsv2LaunchTemplate` do). Service control policies do
 * not apply to the management account nor to service-linked roles (Auto Scaling, EKS
 * managed node groups launch through theirs): keep the launch templates compliant too.
 *
 * The document is also available as text, `Imdsv2ServiceControlPolicy.renderDocument()`,
 * for use outside CloudFormation. It is checked against the Organizations quota of
 * 5,120 characters, counted without whitespace.
 *
 * Deploy it in the organisation's management account (or a delegated administrator).
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ExamplePolicies_EC2.html#iam-example-instance-metadata
 *
 * @example
 * import { Imdsv2ServiceControlPolicy } from 'cdk-imdsv2';
 *
 * new Imdsv2ServiceControlPolicy(this, 'Scp', {
 *   targetIds: ['ou-abcd-12345678'],
 *   breakGlassPrincipalArns: ['arn:aws:iam::*:role/ImdsBreakGlass'],
 * });
 */
export class Imdsv2ServiceControlPolicy extends Construct {
  /**
   * The policy document as minified JSON text, what the construct sends to AWS
   * Organizations: paste it into the console, or pass it to
   * `aws organizations create-policy --content`.
   *
   * @param options what to deny (the same options as the construct's props)
   * @returns the document, without whitespace
   */
  public static renderDocument(options: Imdsv2ServiceControlPolicyOptions = {}): string {
    return render('Imdsv2ServiceControlPolicy', options).text;
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
   * @param props what the policy denies, its name and targets
   */
  constructor(scope: Construct, id: string, props: Imdsv2ServiceControlPolicyProps = {}) {
    const rendered = render(describe('Imdsv2ServiceControlPolicy', scope.node.path, id), props);
    super(scope, id);
    this.document = rendered.text;
    this.documentSize = rendered.size;
    this.policy = new organizations.CfnPolicy(this, 'Resource', {
      type: 'SERVICE_CONTROL_POLICY',
      name: props.policyName ?? 'imdsv2-required',
      description: props.description ?? 'Denies instance launches without IMDSv2 tokens required or with a hop limit '
        + `above ${rendered.hopLimit}, changes of instance metadata options outside break-glass`
        + (props.denyImdsv1Credentials ?? true ? ', and any use of credentials delivered by IMDSv1' : ''),
      // A JSON object (not a string), so that CloudFormation drift detection works; the size
      // above is that of this object serialized without whitespace.
      content: JSON.parse(rendered.text),
      targetIds: props.targetIds,
      tags: props.tags,
    });
    this.policyId = this.policy.attrId;
    this.policyArn = this.policy.attrArn;
  }
}

/** The document, checked, and its size. */
function render(who: string, options: Imdsv2ServiceControlPolicyOptions): { text: string; size: number; hopLimit: number } {
  const name = options.containerHopLimit === undefined && options.maxHopLimit !== undefined ? 'maxHopLimit' : 'containerHopLimit';
  const maxHopLimit = renamedProp(who, 'containerHopLimit', options.containerHopLimit, 'maxHopLimit', options.maxHopLimit)
    ?? DEFAULT_MAX_HOP_LIMIT;
  assertLiteral(who, name, maxHopLimit);
  assertHopLimit(who, name, maxHopLimit);
  const breakGlass = options.breakGlassPrincipalArns ?? [];
  assertPrincipalArns(who, 'breakGlassPrincipalArns', breakGlass);

  const statements: unknown[] = [
    {
      Sid: 'RequireImdsv2Tokens',
      Effect: 'Deny',
      Action: 'ec2:RunInstances',
      Resource: ANY_INSTANCE,
      Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } },
    },
    {
      Sid: 'LimitImdsHopLimit',
      Effect: 'Deny',
      Action: 'ec2:RunInstances',
      Resource: ANY_INSTANCE,
      Condition: { NumericGreaterThan: { 'ec2:MetadataHttpPutResponseHopLimit': String(maxHopLimit) } },
    },
    {
      Sid: 'RestrictImdsModification',
      Effect: 'Deny',
      Action: 'ec2:ModifyInstanceMetadataOptions',
      Resource: '*',
      ...(breakGlass.length > 0 ? { Condition: { ArnNotLike: { 'aws:PrincipalArn': breakGlass } } } : {}),
    },
  ];
  if (options.denyImdsv1Credentials ?? true) {
    statements.push({
      Sid: 'DenyImdsv1Credentials',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { NumericLessThan: { 'ec2:RoleDelivery': '2.0' } },
    });
  }
  const measured = measure({ Version: '2012-10-17', Statement: statements });
  assertWithinQuota(who, 'service control policy', measured.size, SCP_MAX_CHARACTERS,
    'name fewer break-glass principals, or match several with one wildcard ARN');
  return { ...measured, hopLimit: maxHopLimit };
}
