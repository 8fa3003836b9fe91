import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  Imdsv2DeclarativePolicy,
  Imdsv2DeclarativePolicyOptions,
  InstanceMetadataDefaultsEndpoint,
  InstanceMetadataDefaultsEnforcement,
  InstanceMetadataDefaultsTags,
} from '../../src/guardrails';

describe('Imdsv2DeclarativePolicy document', () => {
  test('pins instance_metadata_defaults: tokens required, hop limit 2, endpoint and tags no_preference', () => {
    expect(JSON.parse(Imdsv2DeclarativePolicy.renderDocument())).toEqual({
      ec2_attributes: {
        instance_metadata_defaults: {
          http_tokens: { '@@assign': 'required' },
          http_put_response_hop_limit: { '@@assign': '2' },
          http_endpoint: { '@@assign': 'no_preference' },
          instance_metadata_tags: { '@@assign': 'no_preference' },
        },
      },
    });
  });

  test('writes each setting with the declarative policy\'s spelling, enforcement and the exception message when given', () => {
    const document = Imdsv2DeclarativePolicy.renderDocument({
      httpPutResponseHopLimit: 1,
      httpEndpoint: InstanceMetadataDefaultsEndpoint.ENABLED,
      instanceMetadataTags: InstanceMetadataDefaultsTags.DISABLED,
      httpTokensEnforced: InstanceMetadataDefaultsEnforcement.ENABLED,
      exceptionMessage: 'IMDSv2 is required: https://wiki.example.com/imdsv2',
    });
    expect(JSON.parse(document)).toEqual({
      ec2_attributes: {
        instance_metadata_defaults: {
          http_tokens: { '@@assign': 'required' },
          http_put_response_hop_limit: { '@@assign': '1' },
          http_endpoint: { '@@assign': 'enabled' },
          instance_metadata_tags: { '@@assign': 'disabled' },
          http_tokens_enforced: { '@@assign': 'enabled' },
        },
        exception_message: { '@@assign': 'IMDSv2 is required: https://wiki.example.com/imdsv2' },
      },
    });
  });

  test('an explicit NO_PREFERENCE enforcement is pinned as no_preference', () => {
    const parsed = JSON.parse(Imdsv2DeclarativePolicy.renderDocument({ httpTokensEnforced: InstanceMetadataDefaultsEnforcement.NO_PREFERENCE }));
    expect(parsed.ec2_attributes.instance_metadata_defaults.http_tokens_enforced).toEqual({ '@@assign': 'no_preference' });
  });

  test('has no whitespace between JSON elements', () => {
    const document = Imdsv2DeclarativePolicy.renderDocument({ exceptionMessage: 'a b  c' });
    expect(JSON.stringify(JSON.parse(document))).toBe(document);
  });

  test('fills the 10,000-character quota exactly; one character more is refused with the size and the limit', () => {
    // GIVEN: the message that makes the document exactly 10,000 characters
    const base = Imdsv2DeclarativePolicy.renderDocument({ exceptionMessage: 'x' }).length;
    const fits = 'x'.repeat(10000 - base + 1);

    // THEN
    expect(Imdsv2DeclarativePolicy.renderDocument({ exceptionMessage: fits })).toHaveLength(10000);
    expect(() => Imdsv2DeclarativePolicy.renderDocument({ exceptionMessage: `${fits}x` })).toThrow(
      'Imdsv2DeclarativePolicy: the declarative policy document is 10,001 characters, over the AWS Organizations quota of '
      + '10,000 characters for a declarative policy (counted without whitespace): shorten exceptionMessage');
  });

  test('counts UTF-8 bytes, the stricter reading of the quota, for a message that is not ASCII', () => {
    const base = Imdsv2DeclarativePolicy.renderDocument({ exceptionMessage: 'x' }).length;
    // "é" is one character but two bytes
    const message = 'é'.repeat(Math.floor((10000 - base + 1) / 2) + 1);
    expect(base - 1 + message.length).toBeLessThan(10000); // in characters, it would fit
    expect(() => Imdsv2DeclarativePolicy.renderDocument({ exceptionMessage: message }))
      .toThrow(/the declarative policy document is 10,00\d characters, over the AWS Organizations quota of 10,000/);
  });

  test.each([
    [{ httpPutResponseHopLimit: 0 }, 'httpPutResponseHopLimit must be an integer from 1 to 64, got 0'],
    [{ httpPutResponseHopLimit: 100 }, 'httpPutResponseHopLimit must be an integer from 1 to 64, got 100'],
    [{ exceptionMessage: '  ' }, 'exceptionMessage is empty, expected a message or unset'],
  ] as Array<[Imdsv2DeclarativePolicyOptions, string]>)('refuses %p', (options, message) => {
    expect(() => Imdsv2DeclarativePolicy.renderDocument(options)).toThrow(`Imdsv2DeclarativePolicy: ${message}`);
  });

  test('refuses a token hop limit', () => {
    const stack = new Stack(new App(), 'Org');
    const hops = new CfnParameter(stack, 'Hops', { type: 'Number' });
    expect(() => new Imdsv2DeclarativePolicy(stack, 'Policy', { httpPutResponseHopLimit: hops.valueAsNumber }))
      .toThrow('Imdsv2DeclarativePolicy Org/Policy: httpPutResponseHopLimit is a token, expected a literal value');
  });
});

describe('Imdsv2DeclarativePolicy construct', () => {
  test('creates an AWS::Organizations::Policy of type DECLARATIVE_POLICY_EC2 with the document as its content', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Org');
    const options = { httpTokensEnforced: InstanceMetadataDefaultsEnforcement.ENABLED, exceptionMessage: 'see the wiki' };

    // WHEN
    const policy = new Imdsv2DeclarativePolicy(stack, 'Policy', { ...options, targetIds: ['r-abcd'], tags: [{ key: 'k', value: 'v' }] });

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Organizations::Policy', 1);
    template.hasResourceProperties('AWS::Organizations::Policy', {
      Type: 'DECLARATIVE_POLICY_EC2',
      Name: 'imdsv2-instance-metadata-defaults',
      Description: 'Pins the EC2 instance metadata defaults: IMDSv2 tokens required, hop limit 2',
      Content: JSON.parse(Imdsv2DeclarativePolicy.renderDocument(options)),
      TargetIds: ['r-abcd'],
      Tags: [{ Key: 'k', Value: 'v' }],
    });
    expect(policy.document).toBe(Imdsv2DeclarativePolicy.renderDocument(options));
    expect(policy.documentSize).toBe(policy.document.length);
    const logicalId = Object.keys(template.findResources('AWS::Organizations::Policy'))[0];
    expect(stack.resolve(policy.policyId)).toEqual({ 'Fn::GetAtt': [logicalId, 'Id'] });
    expect(stack.resolve(policy.policyArn)).toEqual({ 'Fn::GetAtt': [logicalId, 'Arn'] });
  });

  test('name and description can be set; no targets by default', () => {
    const stack = new Stack();
    new Imdsv2DeclarativePolicy(stack, 'Policy', { policyName: 'imds', description: 'ours', httpPutResponseHopLimit: 1 });
    const props = Object.values(Template.fromStack(stack).findResources('AWS::Organizations::Policy'))[0].Properties;
    expect(props.Name).toBe('imds');
    expect(props.Description).toBe('ours');
    expect(props.TargetIds).toBeUndefined();
    expect(props.Content.ec2_attributes.instance_metadata_defaults.http_put_response_hop_limit).toEqual({ '@@assign': '1' });
  });

  test('the quota error names the construct path', () => {
    const stack = new Stack(new App(), 'Org');
    expect(() => new Imdsv2DeclarativePolicy(stack, 'Policy', { exceptionMessage: 'x'.repeat(10000) }))
      .toThrow(/^Imdsv2DeclarativePolicy Org\/Policy: the declarative policy document is 10,\d{3} characters, over the AWS Organizations quota of 10,000 characters/);
  });
});
