import { Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { synth } from './helpers';
import { EnforcementMode, Imdsv2RuleId } from '../../src';

/** An instance whose boot script reads IMDS the v1 way, and one that gets a token first. */
function instances(stack: Stack, acknowledge = false): void {
  const v1 = new ec2.CfnInstance(stack, 'Legacy', { imageId: 'ami-0123456789abcdef0' });
  // Written through an escape hatch: the aspect reads the properties as they will be synthesized.
  v1.addPropertyOverride('UserData', {
    'Fn::Base64': '#!/bin/bash\nyum -y install jq\nREGION=$(curl -s http://169.254.169.254/latest/meta-data/placement/region)\necho $REGION\n',
  });
  if (acknowledge) Validations.of(v1).acknowledge({ id: Imdsv2RuleId.USER_DATA_V1, reason: 'the script is replaced in the next AMI' });
  const v2 = new ec2.CfnInstance(stack, 'Modern', { imageId: 'ami-0123456789abcdef0' });
  v2.addPropertyOverride('UserData', {
    'Fn::Base64': '#!/bin/bash\nT=$(curl -sX PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60")\n'
      + 'curl -s -H "X-aws-ec2-metadata-token: $T" http://169.254.169.254/latest/meta-data/placement/region\n',
  });
}

describe('Imdsv2-UserDataV1 in the aspect', () => {
  test('GIVEN REWRITE THEN the instance is closed and its script line is a warning with the line number', () => {
    // WHEN
    const { json, warnings, aspect } = synth((s) => instances(s));
    // THEN tokens are required on both (security first) …
    expect(json.Resources.Legacy.Properties.MetadataOptions).toEqual({ HttpTokens: 'required' });
    expect(json.Resources.Modern.Properties.MetadataOptions).toEqual({ HttpTokens: 'required' });
    // … and the script that will break is named, with its line
    const userData = warnings.filter((w) => w.includes('[ack: Imdsv2-UserDataV1]'));
    expect(userData).toEqual([expect.stringMatching(/AWS::EC2::Instance Legacy: user data line 3 calls the instance metadata service without a token .*not fixed: get a token first/)]);
    expect(aspect.entries.find((e) => e.logicalId === 'Legacy')!.ruleIds).toEqual([Imdsv2RuleId.TOKENS_REQUIRED, Imdsv2RuleId.USER_DATA_V1]);
    expect(aspect.entries.find((e) => e.logicalId === 'Modern')!.ruleIds).toEqual([Imdsv2RuleId.TOKENS_REQUIRED]);
  });

  test('GIVEN REJECT THEN the script line is an error too', () => {
    const { errors } = synth((s) => instances(s), { mode: EnforcementMode.REJECT });
    expect(errors.filter((e) => e.startsWith(`[${Imdsv2RuleId.USER_DATA_V1}]`))).toEqual([expect.stringContaining('Legacy: user data line 3')]);
  });

  test('GIVEN a compliant instance with a v1 script THEN it is reported, not called compliant', () => {
    const { aspect, warnings } = synth((s) => {
      const i = new ec2.CfnInstance(s, 'Legacy', { imageId: 'ami-0123456789abcdef0', metadataOptions: { httpTokens: 'required' } });
      i.addPropertyOverride('UserData', { 'Fn::Base64': 'curl http://169.254.169.254/latest/meta-data/instance-id' });
    });
    expect(aspect.entries.map((e) => e.action)).toEqual(['reported']);
    expect(warnings).toEqual([expect.stringContaining('user data line 1 calls the instance metadata service without a token')]);
  });

  test('GIVEN the rule acknowledged on the instance THEN no user-data finding, and the fix still applies', () => {
    const { json, warnings, aspect } = synth((s) => instances(s, true));
    expect(warnings.filter((w) => w.includes('Imdsv2-UserDataV1'))).toEqual([]);
    expect(json.Resources.Legacy.Properties.MetadataOptions).toEqual({ HttpTokens: 'required' });
    expect(aspect.entries.find((e) => e.logicalId === 'Legacy')!.ruleIds).toEqual([Imdsv2RuleId.TOKENS_REQUIRED]);
  });

  test('GIVEN an L2 instance with cfn-init commands that call IMDS without a token THEN the command is named', () => {
    const { warnings } = synth((s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }] });
      new ec2.Instance(s, 'Web', {
        vpc,
        instanceType: new ec2.InstanceType('t3.micro'),
        machineImage: ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-0123456789abcdef0' }),
        init: ec2.CloudFormationInit.fromElements(
          ec2.InitCommand.shellCommand('wget -qO- http://169.254.169.254/latest/meta-data/local-ipv4 > /etc/ip'),
        ),
      });
    });
    expect(warnings.filter((w) => w.includes('[ack: Imdsv2-UserDataV1]'))).toEqual([expect.stringContaining('without a token')]);
  });
});
