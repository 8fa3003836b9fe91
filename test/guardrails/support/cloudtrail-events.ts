// Sample CloudTrail records, shaped like the examples of the AWS CloudTrail User Guide
// ("CloudTrail userIdentity element") and of the Systems Manager User Guide ("Logging AWS
// Systems Manager API calls with AWS CloudTrail", whose RequestManagedInstanceRoleToken
// example carries "ec2RoleDelivery": "2.0"). For credentials of an instance profile role,
// the role session name, the last part of userIdentity.arn and of principalId, is the
// instance id (EC2 calls sts:AssumeRole with roleSessionName = the instance id).

/** What varies between the samples. */
export interface SampleCall {
  /** `ec2RoleDelivery`: "1.0" (IMDSv1), "2.0" (IMDSv2), or undefined (not instance credentials). */
  readonly delivery?: string;
  readonly role?: string;
  readonly instanceId?: string;
  readonly account?: string;
  readonly eventName?: string;
  readonly eventSource?: string;
  readonly eventTime?: string;
  readonly readOnly?: boolean;
}

/** A CloudTrail record of a call made with an assumed role's credentials. */
export function assumedRoleRecord(call: SampleCall = {}): Record<string, unknown> {
  const account = call.account ?? '111122223333';
  const role = call.role ?? 'WebServerRole';
  const session = call.instanceId ?? 'i-0123456789abcdef0';
  const sessionContext: Record<string, unknown> = {
    sessionIssuer: {
      type: 'Role',
      principalId: 'AROAEXAMPLEROLEID',
      arn: `arn:aws:iam::${account}:role/${role}`,
      accountId: account,
      userName: role,
    },
    webIdFederationData: {},
    attributes: { creationDate: '2026-12-01T10:00:00Z', mfaAuthenticated: 'false' },
  };
  if (call.delivery !== undefined) sessionContext.ec2RoleDelivery = call.delivery;
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAEXAMPLEROLEID:${session}`,
      arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
      accountId: account,
      accessKeyId: 'ASIAEXAMPLEKEY',
      sessionContext,
    },
    eventTime: call.eventTime ?? '2026-12-01T10:05:00Z',
    eventSource: call.eventSource ?? 's3.amazonaws.com',
    eventName: call.eventName ?? 'ListBuckets',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '10.0.1.23',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: null,
    responseElements: null,
    requestID: 'EXAMPLE-REQUEST-ID',
    eventID: 'EXAMPLE-EVENT-ID',
    readOnly: call.readOnly ?? true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
  };
}

/** A CloudTrail record of a call made by an IAM user (no session context at all). */
export function iamUserRecord(): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLEUSERID',
      arn: 'arn:aws:iam::111122223333:user/Alice',
      accountId: '111122223333',
      accessKeyId: 'AKIAEXAMPLEKEY',
      userName: 'Alice',
    },
    eventTime: '2026-12-01T10:06:00Z',
    eventSource: 'ec2.amazonaws.com',
    eventName: 'RunInstances',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '203.0.113.10',
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
    eventCategory: 'Management',
  };
}

/** The event EventBridge builds from a CloudTrail record (detail-type "AWS API Call via CloudTrail"). */
export function eventBridgeEvent(record: Record<string, unknown>): Record<string, unknown> {
  return {
    'version': '0',
    'id': '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'AWS API Call via CloudTrail',
    'source': `aws.${String(record.eventSource).split('.')[0]}`,
    'account': record.recipientAccountId,
    'time': record.eventTime,
    'region': record.awsRegion,
    'resources': [],
    'detail': record,
  };
}
