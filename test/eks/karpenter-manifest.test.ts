import { App, CfnParameter, CfnResource, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ENV, eksCluster } from './helpers';
import { EnforcementMode, Imdsv2Aspect, Imdsv2RuleId } from '../../src';
import { synth } from '../aspects/helpers';
import { runCli, scanJson } from '../cli/run-cli';
import { tempDir } from '../templates/fixtures';

const MANIFEST_TYPE = 'Custom::AWSCDK-EKS-KubernetesResource';

/** An EC2NodeClass as a user writes it (Karpenter's getting-started shape), with `metadataOptions`. */
function nodeClass(cluster: { clusterName: string }, role: string, metadataOptions?: Record<string, unknown>, apiVersion = 'karpenter.k8s.aws/v1') {
  return {
    apiVersion,
    kind: 'EC2NodeClass',
    metadata: { name: 'default' },
    spec: {
      amiSelectorTerms: [{ alias: 'al2023@latest' }],
      role,
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': cluster.clusterName } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': cluster.clusterName } }],
      ...(metadataOptions ? { metadataOptions } : {}),
    },
  };
}

const NODE_POOL = {
  apiVersion: 'karpenter.sh/v1',
  kind: 'NodePool',
  metadata: { name: 'default' },
  spec: { template: { spec: { nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' } } } },
};

function vpcOf(stack: Stack): ec2.Vpc {
  return new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    ],
  });
}

/** aws-eks: cluster.addManifest of a node pool and its node class, the role a token of the stack. */
function awsEksApp(metadataOptions?: Record<string, unknown>) {
  return (stack: Stack) => {
    const cluster = eksCluster(stack, vpcOf(stack));
    const role = new iam.Role(stack, 'NodeRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    cluster.addManifest('Karpenter', NODE_POOL, nodeClass(cluster, role.roleName, metadataOptions));
  };
}

function manifestOf(json: any): any {
  const found = Object.values(json.Resources as Record<string, any>).filter((r) => r.Type === MANIFEST_TYPE);
  if (found.length !== 1) throw new Error(`expected one manifest, found ${found.length}`);
  return found[0].Properties.Manifest;
}

/** The manifest's text with each intrinsic shown as `<Ref X>`, and the parsed objects. */
function textOf(manifest: any): { text: string; objects: any[] } {
  const text = typeof manifest === 'string' ? manifest
    : manifest['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : `<${JSON.stringify(p)}>`)).join('');
  return { text, objects: JSON.parse(text.replace(/<\{[^>]*\}>/g, 'X')) };
}

describe('Karpenter EC2NodeClass in an aws-eks manifest (cluster.addManifest)', () => {
  test('GIVEN httpTokens optional WHEN REPORT THEN Imdsv2-TokensRequired and Imdsv2-Replacement warnings, and the manifest unchanged', () => {
    const r = synth(awsEksApp({ httpTokens: 'optional' }), { mode: EnforcementMode.REPORT });
    expect(r.warnings.filter((w) => w.includes(MANIFEST_TYPE))).toEqual([
      expect.stringMatching(/TokensRequired|HttpTokens is 'optional'/),
      expect.stringMatching(/replaces what runs: Karpenter sees the EC2NodeClass drift/),
    ]);
    expect(textOf(manifestOf(r.json)).objects[1].spec.metadataOptions).toEqual({ httpTokens: 'optional' });
  });

  test('GIVEN httpTokens optional WHEN REWRITE without allowReplacement THEN it is left as it is and reported as a replacement', () => {
    const r = synth(awsEksApp({ httpTokens: 'optional' }));
    expect(textOf(manifestOf(r.json)).objects[1].spec.metadataOptions).toEqual({ httpTokens: 'optional' });
    expect(r.warnings.some((w) => w.includes('replaces what runs'))).toBe(true);
    expect(r.aspect.entries.find((e) => e.resourceType === MANIFEST_TYPE)).toMatchObject({ action: 'reported', ruleIds: [Imdsv2RuleId.TOKENS_REQUIRED, Imdsv2RuleId.REPLACEMENT] });
  });

  test('GIVEN httpTokens optional WHEN REWRITE with allowReplacement THEN only that value changes, every other byte and token kept', () => {
    const before = synth(awsEksApp({ httpTokens: 'optional', httpPutResponseHopLimit: 1 }), { mode: EnforcementMode.REPORT });
    const after = synth(awsEksApp({ httpTokens: 'optional', httpPutResponseHopLimit: 1 }), { allowReplacement: true });
    const was = textOf(manifestOf(before.json)).text;
    const now = textOf(manifestOf(after.json)).text;
    expect(now).toBe(was.replace('"httpTokens":"optional"', '"httpTokens":"required"'));
    expect(now).not.toBe(was);
    expect(after.aspect.entries.find((e) => e.resourceType === MANIFEST_TYPE)).toMatchObject({ action: 'fixed', impact: 'replacement' });
  });

  test('GIVEN httpTokens optional WHEN REJECT THEN synthesis reports an error for it', () => {
    const r = synth(awsEksApp({ httpTokens: 'optional' }), { mode: EnforcementMode.REJECT });
    expect(r.errors.some((e) => e.startsWith('[Imdsv2-TokensRequired]') && e.includes(MANIFEST_TYPE))).toBe(true);
  });

  test('GIVEN no metadataOptions THEN Karpenter\'s defaults (tokens required, hop 1) are compliant: no finding', () => {
    const r = synth(awsEksApp(undefined), { mode: EnforcementMode.REJECT });
    expect(r.errors).toEqual([]);
    expect(r.aspect.entries.find((e) => e.resourceType === MANIFEST_TYPE)).toMatchObject({ action: 'compliant' });
  });
});

describe('Karpenter EC2NodeClass in aws-eks-v2 (Cluster.addManifest, KubernetesManifest)', () => {
  /** An aws-eks-v2 cluster with a kubectl provider (what manifests and charts need); the layer a stub. */
  function v2App(build: (cluster: eksv2.Cluster, stack: Stack) => void) {
    return (stack: Stack) => {
      const kubectlLayer = new lambda.LayerVersion(stack, 'KubectlLayer', {
        code: lambda.Code.fromBucket(s3.Bucket.fromBucketName(stack, 'LayerBucket', 'layers'), 'kubectl.zip', 'v1'),
      });
      const cluster = new eksv2.Cluster(stack, 'Cluster', {
        vpc: vpcOf(stack),
        version: eksv2.KubernetesVersion.V1_33,
        kubectlProviderOptions: { kubectlLayer },
      });
      build(cluster, stack);
    };
  }

  test('GIVEN hop limit 4 via Cluster.addManifest WHEN REWRITE with allowReplacement THEN it is lowered to 2', () => {
    const r = synth(v2App((c) => { c.addManifest('Nc', nodeClass(c, 'KarpenterNodeRole', { httpPutResponseHopLimit: 4 })); }), { allowReplacement: true });
    expect(textOf(manifestOf(r.json)).objects[0].spec.metadataOptions).toEqual({ httpPutResponseHopLimit: 2 });
  });

  test('GIVEN hop limit 4 via new KubernetesManifest WHEN REPORT THEN Imdsv2-HopLimit and Imdsv2-Replacement', () => {
    const r = synth(v2App((c, s) => {
      new eksv2.KubernetesManifest(s, 'NodeClass', { cluster: c, manifest: [nodeClass(c, 'KarpenterNodeRole', { httpPutResponseHopLimit: 4 })] });
    }), { mode: EnforcementMode.REPORT });
    const entry = r.aspect.entries.find((e) => e.resourceType === MANIFEST_TYPE);
    expect(entry?.ruleIds).toEqual([Imdsv2RuleId.HOP_LIMIT, Imdsv2RuleId.REPLACEMENT]);
  });

  test('GIVEN hop limit 1 (Karpenter v1\'s default, pods kept off IMDS) or 2 THEN no finding: only above the container hop limit is outside policy', () => {
    for (const hop of [1, 2]) {
      const r = synth(v2App((c) => { c.addManifest('Nc', nodeClass(c, 'R', { httpTokens: 'required', httpPutResponseHopLimit: hop })); }), { mode: EnforcementMode.REJECT });
      expect(r.errors).toEqual([]);
      expect(r.warnings.filter((w) => w.includes(MANIFEST_TYPE))).toEqual([]);
    }
  });

  test('GIVEN a manifest of a Deployment only THEN it is not IMDS-bearing: not in the report', () => {
    const r = synth(v2App((c) => { c.addManifest('App', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } }); }));
    expect(r.aspect.entries.filter((e) => e.resourceType === MANIFEST_TYPE)).toEqual([]);
  });

  test('GIVEN a KubernetesPatch that sets a node class\'s httpTokens to optional THEN Imdsv2-TokensRequired; a patch of a Deployment is not IMDS-bearing', () => {
    const r = synth(v2App((c, s) => {
      new eksv2.KubernetesPatch(s, 'Reopen', {
        cluster: c,
        resourceName: 'ec2nodeclass/default',
        applyPatch: { spec: { metadataOptions: { httpTokens: 'optional' } } },
        restorePatch: { spec: { metadataOptions: { httpTokens: 'required' } } },
        patchType: eksv2.PatchType.MERGE,
      });
      new eksv2.KubernetesPatch(s, 'Scale', { cluster: c, resourceName: 'deployment/web', applyPatch: { spec: { replicas: 3 } }, restorePatch: { spec: { replicas: 1 } } });
    }), { mode: EnforcementMode.REPORT });
    const patches = r.aspect.entries.filter((e) => e.resourceType === 'Custom::AWSCDK-EKS-KubernetesPatch');
    expect(patches.map((e) => [e.path.includes('Reopen'), e.ruleIds])).toEqual([[true, [Imdsv2RuleId.TOKENS_REQUIRED]]]);
    expect(r.warnings.some((w) => w.includes("the patch of 'ec2nodeclass/default' sets spec.metadataOptions.httpTokens to 'optional'"))).toBe(true);
  });

  test('GIVEN a Helm chart of node classes THEN Imdsv2-Unverifiable; the Karpenter controller chart is not flagged', () => {
    const r = synth(v2App((c) => {
      c.addHelmChart('Karpenter', { chart: 'karpenter', repository: 'oci://public.ecr.aws/karpenter/karpenter', values: { settings: { clusterName: c.clusterName } } });
      c.addHelmChart('NodeClasses', { chart: 'karpenter-nodeclasses', repository: 'https://charts.example.com', values: { ec2NodeClasses: [{ name: 'default' }] } });
    }), { mode: EnforcementMode.REPORT });
    const charts = r.aspect.entries.filter((e) => e.resourceType === 'Custom::AWSCDK-EKS-HelmChart');
    expect(charts.map((e) => [e.path.includes('chart-NodeClasses'), e.ruleIds])).toEqual([[true, [Imdsv2RuleId.UNVERIFIABLE]]]);
  });
});

describe('Karpenter EC2NodeClass in an L1 Custom::AWSCDK-EKS-KubernetesResource', () => {
  const TEXT = JSON.stringify([
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } },
    { apiVersion: 'karpenter.k8s.aws/v1beta1', kind: 'EC2NodeClass', metadata: { name: 'a' }, spec: { amiFamily: 'AL2', metadataOptions: { httpTokens: 'optional', httpEndpoint: 'enabled' } } },
    { apiVersion: 'karpenter.k8s.aws/v1beta1', kind: 'EC2NodeClass', metadata: { name: 'b' }, spec: { amiFamily: 'AL2' } },
  ], undefined, 2);
  const l1 = (manifest: unknown) => (s: Stack) => {
    new CfnResource(s, 'Manifest', { type: MANIFEST_TYPE, properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:f', ClusterName: 'prod', Manifest: manifest } });
  };

  test('GIVEN two node classes in a pretty-printed string WHEN REWRITE with allowReplacement THEN only class a\'s httpTokens changes, byte for byte', () => {
    const r = synth(l1(TEXT), { allowReplacement: true });
    expect(manifestOf(r.json)).toBe(TEXT.replace('"httpTokens": "optional"', '"httpTokens": "required"'));
  });

  test('GIVEN the manifest is a parameter THEN Imdsv2-Unverifiable, nothing changed', () => {
    const r = synth((s) => l1(new CfnParameter(s, 'ManifestText').valueAsString)(s), { mode: EnforcementMode.REPORT });
    const entry = r.aspect.entries.find((e) => e.resourceType === MANIFEST_TYPE);
    expect(entry?.ruleIds).toEqual([Imdsv2RuleId.UNVERIFIABLE]);
    expect(r.warnings.some((w) => w.includes('may hold a Karpenter EC2NodeClass'))).toBe(true);
  });

  test('GIVEN httpTokens from a parameter inside the node class THEN Imdsv2-Unverifiable', () => {
    const r = synth((s) => {
      const tokens = new CfnParameter(s, 'Tokens').valueAsString;
      l1(s.toJsonString([{ apiVersion: 'karpenter.k8s.aws/v1', kind: 'EC2NodeClass', metadata: { name: 'a' }, spec: { metadataOptions: { httpTokens: tokens } } }]))(s);
    }, { mode: EnforcementMode.REPORT, allowReplacement: true });
    expect(r.aspect.entries.find((e) => e.resourceType === MANIFEST_TYPE)?.ruleIds).toEqual([Imdsv2RuleId.UNVERIFIABLE]);
  });
});

describe('Karpenter defaults per kind and API version', () => {
  const l1 = (objects: unknown[]) => (s: Stack) => {
    new CfnResource(s, 'Manifest', { type: MANIFEST_TYPE, properties: { Manifest: JSON.stringify(objects) } });
  };

  test('GIVEN an AWSNodeTemplate (v1alpha1) whose metadataOptions has no httpTokens THEN tokens are optional (Karpenter\'s default inside a block); the fix adds the field', () => {
    const template = { apiVersion: 'karpenter.k8s.aws/v1alpha1', kind: 'AWSNodeTemplate', metadata: { name: 'legacy' }, spec: { metadataOptions: { httpPutResponseHopLimit: 2 } } };
    const report = synth(l1([template]), { mode: EnforcementMode.REPORT });
    expect(report.warnings.some((w) => w.includes("AWSNodeTemplate 'legacy' spec.metadataOptions: HttpTokens is 'optional'"))).toBe(true);
    const fixed = synth(l1([template]), { allowReplacement: true });
    expect(JSON.parse(manifestOf(fixed.json))[0].spec.metadataOptions).toEqual({ httpTokens: 'required', httpPutResponseHopLimit: 2 });
  });

  test('GIVEN containerHopLimit 1 (pods blocked) and a v1beta1 class with no metadataOptions (hop limit 2) THEN a block with tokens required and hop limit 1 is written; a v1 class (hop 1) is left alone', () => {
    const v1beta1 = { apiVersion: 'karpenter.k8s.aws/v1beta1', kind: 'EC2NodeClass', metadata: { name: 'old' }, spec: { amiFamily: 'AL2' } };
    const v1 = { apiVersion: 'karpenter.k8s.aws/v1', kind: 'EC2NodeClass', metadata: { name: 'new' }, spec: { role: 'r' } };
    const r = synth(l1([v1beta1, v1]), { containerHopLimit: 1, allowReplacement: true });
    expect(JSON.parse(manifestOf(r.json))).toEqual([
      { ...v1beta1, spec: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 }, amiFamily: 'AL2' } },
      v1,
    ]);
  });

  test('GIVEN httpEndpoint disabled THEN no IMDS at all: compliant, whatever httpTokens says', () => {
    const off = { apiVersion: 'karpenter.k8s.aws/v1', kind: 'EC2NodeClass', metadata: { name: 'off' }, spec: { metadataOptions: { httpEndpoint: 'disabled', httpTokens: 'optional' } } };
    const r = synth(l1([off]), { mode: EnforcementMode.REJECT });
    expect(r.errors).toEqual([]);
  });
});

describe('a manifest that refers to another stack', () => {
  test('GIVEN an EC2NodeClass in a stack that names a role of another stack WHEN REWRITE with allowReplacement THEN not rewritten (the import would be lost), reported', () => {
    const app = new App();
    const base = new Stack(app, 'Base', { env: ENV });
    const role = new iam.Role(base, 'NodeRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    const apps = new Stack(app, 'Apps', { env: ENV });
    new CfnResource(apps, 'Manifest', {
      type: MANIFEST_TYPE,
      properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:f', Manifest: apps.toJsonString([nodeClass({ clusterName: 'prod' }, role.roleName, { httpTokens: 'optional' })]) },
    });
    Imdsv2Aspect.applyTo(app, { allowReplacement: true });
    const assembly = app.synth();
    const json = assembly.getStackByName('Apps').template;
    const text = textOf(manifestOf(json)).text;
    expect(text).toContain('"httpTokens":"optional"');
    expect(text).toContain('Fn::ImportValue');
    const warnings = assembly.getStackByName('Apps').messages.filter((m) => m.level === 'warning').map((m) => String(m.entry.data));
    expect(warnings.some((w) => w.includes('not done automatically') && w.includes('not in its stack'))).toBe(true);
  });
});

describe('cdk-imdsv2 scan over a synthesized app with a Karpenter node class', () => {
  test('GIVEN cdk.out of an aws-eks app with httpTokens optional THEN exit 1 with Imdsv2-TokensRequired on the manifest', async () => {
    const outdir = tempDir({});
    const app = new App({ outdir });
    const stack = new Stack(app, 'Stack', { env: ENV });
    awsEksApp({ httpTokens: 'optional' })(stack);
    app.synth();
    const { code, stdout } = await runCli('scan', outdir);
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`Imdsv2-TokensRequired\\s+error\\s+\\S*#\\S+\\s+${MANIFEST_TYPE}`));
    expect(stdout).toContain("HttpTokens is 'optional'");
  });

  test('GIVEN manifests of no node class (a Deployment) THEN they are not counted as IMDS-bearing resources checked', async () => {
    async function checked(withDeployment: boolean): Promise<number> {
      const outdir = tempDir({});
      const app = new App({ outdir });
      const stack = new Stack(app, 'Stack', { env: ENV });
      const cluster = eksCluster(stack, vpcOf(stack));
      if (withDeployment) cluster.addManifest('App', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } });
      app.synth();
      return (await scanJson(outdir)).out.resourcesChecked;
    }
    expect(await checked(true)).toBe(await checked(false));
  });
});
