import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsCustomResource, AwsCustomResourcePolicy, AwsSdkCall, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { describe } from './private/policy-document';

/** Properties of `AmiImdsSupport`. */
export interface AmiImdsSupportProps {
  /**
   * The id of the AMI to mark (`ami-…`), owned by the stack's account, in the stack's region.
   *
   * It may be a token, such as the `attrImageId` of an EC2 Image Builder image.
   */
  readonly imageId: string;

  /**
   * Whether the custom resource's Lambda function installs the latest AWS SDK for
   * JavaScript from npm when it starts.
   *
   * `ImdsSupport` has been in the EC2 API since 2022, so the SDK of every supported
   * Lambda Node.js runtime knows it.
   *
   * @default false
   */
  readonly installLatestAwsSdk?: boolean;
}

/**
 * Marks an AMI `ImdsSupport: v2.0`, so that every instance launched from it requires
 * IMDSv2 tokens by default (and gets hop limit 2), whatever launched it: the console, a
 * script, a launch template that does not set `HttpTokens`. That is what distributions
 * such as Amazon Linux 2023 and Fedora do when they register their images. The launch's
 * own `MetadataOptions` and the account's defaults (`InstanceMetadataDefaults`) still come
 * first: an account default of `HttpTokens: optional` overrides the AMI.
 *
 * **This cannot be undone.** Once an AMI has `ImdsSupport: v2.0`, EC2 offers no way to
 * remove it; the only way back is to register a new AMI from the same snapshots.
 * Deleting this construct (or its stack) leaves the AMI marked: its delete does nothing.
 * Changing `imageId` marks the new AMI and leaves the old one marked. Only mark AMIs whose
 * software is known to use IMDSv2 (current AWS SDKs, CLI, SSM agent, cloud-init).
 *
 * The call is `ModifyImageAttribute` with `ImdsSupport: { Value: 'v2.0' }`, from an
 * `AwsCustomResource`; its role may call `ec2:ModifyImageAttribute` on that AMI only.
 * AMIs that this account does not own (public or shared ones) cannot be marked.
 *
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configure-IMDS-new-instances-ami-configuration.html
 *
 * @example
 * import { AmiImdsSupport } from 'cdk-imdsv2';
 *
 * // Irreversible: the AMI keeps ImdsSupport v2.0 even if this is removed.
 * new AmiImdsSupport(this, 'GoldenImageImdsv2', {
 *   imageId: 'ami-0123456789abcdef0',
 * });
 */
export class AmiImdsSupport extends Construct {
  /** The custom resource that calls `ModifyImageAttribute`. */
  public readonly customResource: AwsCustomResource;

  /** The id of the AMI marked. */
  public readonly imageId: string;

  /**
   * @param scope the scope to create it in
   * @param id its construct id
   * @param props the AMI to mark, and whether to install the latest AWS SDK
   */
  constructor(scope: Construct, id: string, props: AmiImdsSupportProps) {
    const who = describe('AmiImdsSupport', scope.node.path, id);
    if (!Token.isUnresolved(props.imageId) && !/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(props.imageId)) {
      throw new Error(`${who}: imageId is "${props.imageId}", expected an AMI id such as "ami-0123456789abcdef0"`);
    }
    super(scope, id);
    this.imageId = props.imageId;

    const mark: AwsSdkCall = {
      service: 'EC2',
      action: 'ModifyImageAttribute',
      parameters: { ImageId: props.imageId, ImdsSupport: { Value: 'v2.0' } },
      physicalResourceId: PhysicalResourceId.of(props.imageId),
    };
    const imageArn = Stack.of(this).formatArn({
      service: 'ec2',
      account: '',
      resource: 'image',
      resourceName: props.imageId,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    // No onDelete: the mark cannot be taken off an AMI.
    this.customResource = new AwsCustomResource(this, 'Resource', {
      resourceType: 'Custom::Imdsv2AmiImdsSupport',
      onCreate: mark,
      onUpdate: mark,
      installLatestAwsSdk: props.installLatestAwsSdk ?? false,
      policy: AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({
        actions: ['ec2:ModifyImageAttribute'],
        resources: [imageArn],
      })]),
    });
  }
}
