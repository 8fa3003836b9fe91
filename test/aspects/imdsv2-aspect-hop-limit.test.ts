import { Stack, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ALL_MODES, propsOf, synth, synthWithoutAspect } from './helpers';
import { EnforcementMode, Imdsv2RuleId } from '../../src';

/**
 * The hop-limit policy for plain hosts. Hop limit 2 with tokens required is what EC2 gives
 * an instance launched from an IMDSv2-only AMI, and what Docker's bridge network needs, so
 * the default policy never lowers it: it warns (advisory) and leaves it. Only a
 * `hostHopLimit` given by the user lowers hosts to it.
 */
interface Kind {
  readonly name: string;
  readonly type: string;
  readonly build: (stack: Stack, hop: number) => void;
  /** The metadata options as they read in the template. */
  readonly options: (props: any) => any;
}

const KINDS: Kind[] = [
  {
    name: 'AWS::EC2::Instance',
    type: 'AWS::EC2::Instance',
    build: (s, hop) => new ec2.CfnInstance(s, 'I', { imageId: 'ami-1', metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: hop } }),
    options: (p) => p.MetadataOptions,
  },
  {
    name: 'AWS::EC2::LaunchTemplate',
    type: 'AWS::EC2::LaunchTemplate',
    build: (s, hop) => new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: hop } } }),
    options: (p) => p.LaunchTemplateData.MetadataOptions,
  },
  {
    name: 'AWS::AutoScaling::LaunchConfiguration',
    type: 'AWS::AutoScaling::LaunchConfiguration',
    build: (s, hop) => new autoscaling.CfnLaunchConfiguration(s, 'Lc', {
      imageId: 'ami-1', instanceType: 't3.micro', metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: hop },
    }),
    options: (p) => p.MetadataOptions,
  },
];

const HOP_WARNING = /HttpPutResponseHopLimit is 2.*advisory.*\[ack: Imdsv2-HopLimit\]$/;

describe.each(KINDS)('a plain host ($name) with tokens required', (kind) => {
  test('GIVEN hop limit 2 and the default props THEN REWRITE leaves it and warns (advisory), nothing is reported fixed', () => {
    const build = (s: Stack) => kind.build(s, 2);
    const { json, warnings, infos, aspect } = synth(build);
    expect(JSON.stringify(json)).toEqual(JSON.stringify(synthWithoutAspect(build)));
    expect(kind.options(propsOf(json, kind.type))).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
    expect(warnings).toEqual([expect.stringMatching(HOP_WARNING)]);
    expect(infos).toEqual([]);
    expect(aspect.entries).toEqual([expect.objectContaining({ ruleIds: [Imdsv2RuleId.HOP_LIMIT], action: 'reported', impact: 'none' })]);
  });

  test('GIVEN hop limit 2 THEN REJECT warns and does not fail synthesis (IMDSv1 is not reachable)', () => {
    const { errors, warnings } = synth((s) => kind.build(s, 2), { mode: EnforcementMode.REJECT });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(HOP_WARNING)]);
  });

  test('GIVEN hop limit 2 and hostHopLimit: 1 THEN REWRITE lowers it to 1', () => {
    const { json, infos, warnings } = synth((s) => kind.build(s, 2), { hostHopLimit: 1 });
    expect(kind.options(propsOf(json, kind.type))).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(infos).toEqual([expect.stringMatching(/HttpPutResponseHopLimit is 2.*fixed: set HttpPutResponseHopLimit to 1.*\[ack: Imdsv2-HopLimit\]$/)]);
    expect(warnings).toEqual([]);
  });

  test('GIVEN hop limit 2 and hostHopLimit: 1 THEN REJECT fails synthesis (an explicit policy is broken)', () => {
    const { errors } = synth((s) => kind.build(s, 2), { mode: EnforcementMode.REJECT, hostHopLimit: 1 });
    expect(errors).toEqual([expect.stringMatching(/^\[Imdsv2-HopLimit\] .*HttpPutResponseHopLimit is 2/)]);
  });

  test('GIVEN hop limit 5 and the default props THEN REWRITE lowers it to the container maximum, 2, not to 1', () => {
    const { json, infos } = synth((s) => kind.build(s, 5));
    expect(kind.options(propsOf(json, kind.type))).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
    expect(infos).toEqual([expect.stringMatching(/HttpPutResponseHopLimit is 5.*fixed: set HttpPutResponseHopLimit to 2/)]);
  });

  test('GIVEN hop limit 4 and containerHopLimit: 3 (no hostHopLimit) THEN lowered to 3; at 3 it is only a warning', () => {
    const lowered = synth((s) => kind.build(s, 4), { containerHopLimit: 3 });
    expect(kind.options(propsOf(lowered.json, kind.type)).HttpPutResponseHopLimit).toBe(3);
    const kept = synth((s) => kind.build(s, 3), { containerHopLimit: 3 });
    expect(kind.options(propsOf(kept.json, kind.type)).HttpPutResponseHopLimit).toBe(3);
    expect(kept.warnings).toEqual([expect.stringMatching(/HttpPutResponseHopLimit is 3.*advisory.*\[ack: Imdsv2-HopLimit\]$/)]);
  });

  test.each(ALL_MODES)('GIVEN hop limit 2 and Imdsv2-HopLimit acknowledged THEN %s says nothing and changes nothing', (mode) => {
    const build = (s: Stack) => {
      kind.build(s, 2);
      Validations.of(s).acknowledge({ id: Imdsv2RuleId.HOP_LIMIT, reason: 'Docker bridge networking needs 2 hops' });
    };
    const { json, warnings, infos, errors } = synth(build, { mode });
    expect(JSON.stringify(json)).toEqual(JSON.stringify(synthWithoutAspect(build)));
    expect([...warnings, ...infos, ...errors]).toEqual([]);
  });
});

describe('hop limits the default policy never touches', () => {
  test('GIVEN hop limit unset or 1 on a plain host THEN it stays as written, with no Imdsv2-HopLimit finding', () => {
    const build = (s: Stack) => {
      new ec2.CfnInstance(s, 'Unset', { imageId: 'ami-1', metadataOptions: { httpTokens: 'required' } });
      new ec2.CfnInstance(s, 'One', { imageId: 'ami-1', metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 } });
    };
    const { json, warnings, infos, aspect } = synth(build);
    expect(JSON.stringify(json)).toEqual(JSON.stringify(synthWithoutAspect(build)));
    expect([...warnings, ...infos]).toEqual([]);
    expect(aspect.entries.map((e) => e.action)).toEqual(['compliant', 'compliant']);
  });

  test('GIVEN an instance with tokens optional and hop 2 THEN REWRITE requires tokens and keeps hop 2 (one fix, one warning)', () => {
    const { json, infos, warnings } = synth((s) => new ec2.CfnInstance(s, 'I', { imageId: 'ami-1', metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 2 } }));
    expect(propsOf(json, 'AWS::EC2::Instance').MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
    expect(infos).toEqual([expect.stringMatching(/\[ack: Imdsv2-TokensRequired\]$/)]);
    expect(warnings).toEqual([expect.stringMatching(HOP_WARNING)]);
  });

  test('GIVEN an Auto Scaling group on a launch template at hop 2 THEN neither is changed, and only the template is reported', () => {
    const { json, aspect } = synth((s) => {
      const lt = new ec2.CfnLaunchTemplate(s, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 } } });
      new autoscaling.CfnAutoScalingGroup(s, 'Asg', { minSize: '1', maxSize: '1', launchTemplate: { launchTemplateId: lt.ref, version: lt.attrLatestVersionNumber } });
    });
    expect(propsOf(json, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
    expect(Object.fromEntries(aspect.entries.map((e) => [e.logicalId, e.action]))).toEqual({ Lt: 'reported', Asg: 'compliant' });
  });
});
