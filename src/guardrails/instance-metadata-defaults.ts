import { createHash } from 'crypto';
import { CfnOutput, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsCustomResource, AwsCustomResourcePolicy, AwsSdkCall, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import {
  InstanceMetadataDefaultsEndpoint,
  InstanceMetadataDefaultsEnforcement,
  InstanceMetadataDefaultsTags,
} from './instance-metadata-defaults-options';
import { assertHopLimit, describe } from './private/policy-document';

/** Marks an `InstanceMetadataDefaults`, to find another one for the same account and region. */
const MARKER = Symbol.for('cdk-imdsv2.InstanceMetadataDefaults');

/**
 * The physical id of the custom resource that sets the defaults. It must never change: a
 * new physical id makes CloudFormation delete the "old" resource after creating the new
 * one, and deleting it puts every account default back to `no-preference`.
 */
const SET_PHYSICAL_ID = 'cdk-imdsv2-instance-metadata-defaults';

/** The default hop limit: 2, so that containers on the instance (Docker on a bridge, pods) reach IMDS. */
const DEFAULT_HOP_LIMIT = 2;

/**
 * Properties of `InstanceMetadataDefaults`.
 *
 * `HttpTokens` is always set to `required`: that is what the construct is for.
 */
export interface InstanceMetadataDefaultsProps {
  /**
   * The hop limit new instances get by default (1 to 64).
   *
   * 1 keeps the token on the host; 2 lets containers behind a bridge and pods reach IMDS
   * (what AWS recommends for an account-wide default); overlay networks and
   * Docker-in-Docker need 3.
   *
   * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html#imds-considerations
   * @default 2
   */
  readonly httpPutResponseHopLimit?: number;

  /**
   * Whether new instances get an instance metadata endpoint.
   *
   * @default InstanceMetadataDefaultsEndpoint.NO_PREFERENCE - the launch's own setting, else the AMI's, applies
   */
  readonly httpEndpoint?: InstanceMetadataDefaultsEndpoint;

  /**
   * Whether new instances can read their tags from instance metadata.
   *
   * @default InstanceMetadataDefaultsTags.NO_PREFERENCE - the launch's own setting, else the AMI's, applies
   */
  readonly instanceMetadataTags?: InstanceMetadataDefaultsTags;

  /**
   * Whether the account refuses to launch an instance with IMDSv1 on, or to turn IMDSv1
   * back on for a running one (`HttpTokensEnforced`).
   *
   * Leave it off until the `MetadataNoToken` alarms (`Imdsv2Alarms`) have been quiet: once
   * it is on, a launch template or launch configuration that still asks for
   * `HttpTokens: optional` can no longer launch instances.
   *
   * @default InstanceMetadataDefaultsEnforcement.NO_PREFERENCE - not enforced by the account
   */
  readonly httpTokensEnforced?: InstanceMetadataDefaultsEnforcement;

  /**
   * Whether the custom resource's Lambda function installs the latest AWS SDK for
   * JavaScript from npm when it starts.
   *
   * `HttpTokensEnforced` was added to the EC2 API in February 2026; the SDK that comes with
   * a Lambda Node.js runtime may be older, and an older SDK silently drops a parameter it
   * does not know. The install needs internet access from the function (it falls back to
   * the bundled SDK when the install fails). Turn it off where the function cannot reach
   * npm: the read-back (`readBackOutputs`) then still fails the deployment if the account
   * does not report a setting that was asked for.
   *
   * @default true
   */
  readonly installLatestAwsSdk?: boolean;

  /**
   * Whether to add one stack output per setting, with the value the account reports back
   * (`GetInstanceMetadataDefaults`) after the change.
   *
   * The outputs show what is in force. They also make the deployment fail, and roll
   * back, when the account does not report a setting that was set (a custom resource
   * attribute that is missing fails the stack operation).
   *
   * @default true
   */
  readonly readBackOutputs?: boolean;
}

/**
 * The account-level instance metadata defaults of one region: `HttpTokens: required`,
 * a hop limit, the endpoint and tags settings and `HttpTokensEnforced`.
 *
 * EC2 applies these defaults to every instance launched in the region that does not set
 * the option itself: the launch's own `MetadataOptions` come first, then these defaults,
 * then the AMI's `ImdsSupport`. There is no CloudFormation resource for them, so this construct calls
 * `ModifyInstanceMetadataDefaults` from an `AwsCustomResource` on create and update,
 * then reads the settings back with `GetInstanceMetadataDefaults` (see the `reported…`
 * attributes). On delete it puts every field back to `no-preference` (hop limit -1).
 *
 * The construct owns the account's defaults in that region: it sends every field on
 * each deploy, so a default changed by hand is put back. Use one per account and region
 * (a second one in the same stack, or in another stack of the app for the same account
 * and region, is refused). Where an organisation's declarative policy manages the
 * defaults (`Imdsv2DeclarativePolicy`), the account cannot change them and the deploy fails.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceMetadataDefaults.html
 *
 * @example
 * import { InstanceMetadataDefaults } from 'cdk-imdsv2';
 *
 * new InstanceMetadataDefaults(this, 'ImdsDefaults', {
 *   httpPutResponseHopLimit: 2,
 * });
 */
export class InstanceMetadataDefaults extends Construct {
  /** The custom resource that calls `ModifyInstanceMetadataDefaults`. */
  public readonly customResource: AwsCustomResource;

  /** The custom resource that calls `GetInstanceMetadataDefaults` after each change. */
  public readonly readBack: AwsCustomResource;

  /** `HttpTokens` as the account reports it after the change (`required`). */
  public readonly reportedHttpTokens: string;

  /** `HttpPutResponseHopLimit` as the account reports it after the change. */
  public readonly reportedHttpPutResponseHopLimit: string;

  /**
   * `HttpEndpoint` as the account reports it after the change.
   *
   * Only defined when `httpEndpoint` is set to something other than `NO_PREFERENCE`
   * (a field with no preference is absent from the report).
   */
  public readonly reportedHttpEndpoint?: string;

  /** `InstanceMetadataTags` as the account reports it; only defined when it is set. */
  public readonly reportedInstanceMetadataTags?: string;

  /** `HttpTokensEnforced` as the account reports it; only defined when it is set. */
  public readonly reportedHttpTokensEnforced?: string;

  /**
   * @param scope the scope to create it in
   * @param id its construct id
   * @param props the account defaults to set in this stack's region
   */
  constructor(scope: Construct, id: string, props: InstanceMetadataDefaultsProps = {}) {
    const who = describe('InstanceMetadataDefaults', scope.node.path, id);
    const hopLimit = props.httpPutResponseHopLimit ?? DEFAULT_HOP_LIMIT;
    assertHopLimit(who, 'httpPutResponseHopLimit', hopLimit);
    assertOnePerAccountAndRegion(who, scope);
    super(scope, id);
    Object.defineProperty(this, MARKER, { value: true });

    const endpoint = props.httpEndpoint ?? InstanceMetadataDefaultsEndpoint.NO_PREFERENCE;
    const tags = props.instanceMetadataTags ?? InstanceMetadataDefaultsTags.NO_PREFERENCE;
    const enforced = props.httpTokensEnforced ?? InstanceMetadataDefaultsEnforcement.NO_PREFERENCE;
    const installLatestAwsSdk = props.installLatestAwsSdk ?? true;

    // Every field is sent on each create and update: the construct owns the defaults.
    const set: AwsSdkCall = {
      service: 'EC2',
      action: 'ModifyInstanceMetadataDefaults',
      parameters: {
        HttpTokens: 'required',
        HttpPutResponseHopLimit: hopLimit,
        HttpEndpoint: endpoint,
        InstanceMetadataTags: tags,
        HttpTokensEnforced: enforced,
      },
      physicalResourceId: PhysicalResourceId.of(SET_PHYSICAL_ID),
    };
    const reset: AwsSdkCall = {
      service: 'EC2',
      action: 'ModifyInstanceMetadataDefaults',
      parameters: {
        HttpTokens: 'no-preference',
        HttpPutResponseHopLimit: -1,
        HttpEndpoint: 'no-preference',
        InstanceMetadataTags: 'no-preference',
        HttpTokensEnforced: 'no-preference',
      },
      physicalResourceId: PhysicalResourceId.of(SET_PHYSICAL_ID),
    };

    this.customResource = new AwsCustomResource(this, 'Set', {
      resourceType: 'Custom::Imdsv2InstanceMetadataDefaults',
      onCreate: set,
      onUpdate: set,
      onDelete: reset,
      installLatestAwsSdk,
      policy: AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({
        actions: ['ec2:ModifyInstanceMetadataDefaults'],
        // The account defaults are not a resource: ModifyInstanceMetadataDefaults
        // supports no resource-level permissions, so '*' is the only valid resource.
        resources: ['*'],
      })]),
    });

    // The read-back's physical id follows the settings, so that every change of the
    // settings is an update of this resource too, and the call runs again after it.
    const settings = JSON.stringify(Stack.of(this).resolve(set.parameters));
    const digest = createHash('sha256').update(settings).digest('hex').slice(0, 16);
    const get: AwsSdkCall = {
      service: 'EC2',
      action: 'GetInstanceMetadataDefaults',
      parameters: {},
      physicalResourceId: PhysicalResourceId.of(`cdk-imdsv2-instance-metadata-defaults-read-${digest}`),
      outputPaths: ['AccountLevel'],
    };
    this.readBack = new AwsCustomResource(this, 'ReadBack', {
      resourceType: 'Custom::Imdsv2InstanceMetadataDefaultsReadBack',
      onCreate: get,
      onUpdate: get,
      installLatestAwsSdk,
      policy: AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({
        actions: ['ec2:GetInstanceMetadataDefaults'],
        // Same as above: an account-level read with no resource-level permissions.
        resources: ['*'],
      })]),
    });
    this.readBack.node.addDependency(this.customResource);

    const field = (name: string) => this.readBack.getResponseField(`AccountLevel.${name}`);
    this.reportedHttpTokens = field('HttpTokens');
    this.reportedHttpPutResponseHopLimit = field('HttpPutResponseHopLimit');
    if (endpoint !== InstanceMetadataDefaultsEndpoint.NO_PREFERENCE) this.reportedHttpEndpoint = field('HttpEndpoint');
    if (tags !== InstanceMetadataDefaultsTags.NO_PREFERENCE) this.reportedInstanceMetadataTags = field('InstanceMetadataTags');
    if (enforced !== InstanceMetadataDefaultsEnforcement.NO_PREFERENCE) this.reportedHttpTokensEnforced = field('HttpTokensEnforced');

    if (props.readBackOutputs ?? true) {
      const outputs: Array<[string, string | undefined, string | undefined]> = [
        ['HttpTokens', this.reportedHttpTokens, 'required'],
        ['HttpPutResponseHopLimit', this.reportedHttpPutResponseHopLimit, Token.isUnresolved(hopLimit) ? undefined : String(hopLimit)],
        ['HttpEndpoint', this.reportedHttpEndpoint, endpoint],
        ['InstanceMetadataTags', this.reportedInstanceMetadataTags, tags],
        ['HttpTokensEnforced', this.reportedHttpTokensEnforced, enforced],
      ];
      for (const [name, value, expected] of outputs) {
        if (value === undefined) continue;
        new CfnOutput(this, name, {
          value,
          description: `Account-level IMDS default ${name} in this region, as reported after the deploy`
            + (expected === undefined ? '' : ` (set: ${expected})`),
        });
      }
    }
  }
}

/** Throw if another `InstanceMetadataDefaults` manages the same account and region. */
function assertOnePerAccountAndRegion(who: string, scope: Construct): void {
  const stack = Stack.of(scope);
  for (const other of scope.node.root.node.findAll()) {
    if (!isInstanceMetadataDefaults(other)) continue;
    const otherStack = Stack.of(other);
    const sameStack = otherStack === stack;
    const sameEnv = !Token.isUnresolved(stack.account) && !Token.isUnresolved(stack.region)
      && otherStack.account === stack.account && otherStack.region === stack.region;
    if (sameStack || sameEnv) {
      throw new Error(`${who}: ${other.node.path} already manages the instance metadata defaults of `
        + `${sameEnv ? `account ${stack.account} in ${stack.region}` : 'this stack\'s account and region'}, `
        + 'expected one InstanceMetadataDefaults per account and region: two would overwrite each other');
    }
  }
}

function isInstanceMetadataDefaults(x: IConstruct): boolean {
  return (x as unknown as Record<symbol, unknown>)[MARKER] === true;
}
