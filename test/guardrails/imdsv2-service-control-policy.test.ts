import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Imdsv2ServiceControlPolicy, Imdsv2ServiceControlPolicyOptions } from '../../src/guardrails';

interface Statement {
  Sid: string;
  Effect: string;
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, unknown>>;
}

function statements(document: string): Statement[] {
  const parsed = JSON.parse(document);
  expect(parsed.Version).toBe('2012-10-17');
  return parsed.Statement;
}

function bySid(document: string): Record<string, Statement> {
  return Object.fromEntries(statements(document).map(s => [s.Sid, s]));
}

describe('Imdsv2ServiceControlPolicy document', () => {
  test('denies launches without tokens required, with a hop limit above 2, IMDS changes, and IMDSv1 credentials', () => {
    // WHEN
    const document = Imdsv2ServiceControlPolicy.renderDocument();

    // THEN
    expect(statements(document)).toEqual([
      {
        Sid: 'RequireImdsv2Tokens',
        Effect: 'Deny',
        Action: 'ec2:RunInstances',
        Resource: 'arn:*:ec2:*:*:instance/*',
        Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } },
      },
      {
        Sid: 'LimitImdsHopLimit',
        Effect: 'Deny',
        Action: 'ec2:RunInstances',
        Resource: 'arn:*:ec2:*:*:instance/*',
        Condition: { NumericGreaterThan: { 'ec2:MetadataHttpPutResponseHopLimit': '2' } },
      },
      {
        Sid: 'RestrictImdsModification',
        Effect: 'Deny',
        Action: 'ec2:ModifyInstanceMetadataOptions',
        Resource: '*',
      },
      {
        Sid: 'DenyImdsv1Credentials',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { NumericLessThan: { 'ec2:RoleDelivery': '2.0' } },
      },
    ]);
  });

  test('break-glass principals are exempt from the ModifyInstanceMetadataOptions deny, no one else', () => {
    const document = Imdsv2ServiceControlPolicy.renderDocument({
      breakGlassPrincipalArns: ['arn:aws:iam::*:role/ImdsBreakGlass', 'arn:aws:iam::123456789012:role/Migration'],
    });
    expect(bySid(document).RestrictImdsModification).toEqual({
      Sid: 'RestrictImdsModification',
      Effect: 'Deny',
      Action: 'ec2:ModifyInstanceMetadataOptions',
      Resource: '*',
      Condition: { ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/ImdsBreakGlass', 'arn:aws:iam::123456789012:role/Migration'] } },
    });
  });

  test('containerHopLimit sets the NumericGreaterThan bound', () => {
    expect(bySid(Imdsv2ServiceControlPolicy.renderDocument({ containerHopLimit: 3 })).LimitImdsHopLimit.Condition)
      .toEqual({ NumericGreaterThan: { 'ec2:MetadataHttpPutResponseHopLimit': '3' } });
  });

  test('denyImdsv1Credentials: false drops only the RoleDelivery statement', () => {
    const document = Imdsv2ServiceControlPolicy.renderDocument({ denyImdsv1Credentials: false });
    expect(statements(document).map(s => s.Sid)).toEqual(['RequireImdsv2Tokens', 'LimitImdsHopLimit', 'RestrictImdsModification']);
    expect(document).not.toContain('ec2:RoleDelivery');
  });

  test('is a valid IAM policy document, with no whitespace between JSON elements', () => {
    const document = Imdsv2ServiceControlPolicy.renderDocument({ breakGlassPrincipalArns: ['arn:aws:iam::*:role/A'] });
    expect(iam.PolicyDocument.fromJson(JSON.parse(document)).validateForIdentityPolicy()).toEqual([]);
    expect(JSON.stringify(JSON.parse(document))).toBe(document);
  });

  test('the default document is well within the 5,120-character quota', () => {
    expect(Imdsv2ServiceControlPolicy.renderDocument().length).toBeLessThan(1000);
  });

  test('fills the quota exactly, and one more principal is refused with the size and the limit', () => {
    // GIVEN: ARNs of a fixed length, added until the document reaches 5,120 characters
    const arn = (i: number) => `arn:aws:iam::*:role/break-glass-${String(i).padStart(4, '0')}`;
    const arns: string[] = [];
    let document = '';
    for (let i = 0; ; i++) {
      const next = [...arns, arn(i)];
      let candidate: string;
      try {
        candidate = Imdsv2ServiceControlPolicy.renderDocument({ breakGlassPrincipalArns: next });
      } catch (e) {
        // THEN: refused exactly when the document would pass the quota; the size is the real one
        const expectedSize = document.length + arn(i).length + 3; // "…",
        expect(expectedSize).toBeGreaterThan(5120);
        expect(document.length).toBeLessThanOrEqual(5120);
        expect((e as Error).message).toBe(`Imdsv2ServiceControlPolicy: the service control policy document is ${expectedSize.toLocaleString('en-US')} `
          + 'characters, over the AWS Organizations quota of 5,120 characters for a service control policy (counted without '
          + 'whitespace): name fewer break-glass principals, or match several with one wildcard ARN');
        break;
      }
      arns.push(arn(i));
      document = candidate;
    }
    expect(arns.length).toBeGreaterThan(50);
  });

  test.each([
    [{ containerHopLimit: 0 }, 'containerHopLimit must be an integer from 1 to 64, got 0'],
    [{ containerHopLimit: 65 }, 'containerHopLimit must be an integer from 1 to 64, got 65'],
    [{ containerHopLimit: 2.5 }, 'containerHopLimit must be an integer from 1 to 64, got 2.5'],
    [{ breakGlassPrincipalArns: ['ImdsBreakGlass'] }, 'breakGlassPrincipalArns[0] is "ImdsBreakGlass", expected an IAM or STS principal ARN (wildcards allowed), such as "arn:aws:iam::*:role/ImdsBreakGlass"'],
    [{ breakGlassPrincipalArns: ['arn:aws:s3:::bucket'] }, 'breakGlassPrincipalArns[0] is "arn:aws:s3:::bucket", expected an IAM or STS principal ARN'],
    [{ breakGlassPrincipalArns: ['arn:aws:iam::*:role/A', 'arn:aws:iam::*:role/A'] }, 'breakGlassPrincipalArns has duplicates, expected each ARN once'],
  ] as Array<[Imdsv2ServiceControlPolicyOptions, string]>)('refuses %p', (options, message) => {
    expect(() => Imdsv2ServiceControlPolicy.renderDocument(options)).toThrow(`Imdsv2ServiceControlPolicy: ${message}`);
  });

  test('refuses tokens: the document must be literal to be counted and pasted', () => {
    const stack = new Stack(new App(), 'Org');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => new Imdsv2ServiceControlPolicy(stack, 'Scp', { breakGlassPrincipalArns: [role.roleArn] })).toThrow(
      'Imdsv2ServiceControlPolicy Org/Scp: breakGlassPrincipalArns[0] is a token, expected a literal value: the policy document '
      + 'must be known at synthesis to be size-checked and to be usable outside CloudFormation');
    const hops = new CfnParameter(stack, 'Hops', { type: 'Number' });
    expect(() => new Imdsv2ServiceControlPolicy(stack, 'Scp2', { containerHopLimit: hops.valueAsNumber }))
      .toThrow('Imdsv2ServiceControlPolicy Org/Scp2: containerHopLimit is a token, expected a literal value');
  });
});

describe('Imdsv2ServiceControlPolicy construct', () => {
  test('creates an AWS::Organizations::Policy of type SERVICE_CONTROL_POLICY with the document as its content', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Org');
    const options = { breakGlassPrincipalArns: ['arn:aws:iam::*:role/ImdsBreakGlass'], containerHopLimit: 3 };

    // WHEN
    const scp = new Imdsv2ServiceControlPolicy(stack, 'Scp', {
      ...options,
      targetIds: ['ou-abcd-12345678', 'r-abcd'],
      tags: [{ key: 'team', value: 'platform' }],
    });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Organizations::Policy', 1);
    template.hasResourceProperties('AWS::Organizations::Policy', {
      Type: 'SERVICE_CONTROL_POLICY',
      Name: 'imdsv2-required',
      Description: 'Denies instance launches without IMDSv2 tokens required or with a hop limit above 3, changes of instance '
        + 'metadata options outside break-glass, and any use of credentials delivered by IMDSv1',
      Content: JSON.parse(Imdsv2ServiceControlPolicy.renderDocument(options)),
      TargetIds: ['ou-abcd-12345678', 'r-abcd'],
      Tags: [{ Key: 'team', Value: 'platform' }],
    });
    expect(scp.document).toBe(Imdsv2ServiceControlPolicy.renderDocument(options));
    expect(scp.documentSize).toBe(scp.document.length);
    // CloudFormation gets the object; serialized without whitespace it is the text counted.
    const content = Object.values(template.findResources('AWS::Organizations::Policy'))[0].Properties.Content;
    expect(JSON.stringify(content).length).toBe(scp.documentSize);
    const logicalId = Object.keys(template.findResources('AWS::Organizations::Policy'))[0];
    expect(stack.resolve(scp.policyId)).toEqual({ 'Fn::GetAtt': [logicalId, 'Id'] });
    expect(stack.resolve(scp.policyArn)).toEqual({ 'Fn::GetAtt': [logicalId, 'Arn'] });
    expect(stack.resolve(scp.policy.ref)).toEqual({ Ref: logicalId });
  });

  test('name and description can be set; no targets, no tags by default', () => {
    const stack = new Stack();
    new Imdsv2ServiceControlPolicy(stack, 'Scp', { policyName: 'no-imdsv1', description: 'ours', denyImdsv1Credentials: false });
    const props = Object.values(Template.fromStack(stack).findResources('AWS::Organizations::Policy'))[0].Properties;
    expect(props.Name).toBe('no-imdsv1');
    expect(props.Description).toBe('ours');
    expect(props.TargetIds).toBeUndefined();
    expect(props.Tags).toBeUndefined();
    expect(props.Content.Statement).toHaveLength(3);
  });

  test('the quota error names the construct path', () => {
    const stack = new Stack(new App(), 'Org');
    const arns = Array.from({ length: 200 }, (_, i) => `arn:aws:iam::*:role/break-glass-${i}`);
    expect(() => new Imdsv2ServiceControlPolicy(stack, 'Scp', { breakGlassPrincipalArns: arns }))
      .toThrow(/^Imdsv2ServiceControlPolicy Org\/Scp: the service control policy document is [\d,]+ characters, over the AWS Organizations quota of 5,120 characters/);
  });
});
