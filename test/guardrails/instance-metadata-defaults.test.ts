import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { checkSdkCall, customResourceCalls } from './sdk-model';
import {
  InstanceMetadataDefaults,
  InstanceMetadataDefaultsEndpoint,
  InstanceMetadataDefaultsEnforcement,
  InstanceMetadataDefaultsProps,
  InstanceMetadataDefaultsTags,
} from '../../src/guardrails';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const SET = 'Custom::Imdsv2InstanceMetadataDefaults';
const READ = 'Custom::Imdsv2InstanceMetadataDefaultsReadBack';

function synth(props?: InstanceMetadataDefaultsProps): { stack: Stack; template: Template; defaults: InstanceMetadataDefaults } {
  const stack = new Stack(new App(), 'Stack', { env: ENV });
  const defaults = new InstanceMetadataDefaults(stack, 'Defaults', props);
  return { stack, template: Template.fromStack(stack), defaults };
}

/** The response paths the outputs read (Fn::GetAtt [ReadBack, "AccountLevel.X"]). */
function outputPaths(template: Template): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const [name, output] of Object.entries(template.toJSON().Outputs ?? {})) {
    const getAtt = (output as { Value: { 'Fn::GetAtt'?: [string, string] } }).Value['Fn::GetAtt'];
    if (getAtt) paths[name] = getAtt[1];
  }
  return paths;
}

describe('InstanceMetadataDefaults', () => {
  test('sets tokens required and hop limit 2 on create and update, every other field no-preference', () => {
    // GIVEN / WHEN
    const { template } = synth();

    // THEN
    const [set] = customResourceCalls(template, SET);
    const expected = {
      service: 'EC2',
      action: 'ModifyInstanceMetadataDefaults',
      parameters: {
        HttpTokens: 'required',
        HttpPutResponseHopLimit: 2,
        HttpEndpoint: 'no-preference',
        InstanceMetadataTags: 'no-preference',
        HttpTokensEnforced: 'no-preference',
      },
      physicalResourceId: { id: 'cdk-imdsv2-instance-metadata-defaults' },
    };
    expect(set.create).toEqual(expected);
    expect(set.update).toEqual(expected);
    expect(set.installLatestAwsSdk).toBe(true);
  });

  test('on delete puts every field back to no-preference (hop limit -1)', () => {
    const [set] = customResourceCalls(synth().template, SET);
    expect(set.delete).toEqual({
      service: 'EC2',
      action: 'ModifyInstanceMetadataDefaults',
      parameters: {
        HttpTokens: 'no-preference',
        HttpPutResponseHopLimit: -1,
        HttpEndpoint: 'no-preference',
        InstanceMetadataTags: 'no-preference',
        HttpTokensEnforced: 'no-preference',
      },
      physicalResourceId: { id: 'cdk-imdsv2-instance-metadata-defaults' },
    });
  });

  test('sets the endpoint, tags and enforcement asked for', () => {
    const { template } = synth({
      httpPutResponseHopLimit: 1,
      httpEndpoint: InstanceMetadataDefaultsEndpoint.ENABLED,
      instanceMetadataTags: InstanceMetadataDefaultsTags.DISABLED,
      httpTokensEnforced: InstanceMetadataDefaultsEnforcement.ENABLED,
    });
    const [set] = customResourceCalls(template, SET);
    expect(set.create?.parameters).toEqual({
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 1,
      HttpEndpoint: 'enabled',
      InstanceMetadataTags: 'disabled',
      HttpTokensEnforced: 'enabled',
    });
  });

  test('every SDK call, with every combination of settings, matches the real EC2 model', () => {
    for (const props of [
      {},
      {
        httpPutResponseHopLimit: 3,
        httpEndpoint: InstanceMetadataDefaultsEndpoint.DISABLED,
        instanceMetadataTags: InstanceMetadataDefaultsTags.ENABLED,
        httpTokensEnforced: InstanceMetadataDefaultsEnforcement.DISABLED,
      },
      {
        httpEndpoint: InstanceMetadataDefaultsEndpoint.ENABLED,
        instanceMetadataTags: InstanceMetadataDefaultsTags.DISABLED,
        httpTokensEnforced: InstanceMetadataDefaultsEnforcement.ENABLED,
      },
    ]) {
      const { template } = synth(props);
      const [set] = customResourceCalls(template, SET);
      const [read] = customResourceCalls(template, READ);
      for (const call of [set.create, set.update, set.delete]) expect(checkSdkCall(call!)).toEqual([]);
      expect(read.delete).toBeUndefined();
      for (const call of [read.create, read.update]) {
        expect(call).toMatchObject({ service: 'EC2', action: 'GetInstanceMetadataDefaults', parameters: {}, outputPaths: ['AccountLevel'] });
        expect(checkSdkCall(call!, Object.values(outputPaths(template)))).toEqual([]);
      }
    }
  });

  test('IAM: only the two account-level EC2 actions, on "*" (they have no resource-level permissions)', () => {
    const { template } = synth();
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap(p => (p.Properties.PolicyDocument.Statement as unknown[]));
    expect(statements).toEqual([
      { Action: 'ec2:ModifyInstanceMetadataDefaults', Effect: 'Allow', Resource: '*' },
      { Action: 'ec2:GetInstanceMetadataDefaults', Effect: 'Allow', Resource: '*' },
    ]);
    // The actions granted are exactly the calls made.
    const [set] = customResourceCalls(template, SET);
    const [read] = customResourceCalls(template, READ);
    expect(new Set([set.create, set.delete, read.create].map(c => `ec2:${c!.action}`)))
      .toEqual(new Set(statements.map(s => (s as { Action: string }).Action)));
  });

  test('reads back after the change and shows the reported values as stack outputs', () => {
    // GIVEN / WHEN
    const { template, defaults, stack } = synth({ httpTokensEnforced: InstanceMetadataDefaultsEnforcement.ENABLED });

    // THEN
    const setId = Object.keys(template.findResources(SET))[0];
    const readId = Object.keys(template.findResources(READ))[0];
    template.hasResource(READ, { DependsOn: Match.arrayWith([setId]) });
    const paths = outputPaths(template);
    expect(Object.keys(paths)).toEqual([
      expect.stringMatching(/^DefaultsHttpTokens[0-9A-F]{8}$/),
      expect.stringMatching(/^DefaultsHttpPutResponseHopLimit[0-9A-F]{8}$/),
      expect.stringMatching(/^DefaultsHttpTokensEnforced[0-9A-F]{8}$/),
    ]);
    expect(Object.values(paths)).toEqual(['AccountLevel.HttpTokens', 'AccountLevel.HttpPutResponseHopLimit', 'AccountLevel.HttpTokensEnforced']);
    const outputs = Object.values(template.toJSON().Outputs) as Array<{ Value: unknown; Description: string }>;
    expect(outputs.map(o => o.Value)).toEqual([
      { 'Fn::GetAtt': [readId, 'AccountLevel.HttpTokens'] },
      { 'Fn::GetAtt': [readId, 'AccountLevel.HttpPutResponseHopLimit'] },
      { 'Fn::GetAtt': [readId, 'AccountLevel.HttpTokensEnforced'] },
    ]);
    expect(outputs.map(o => o.Description)).toEqual([
      expect.stringContaining('(set: required)'),
      expect.stringContaining('(set: 2)'),
      expect.stringContaining('(set: enabled)'),
    ]);
    expect(stack.resolve(defaults.reportedHttpTokensEnforced)).toEqual({ 'Fn::GetAtt': [readId, 'AccountLevel.HttpTokensEnforced'] });
    expect(defaults.reportedHttpEndpoint).toBeUndefined();
    expect(defaults.reportedInstanceMetadataTags).toBeUndefined();
  });

  test('readBackOutputs: false adds no outputs, and the attributes stay available', () => {
    const { template, defaults, stack } = synth({ readBackOutputs: false });
    expect(template.toJSON().Outputs).toBeUndefined();
    expect(stack.resolve(defaults.reportedHttpTokens)).toEqual({ 'Fn::GetAtt': [expect.any(String), 'AccountLevel.HttpTokens'] });
  });

  test('a change of settings keeps the physical id of the setter (no replacement, so no reset) and re-runs the read-back', () => {
    const a = synth({ httpPutResponseHopLimit: 1 }).template;
    const b = synth({ httpPutResponseHopLimit: 2 }).template;
    const [setA] = customResourceCalls(a, SET);
    const [setB] = customResourceCalls(b, SET);
    expect(setA.update?.physicalResourceId).toEqual(setB.update?.physicalResourceId);
    expect(Object.keys(a.findResources(SET))).toEqual(Object.keys(b.findResources(SET)));
    const [readA] = customResourceCalls(a, READ);
    const [readB] = customResourceCalls(b, READ);
    expect(readA.update?.physicalResourceId?.id).not.toEqual(readB.update?.physicalResourceId?.id);
    // Same settings, same read-back: no update on a deploy that changes nothing.
    expect(customResourceCalls(synth({ httpPutResponseHopLimit: 1 }).template, READ)[0].update).toEqual(readA.update);
  });

  test('installLatestAwsSdk: false is passed to both custom resources', () => {
    const { template } = synth({ installLatestAwsSdk: false });
    template.hasResourceProperties(SET, { InstallLatestAwsSdk: false });
    template.hasResourceProperties(READ, { InstallLatestAwsSdk: false });
  });

  test('a hop limit from a parameter passes through', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const hops = new CfnParameter(stack, 'Hops', { type: 'Number' });
    new InstanceMetadataDefaults(stack, 'Defaults', { httpPutResponseHopLimit: hops.valueAsNumber });
    const resource = Object.values(Template.fromStack(stack).findResources(SET))[0];
    const [, parts] = resource.Properties.Create['Fn::Join'] as [string, unknown[]];
    const at = parts.findIndex(p => JSON.stringify(p) === '{"Ref":"Hops"}');
    // A number in the JSON (not a string): the text before the Ref ends with the key and a colon.
    expect(at).toBeGreaterThan(0);
    expect(parts[at - 1]).toMatch(/"HttpPutResponseHopLimit":$/);
    expect(checkSdkCall(customResourceCalls(Template.fromStack(stack), SET)[0].create!)).toEqual([]);
  });

  test.each([0, 65, 1.5, -1])('refuses hop limit %p', (hopLimit) => {
    expect(() => synth({ httpPutResponseHopLimit: hopLimit })).toThrow(
      `InstanceMetadataDefaults Stack/Defaults: httpPutResponseHopLimit must be an integer from 1 to 64, got ${hopLimit}`);
  });

  test('refuses a second one in the same stack', () => {
    const { stack } = synth();
    expect(() => new InstanceMetadataDefaults(stack, 'Again')).toThrow(
      'InstanceMetadataDefaults Stack/Again: Stack/Defaults already manages the instance metadata defaults of account '
      + '111111111111 in eu-west-1, expected one InstanceMetadataDefaults per account and region: two would overwrite each other');
  });

  test('refuses a second one for the same account and region in another stack, allows another region', () => {
    const app = new App();
    new InstanceMetadataDefaults(new Stack(app, 'A', { env: ENV }), 'Defaults');
    expect(() => new InstanceMetadataDefaults(new Stack(app, 'B', { env: ENV }), 'Defaults'))
      .toThrow(/InstanceMetadataDefaults B\/Defaults: A\/Defaults already manages .* account 111111111111 in eu-west-1/);
    expect(() => new InstanceMetadataDefaults(new Stack(app, 'C', { env: { ...ENV, region: 'us-east-1' } }), 'Defaults')).not.toThrow();
  });

  test('refuses a second one in the same environment-agnostic stack', () => {
    const stack = new Stack(new App(), 'Agnostic');
    new InstanceMetadataDefaults(stack, 'One');
    expect(() => new InstanceMetadataDefaults(stack, 'Two')).toThrow(/Agnostic\/One already manages the instance metadata defaults of this stack's account and region/);
  });
});
