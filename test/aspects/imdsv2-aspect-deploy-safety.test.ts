import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AspectPriority, Aspects, NestedStack, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import { Imdsv2Aspect, Imdsv2AspectProps, Imdsv2ReportEntry, Imdsv2RuleId } from '../../src';
import { RULE_CATALOG } from '../../src/engine/rule-catalog';
import { loadInputs } from '../../src/templates/load-templates';
import { scanTemplates } from '../../src/templates/scan-templates';
import { validate, violations } from '../nag/utils';

// What REWRITE must never do: call a resource "fixed" while CloudFormation keeps it open,
// or make a change that CloudFormation cannot deploy (a replacement of a resource with a
// custom name, a change to an export that another stack imports).

interface Note {
  readonly level: string;
  /** Construct path without the leading slash. */
  readonly path: string;
  readonly ruleId: string;
  readonly text: string;
}

interface Deployed {
  /** Resources of each stack's synthesized template, by stack id. */
  readonly resources: Record<string, Record<string, any>>;
  readonly notes: Note[];
  readonly entries: Imdsv2ReportEntry[];
}

/** Build an app with `build`, add the aspect to it, synthesize every stack. */
function deploy(build: (app: App) => Stack[], props: Imdsv2AspectProps = {}): Deployed {
  const app = new App({ builtinCloudFormationValidation: false } as any);
  const stacks = build(app);
  // Per-fix annotations are opt-in (fixes need no action); these tests read them.
  const aspect = new Imdsv2Aspect({ annotateFixes: true, ...props });
  Aspects.of(app).add(aspect, { priority: AspectPriority.MUTATING });
  const assembly = app.synth();
  const resources: Record<string, Record<string, any>> = {};
  const notes: Note[] = [];
  for (const stack of stacks) {
    const artifact = assembly.getStackArtifact(stack.artifactId);
    resources[stack.node.id] = artifact.template.Resources;
    for (const m of artifact.messages) {
      const text = String(m.entry.data);
      notes.push({ level: m.level, path: m.id.replace(/^\//, ''), ruleId: /\[ack: ([\w-]+)\]$/.exec(text)?.[1] ?? /^\[([\w-]+)\]/.exec(text)?.[1] ?? '', text });
    }
  }
  return { resources, notes, entries: aspect.entries };
}

function entryAt(d: Deployed, at: string): Imdsv2ReportEntry {
  const found = d.entries.filter((e) => e.path === at);
  if (found.length !== 1) throw new Error(`expected one report entry at ${at}, found ${found.length}`);
  return found[0];
}

function notesAt(d: Deployed, at: string, level?: string): Note[] {
  return d.notes.filter((n) => n.path === at && (level === undefined || n.level === level));
}

const LATEST = (lt: string) => ({ 'Fn::GetAtt': [lt, 'LatestVersionNumber'] });
const optionalTemplate = (s: Stack, id = 'Lt') =>
  new ec2.CfnLaunchTemplate(s, id, { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });

describe('consumers of the default version (CloudFormation never moves it)', () => {
  function build(app: App) {
    const s = new Stack(app, 'S');
    const lt = optionalTemplate(s);
    new eks.CfnNodegroup(s, 'Ng', { clusterName: 'c', nodeRole: 'r', subnets: ['s'], launchTemplate: { id: lt.ref } });
    new autoscaling.CfnAutoScalingGroup(s, 'Asg', {
      minSize: '1', maxSize: '1', availabilityZones: ['a'], launchTemplate: { launchTemplateId: lt.ref, version: '$Default' },
    });
    new batch.CfnComputeEnvironment(s, 'Ce', {
      type: 'MANAGED',
      computeResources: {
        type: 'EC2',
        allocationStrategy: 'BEST_FIT_PROGRESSIVE',
        maxvCpus: 4,
        subnets: ['s'],
        instanceTypes: ['m5.large'],
        instanceRole: 'r',
        launchTemplate: { launchTemplateId: lt.ref, version: lt.attrDefaultVersionNumber },
      },
    });
    return [s];
  }

  test('GIVEN a node group with no Version, an ASG on $Default and Batch on DefaultVersionNumber WHEN the template is fixed THEN each is moved to LatestVersionNumber and reported Imdsv2-StaleVersion', () => {
    // WHEN
    const d = deploy(build);

    // THEN: the template is fixed …
    const r = d.resources.S;
    expect(r.Lt.Properties.LaunchTemplateData.MetadataOptions.HttpTokens).toBe('required');
    // … and every consumer launches the new version, not version 1.
    expect(r.Ng.Properties.LaunchTemplate).toEqual({ Id: { Ref: 'Lt' }, Version: LATEST('Lt') });
    expect(r.Asg.Properties.LaunchTemplate).toEqual({ LaunchTemplateId: { Ref: 'Lt' }, Version: LATEST('Lt') });
    expect(r.Ce.Properties.ComputeResources.LaunchTemplate).toEqual({ LaunchTemplateId: { Ref: 'Lt' }, Version: LATEST('Lt') });
    for (const [id, how] of [['Ng', 'no Version'], ['Asg', "Version '\\$Default'"], ['Ce', 'Version Fn::GetAtt DefaultVersionNumber']]) {
      expect(entryAt(d, `S/${id}`)).toMatchObject({ action: 'fixed', ruleIds: [Imdsv2RuleId.STALE_VERSION], after: 'template Lt@latest' });
      expect(notesAt(d, `S/${id}`, 'info')).toEqual([expect.objectContaining({
        ruleId: Imdsv2RuleId.STALE_VERSION,
        text: expect.stringMatching(new RegExp(`launches the default version of launch template Lt \\(${how}\\): CloudFormation does not move the default version`)),
      })]);
    }
  });

  test('GIVEN an EC2 fleet on the default version WHEN the template is fixed THEN the fleet is not moved (that replaces it) and is reported Imdsv2-StaleVersion and Imdsv2-Replacement', () => {
    // WHEN
    const d = deploy((app) => {
      const s = new Stack(app, 'S');
      const lt = optionalTemplate(s);
      new ec2.CfnEC2Fleet(s, 'Fleet', {
        targetCapacitySpecification: { totalTargetCapacity: 1 },
        launchTemplateConfigs: [{ launchTemplateSpecification: { launchTemplateId: lt.ref, version: '$Default' } }],
      });
      return [s];
    });

    // THEN
    expect(d.resources.S.Lt.Properties.LaunchTemplateData.MetadataOptions.HttpTokens).toBe('required');
    expect(d.resources.S.Fleet.Properties.LaunchTemplateConfigs[0].LaunchTemplateSpecification.Version).toBe('$Default');
    expect(entryAt(d, 'S/Fleet')).toMatchObject({ action: 'reported', ruleIds: [Imdsv2RuleId.STALE_VERSION, Imdsv2RuleId.REPLACEMENT] });
    expect(notesAt(d, 'S/Fleet', 'warning').map((n) => n.ruleId)).toEqual([Imdsv2RuleId.STALE_VERSION, Imdsv2RuleId.REPLACEMENT]);
  });

  test('GIVEN an instance following DefaultVersionNumber WHEN the template is fixed THEN the template change does not block on it (the default version does not move) and the instance is closed through its own options', () => {
    // WHEN
    const d = deploy((app) => {
      const s = new Stack(app, 'S');
      const lt = optionalTemplate(s);
      new ec2.CfnInstance(s, 'I', { launchTemplate: { launchTemplateId: lt.ref, version: lt.attrDefaultVersionNumber } });
      return [s];
    });

    // THEN
    const r = d.resources.S;
    expect(r.Lt.Properties.LaunchTemplateData.MetadataOptions.HttpTokens).toBe('required');
    expect(r.I.Properties.MetadataOptions).toEqual({ HttpTokens: 'required' });
    expect(r.I.Properties.LaunchTemplate.Version).toEqual({ 'Fn::GetAtt': ['Lt', 'DefaultVersionNumber'] });
    expect(entryAt(d, 'S/Lt')).toMatchObject({ action: 'fixed', ruleIds: [Imdsv2RuleId.TOKENS_REQUIRED] });
    expect(entryAt(d, 'S/I')).toMatchObject({ action: 'fixed', impact: 'no interruption' });
  });
});

describe('resources with a custom name cannot be replaced (CloudFormation fails the deploy)', () => {
  test.each([false, true])('GIVEN a launch configuration with LaunchConfigurationName (allowReplacement: %s) WHEN the aspect rewrites THEN its settings are left as written and it is reported Imdsv2-Replacement', (allowReplacement) => {
    // WHEN
    const d = deploy((app) => {
      const s = new Stack(app, 'S');
      const lc = new autoscaling.CfnLaunchConfiguration(s, 'Lc', { launchConfigurationName: 'web-lc', imageId: 'ami-1', instanceType: 't3.micro' });
      new autoscaling.CfnAutoScalingGroup(s, 'Asg', { minSize: '1', maxSize: '1', availabilityZones: ['a'], launchConfigurationName: lc.ref });
      return [s];
    }, { allowReplacement });

    // THEN
    expect(d.resources.S.Lc.Properties.MetadataOptions).toBeUndefined();
    expect(d.resources.S.Lc.Properties.LaunchConfigurationName).toBe('web-lc');
    expect(entryAt(d, 'S/Lc')).toMatchObject({ action: 'reported', impact: 'none', ruleIds: [Imdsv2RuleId.TOKENS_REQUIRED, Imdsv2RuleId.REPLACEMENT] });
    expect(notesAt(d, 'S/Lc', 'info')).toEqual([]);
    expect(notesAt(d, 'S/Lc', 'warning')).toEqual([
      expect.objectContaining({ ruleId: Imdsv2RuleId.TOKENS_REQUIRED, text: expect.stringContaining('not fixed') }),
      expect.objectContaining({
        ruleId: Imdsv2RuleId.REPLACEMENT,
        text: expect.stringMatching(/cannot replace a resource with a custom name \(LaunchConfigurationName 'web-lc'\).*not fixed: remove LaunchConfigurationName/),
      }),
    ]);
    expect(entryAt(d, 'S/Asg').action).not.toBe('fixed');
  });

  test('GIVEN an unnamed launch configuration WHEN the aspect rewrites THEN it is still fixed (its replacement is harmless)', () => {
    // WHEN
    const d = deploy((app) => {
      const s = new Stack(app, 'S');
      new autoscaling.CfnLaunchConfiguration(s, 'Lc', { imageId: 'ami-1', instanceType: 't3.micro' });
      return [s];
    });

    // THEN
    expect(d.resources.S.Lc.Properties.MetadataOptions).toEqual({ HttpTokens: 'required' });
    expect(entryAt(d, 'S/Lc')).toMatchObject({ action: 'fixed', ruleIds: [Imdsv2RuleId.TOKENS_REQUIRED] });
  });

  test('GIVEN a node group with NodegroupName and no launch template WHEN the aspect rewrites with allowReplacement: true THEN it is not recreated (same logical id, no launch template) and is reported Imdsv2-Replacement', () => {
    // WHEN
    const d = deploy((app) => {
      const s = new Stack(app, 'S');
      new eks.CfnNodegroup(s, 'Ng', { clusterName: 'c', nodeRole: 'r', subnets: ['s'], nodegroupName: 'workers' });
      return [s];
    }, { allowReplacement: true });

    // THEN
    expect(Object.keys(d.resources.S)).toEqual(['Ng']);
    expect(d.resources.S.Ng.Properties.LaunchTemplate).toBeUndefined();
    expect(d.resources.S.Ng.Properties.NodegroupName).toBe('workers');
    expect(entryAt(d, 'S/Ng')).toMatchObject({ action: 'reported', ruleIds: [Imdsv2RuleId.TOKENS_REQUIRED, Imdsv2RuleId.REPLACEMENT] });
    expect(notesAt(d, 'S/Ng', 'warning').find((n) => n.ruleId === Imdsv2RuleId.REPLACEMENT)?.text)
      .toMatch(/the node group must be recreated, and CloudFormation cannot replace a resource with a custom name \(NodegroupName 'workers'\)/);
  });

  test('GIVEN an unnamed node group and allowReplacement: true WHEN the aspect rewrites THEN it is recreated with a launch template under a new logical id', () => {
    // WHEN
    const d = deploy((app) => {
      const s = new Stack(app, 'S');
      new eks.CfnNodegroup(s, 'Ng', { clusterName: 'c', nodeRole: 'r', subnets: ['s'] });
      return [s];
    }, { allowReplacement: true });

    // THEN
    expect(d.resources.S.NgImdsv2.Properties.LaunchTemplate).toEqual({ Id: { Ref: 'NgImdsv2LaunchTemplate' }, Version: LATEST('NgImdsv2LaunchTemplate') });
    expect(entryAt(d, 'S/Ng')).toMatchObject({ action: 'fixed', impact: 'replacement' });
  });

  test('GIVEN a named Batch environment whose allocation strategy Batch cannot update in place, pinned to version 1, WHEN the aspect rewrites with allowReplacement: true THEN its version is left and it is reported Imdsv2-Replacement', () => {
    // WHEN
    const d = deploy((app) => {
      const s = new Stack(app, 'S');
      const lt = optionalTemplate(s);
      new batch.CfnComputeEnvironment(s, 'Ce', {
        type: 'MANAGED',
        computeEnvironmentName: 'jobs',
        computeResources: {
          type: 'EC2',
          allocationStrategy: 'BEST_FIT',
          maxvCpus: 4,
          subnets: ['s'],
          instanceTypes: ['m5.large'],
          instanceRole: 'r',
          launchTemplate: { launchTemplateId: lt.ref, version: '1' },
        },
      });
      return [s];
    }, { allowReplacement: true });

    // THEN
    expect(d.resources.S.Ce.Properties.ComputeResources.LaunchTemplate.Version).toBe('1');
    expect(entryAt(d, 'S/Ce')).toMatchObject({ action: 'reported', ruleIds: [Imdsv2RuleId.STALE_VERSION, Imdsv2RuleId.REPLACEMENT] });
    expect(notesAt(d, 'S/Ce', 'warning').find((n) => n.ruleId === Imdsv2RuleId.REPLACEMENT)?.text).toMatch(/ComputeEnvironmentName 'jobs'/);
  });
});

describe("an instance's own metadata options win over its template's, field by field", () => {
  function build(instanceOptions: ec2.CfnInstance.MetadataOptionsProperty | undefined) {
    return (app: App) => {
      const s = new Stack(app, 'S');
      const lt = new ec2.CfnLaunchTemplate(s, 'Lt', {
        launchTemplateData: { metadataOptions: { httpEndpoint: 'disabled', httpTokens: 'optional', httpPutResponseHopLimit: 5 } },
      });
      new ec2.CfnInstance(s, 'I', { launchTemplate: { launchTemplateId: lt.ref, version: '1' }, metadataOptions: instanceOptions });
      return [s];
    };
  }

  test("GIVEN a template with HttpEndpoint 'disabled' and tokens optional WHEN an instance on it sets its own HttpEndpoint 'enabled' THEN the instance is closed through its own options (tokens required; the template's hop 5 lowered to the container maximum, 2) and reported", () => {
    // WHEN
    const d = deploy(build({ httpEndpoint: 'enabled' }));

    // THEN: the instance's own settings now require tokens; the template (no IMDS) is untouched.
    // (with no hostHopLimit a plain host is lowered only to what a container on it may need)
    expect(d.resources.S.I.Properties.MetadataOptions).toEqual({ HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
    expect(d.resources.S.Lt.Properties.LaunchTemplateData.MetadataOptions).toEqual({ HttpEndpoint: 'disabled', HttpTokens: 'optional', HttpPutResponseHopLimit: 5 });
    expect(entryAt(d, 'S/I')).toMatchObject({ action: 'fixed', impact: 'no interruption', ruleIds: [Imdsv2RuleId.TOKENS_REQUIRED, Imdsv2RuleId.HOP_LIMIT] });
    expect(notesAt(d, 'S/I', 'info').find((n) => n.ruleId === Imdsv2RuleId.TOKENS_REQUIRED)?.text)
      .toMatch(/its own HttpEndpoint 'enabled' overrides the 'disabled' of launch template Lt, whose HttpTokens is 'optional'/);
  });

  test("GIVEN the same template WHEN the instance leaves HttpEndpoint unset THEN it inherits 'disabled' and is compliant, unchanged", () => {
    // WHEN
    const d = deploy(build(undefined));

    // THEN
    expect(d.resources.S.I.Properties.MetadataOptions).toBeUndefined();
    expect(entryAt(d, 'S/I')).toMatchObject({ action: 'compliant', ruleIds: [] });
  });
});

describe('references across stacks are resolved to the construct they name', () => {
  test('GIVEN stack A with Lt (tokens optional) and stack B with its own Lt (required) and an ASG pinning version 1 of A\'s Lt WHEN the aspect rewrites THEN the ASG is judged on A\'s Lt: Imdsv2-StaleVersion, moved to A\'s new version', () => {
    // WHEN
    const d = deploy((app) => {
      const a = new Stack(app, 'A');
      const ltA = optionalTemplate(a);
      const b = new Stack(app, 'B');
      new ec2.CfnLaunchTemplate(b, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'required' } } });
      new autoscaling.CfnAutoScalingGroup(b, 'Asg', {
        minSize: '1', maxSize: '1', availabilityZones: ['a'], launchTemplate: { launchTemplateId: ltA.ref, version: '1' },
      });
      return [a, b];
    });

    // THEN: A's template is fixed, and B's group launches its latest version (imported from A).
    expect(d.resources.A.Lt.Properties.LaunchTemplateData.MetadataOptions.HttpTokens).toBe('required');
    const spec = d.resources.B.Asg.Properties.LaunchTemplate;
    expect(spec.LaunchTemplateId).toEqual({ 'Fn::ImportValue': expect.stringMatching(/^A:ExportsOutputRefLt/) });
    expect(spec.Version).toEqual({ 'Fn::ImportValue': expect.stringMatching(/^A:ExportsOutputFnGetAttLtLatestVersionNumber/) });
    expect(entryAt(d, 'B/Asg')).toMatchObject({ action: 'fixed', ruleIds: [Imdsv2RuleId.STALE_VERSION] });
    expect(notesAt(d, 'B/Asg', 'info').map((n) => n.ruleId)).toEqual([Imdsv2RuleId.STALE_VERSION]);
    expect(entryAt(d, 'B/Lt')).toMatchObject({ action: 'compliant' });
  });

  test('GIVEN the same two stacks WHEN the ASG uses B\'s own Lt THEN it is judged on B\'s (compliant), not on A\'s', () => {
    // WHEN
    const d = deploy((app) => {
      const a = new Stack(app, 'A');
      optionalTemplate(a);
      const b = new Stack(app, 'B');
      const ltB = new ec2.CfnLaunchTemplate(b, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'required' } } });
      new autoscaling.CfnAutoScalingGroup(b, 'Asg', {
        minSize: '1', maxSize: '1', availabilityZones: ['a'], launchTemplate: { launchTemplateId: ltB.ref, version: '1' },
      });
      return [a, b];
    });

    // THEN
    expect(d.resources.B.Asg.Properties.LaunchTemplate).toEqual({ LaunchTemplateId: { Ref: 'Lt' }, Version: '1' });
    expect(entryAt(d, 'B/Asg')).toMatchObject({ action: 'compliant', ruleIds: [] });
  });
});

describe('a launch template whose LatestVersionNumber another stack imports is not changed (an export in use cannot change)', () => {
  function build(app: App) {
    const a = new Stack(app, 'A');
    const lt = optionalTemplate(a);
    const b = new Stack(app, 'B');
    new autoscaling.CfnAutoScalingGroup(b, 'Asg', {
      minSize: '1', maxSize: '1', availabilityZones: ['a'], launchTemplate: { launchTemplateId: lt.ref, version: lt.attrLatestVersionNumber },
    });
    return [a, b];
  }

  test.each([false, true])('GIVEN an ASG in stack B following stack A\'s Lt.LatestVersionNumber (allowReplacement: %s) WHEN the aspect rewrites THEN A\'s Lt is left as written and reported Imdsv2-Replacement, naming the importing stack', (allowReplacement) => {
    // WHEN
    const d = deploy(build, { allowReplacement });

    // THEN
    expect(d.resources.A.Lt.Properties.LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'optional' });
    expect(entryAt(d, 'A/Lt')).toMatchObject({ action: 'reported', impact: 'none', ruleIds: [Imdsv2RuleId.TOKENS_REQUIRED, Imdsv2RuleId.REPLACEMENT] });
    expect(notesAt(d, 'A/Lt', 'info')).toEqual([]);
    expect(notesAt(d, 'A/Lt', 'warning').find((n) => n.ruleId === Imdsv2RuleId.REPLACEMENT)?.text)
      .toMatch(/LatestVersionNumber is exported to stack B, where AWS::AutoScaling::AutoScalingGroup Asg imports it: CloudFormation refuses to change an export in use/);
    expect(entryAt(d, 'B/Asg').action).not.toBe('fixed');
  });

  test('GIVEN an ASG in stack B pinning version 1 of stack A\'s Lt WHEN the aspect rewrites THEN the fix is applied (only the template id is imported, and it does not change)', () => {
    // WHEN
    const d = deploy((app) => {
      const a = new Stack(app, 'A');
      const lt = optionalTemplate(a);
      const b = new Stack(app, 'B');
      new autoscaling.CfnAutoScalingGroup(b, 'Asg', {
        minSize: '1', maxSize: '1', availabilityZones: ['a'], launchTemplate: { launchTemplateId: lt.ref, version: '1' },
      });
      return [a, b];
    });

    // THEN
    expect(d.resources.A.Lt.Properties.LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required' });
    expect(entryAt(d, 'A/Lt')).toMatchObject({ action: 'fixed', ruleIds: [Imdsv2RuleId.TOKENS_REQUIRED] });
    expect(entryAt(d, 'B/Asg')).toMatchObject({ action: 'fixed', ruleIds: [Imdsv2RuleId.STALE_VERSION] });
  });

  test('GIVEN an ASG in a nested stack of A following A\'s Lt.LatestVersionNumber WHEN the aspect rewrites THEN the fix is applied (a nested stack gets a parameter, not an export)', () => {
    // WHEN
    let nested!: NestedStack;
    const d = deploy((app) => {
      const a = new Stack(app, 'A');
      const lt = optionalTemplate(a);
      nested = new NestedStack(a, 'Workers');
      new autoscaling.CfnAutoScalingGroup(nested, 'Asg', {
        minSize: '1', maxSize: '1', availabilityZones: ['a'], launchTemplate: { launchTemplateId: lt.ref, version: lt.attrLatestVersionNumber },
      });
      return [a];
    });

    // THEN
    expect(d.resources.A.Lt.Properties.LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required' });
    expect(entryAt(d, 'A/Lt')).toMatchObject({ action: 'fixed', ruleIds: [Imdsv2RuleId.TOKENS_REQUIRED] });
    expect(entryAt(d, `${nested.node.path}/Asg`).action).toBe('fixed');
  });

  test('GIVEN the two stacks WHEN the nag pack checks the app THEN A\'s Lt breaks Imdsv2-Replacement', () => {
    // GIVEN
    const app = new App({ builtinCloudFormationValidation: false } as any);
    build(app);

    // WHEN
    const found = violations(validate(app, Imdsv2RuleId.REPLACEMENT));

    // THEN
    expect(found).toEqual([`${Imdsv2RuleId.REPLACEMENT} A/Lt`]);
  });

  test('GIVEN the two stacks synthesized without the aspect WHEN the CLI scans the cloud assembly THEN A\'s Lt is reported Imdsv2-Replacement too', () => {
    // GIVEN
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'imdsv2-export-'));
    const app = new App({ outdir, builtinCloudFormationValidation: false } as any);
    build(app);
    app.synth();

    // WHEN
    const result = scanTemplates(loadInputs([outdir]), { rules: new Set(RULE_CATALOG.map((r) => r.id)), hostHopLimit: 1, containerHopLimit: 2 });

    // THEN
    const replacement = result.findings.filter((f) => f.ruleId === Imdsv2RuleId.REPLACEMENT);
    expect(replacement.map((f) => f.logicalId)).toEqual(['Lt']);
    expect(replacement[0].problem).toMatch(/exported to stack B, where AWS::AutoScaling::AutoScalingGroup Asg imports it/);
  });
});
