import { CfnResource, Stack } from 'aws-cdk-lib';
import * as emr from 'aws-cdk-lib/aws-emr';
import { EnforcementMode, Imdsv2RuleId } from '../../src';
import { Imdsv2Validator } from '../../src/validation/imdsv2-validator';
import { propsOf, synth } from '../aspects/helpers';
import { newApp, stackOf, synthTemplatePaths } from '../templates/fixtures';

const SC = 'AWS::EMR::SecurityConfiguration';
const CLUSTER = 'AWS::EMR::Cluster';

/** An EMR cluster as a user writes it with aws-cdk-lib's L1 (there is no L2 for EMR). */
function cluster(stack: Stack, securityConfiguration?: string): emr.CfnCluster {
  return new emr.CfnCluster(stack, 'Cluster', {
    name: 'analytics',
    releaseLabel: 'emr-7.1.0',
    applications: [{ name: 'Spark' }],
    jobFlowRole: 'EMR_EC2_DefaultRole',
    serviceRole: 'EMR_DefaultRole',
    instances: {
      masterInstanceGroup: { instanceCount: 1, instanceType: 'm5.xlarge' },
      coreInstanceGroup: { instanceCount: 2, instanceType: 'm5.xlarge' },
    },
    securityConfiguration,
  });
}

/** A security configuration (encryption settings kept) with `imds` as its InstanceMetadataServiceConfiguration. */
function withSecurityConfiguration(imds?: Record<string, unknown>, props: { name?: string; asString?: boolean } = {}) {
  return (stack: Stack) => {
    const doc = {
      EncryptionConfiguration: { EnableInTransitEncryption: false, EnableAtRestEncryption: false },
      ...(imds ? { InstanceMetadataServiceConfiguration: imds } : {}),
    };
    const sc = new emr.CfnSecurityConfiguration(stack, 'SecurityConfiguration', { name: props.name, securityConfiguration: doc });
    // CloudFormation takes the document as a JSON string too (the L1 wants an object: an override, as in a raw template)
    if (props.asString) sc.addPropertyOverride('SecurityConfiguration', JSON.stringify(doc));
    cluster(stack, sc.ref);
  };
}

function entry(r: ReturnType<typeof synth>, type: string) {
  return r.aspect.entries.find((e) => e.resourceType === type);
}

describe('AWS::EMR::SecurityConfiguration', () => {
  test('GIVEN no InstanceMetadataServiceConfiguration WHEN REPORT THEN Imdsv2-TokensRequired and Imdsv2-Replacement (the fix replaces it and its clusters)', () => {
    const r = synth(withSecurityConfiguration(), { mode: EnforcementMode.REPORT });
    expect(entry(r, SC)?.ruleIds).toEqual([Imdsv2RuleId.TOKENS_REQUIRED, Imdsv2RuleId.REPLACEMENT]);
    expect(r.warnings.some((w) => w.includes(SC) && w.includes('every EMR cluster that names it is replaced'))).toBe(true);
    // the cluster itself is judged through it: no second finding there
    expect(entry(r, CLUSTER)?.ruleIds).toEqual([]);
  });

  test('GIVEN no InstanceMetadataServiceConfiguration WHEN REWRITE without allowReplacement THEN it is left as it is', () => {
    const r = synth(withSecurityConfiguration());
    expect(propsOf(r.json, SC).SecurityConfiguration.InstanceMetadataServiceConfiguration).toBeUndefined();
    expect(entry(r, SC)?.action).toBe('reported');
  });

  test('GIVEN version 1 and hop limit 5 WHEN REWRITE with allowReplacement THEN version 2 and hop limit 2, the rest of the document kept', () => {
    const open = withSecurityConfiguration({ MinimumInstanceMetadataServiceVersion: 1, HttpPutResponseHopLimit: 5 });
    const r = synth(open, { allowReplacement: true });
    expect(propsOf(r.json, SC).SecurityConfiguration).toEqual({
      EncryptionConfiguration: { EnableInTransitEncryption: false, EnableAtRestEncryption: false },
      InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: 2, HttpPutResponseHopLimit: 2 },
    });
    expect(entry(r, SC)).toMatchObject({ action: 'fixed', impact: 'replacement', ruleIds: [Imdsv2RuleId.TOKENS_REQUIRED, Imdsv2RuleId.HOP_LIMIT] });
  });

  test('GIVEN the document as a JSON string WHEN REWRITE with allowReplacement THEN the string requires IMDSv2', () => {
    const r = synth(withSecurityConfiguration(undefined, { asString: true }), { allowReplacement: true });
    const doc = JSON.parse(propsOf(r.json, SC).SecurityConfiguration);
    expect(doc.InstanceMetadataServiceConfiguration).toEqual({ MinimumInstanceMetadataServiceVersion: 2 });
  });

  test('GIVEN a Name WHEN REWRITE with allowReplacement THEN not fixed: a named resource cannot be replaced', () => {
    const r = synth(withSecurityConfiguration(undefined, { name: 'analytics-sc' }), { allowReplacement: true });
    expect(propsOf(r.json, SC).SecurityConfiguration.InstanceMetadataServiceConfiguration).toBeUndefined();
    expect(r.warnings.some((w) => w.includes("Name 'analytics-sc'"))).toBe(true);
  });

  test('GIVEN version 2 and hop limit 1 WHEN REJECT THEN compliant', () => {
    const closed = withSecurityConfiguration({ MinimumInstanceMetadataServiceVersion: 2, HttpPutResponseHopLimit: 1 });
    const r = synth(closed, { mode: EnforcementMode.REJECT });
    expect(r.errors).toEqual([]);
    expect(entry(r, SC)?.action).toBe('compliant');
  });

  test('GIVEN version 1 WHEN REJECT THEN an error names the security configuration', () => {
    const r = synth(withSecurityConfiguration({ MinimumInstanceMetadataServiceVersion: 1 }), { mode: EnforcementMode.REJECT });
    expect(r.errors.filter((e) => e.startsWith('[Imdsv2-TokensRequired]')).map((e) => e.includes(SC))).toEqual([true]);
  });
});

describe('AWS::EMR::Cluster', () => {
  test('GIVEN no security configuration THEN Imdsv2-TokensRequired with the fix, never rewritten (it would replace the cluster)', () => {
    const r = synth((s) => { cluster(s); }, { allowReplacement: true });
    expect(entry(r, CLUSTER)).toMatchObject({ action: 'reported', ruleIds: [Imdsv2RuleId.TOKENS_REQUIRED, Imdsv2RuleId.REPLACEMENT] });
    expect(r.warnings.some((w) => w.includes('it has no security configuration') && w.includes('MinimumInstanceMetadataServiceVersion: 2'))).toBe(true);
    expect(propsOf(r.json, CLUSTER).SecurityConfiguration).toBeUndefined();
  });

  test('GIVEN a security configuration named by a literal THEN Imdsv2-Unverifiable', () => {
    const r = synth((s) => { cluster(s, 'shared-sc'); }, { mode: EnforcementMode.REPORT });
    expect(entry(r, CLUSTER)?.ruleIds).toEqual([Imdsv2RuleId.UNVERIFIABLE]);
  });
});

describe('Imdsv2Validator over EMR and Karpenter resources (the check-only front doors)', () => {
  test('GIVEN an EMR cluster without a security configuration and an open EC2NodeClass manifest THEN error violations for both, the replacements as notes', () => {
    // GIVEN
    const app = newApp();
    const stack = stackOf(app, 'S');
    cluster(stack);
    new CfnResource(stack, 'NodeClass', {
      type: 'Custom::AWSCDK-EKS-KubernetesResource',
      properties: { Manifest: JSON.stringify([{ apiVersion: 'karpenter.k8s.aws/v1', kind: 'EC2NodeClass', metadata: { name: 'gpu' }, spec: { metadataOptions: { httpTokens: 'optional' } } }]) },
    });
    // WHEN
    const report = new Imdsv2Validator().validate({ templatePaths: synthTemplatePaths(app) });
    // THEN
    expect(report.success).toBe(false);
    const seen = report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${v.severity} ${r.resourceLogicalId}`)).sort();
    expect(seen).toEqual([
      expect.stringMatching(/^Imdsv2-Replacement \S+ Cluster$/),
      expect.stringMatching(/^Imdsv2-Replacement \S+ NodeClass$/),
      'Imdsv2-TokensRequired error Cluster',
      'Imdsv2-TokensRequired error NodeClass',
    ]);
  });
});
