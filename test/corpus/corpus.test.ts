import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ResourceImpact, fullDiff } from '@aws-cdk/cloudformation-diff';
import {
  CORPUS_DIR, CorpusTemplate, GuardRules, GuardRun, IMDS_FIELDS, LOCAL_INSTANCE_RULE, Synthesized,
  changedPaths, consumersOfOldVersions, controlTowerRules, findCorpusTemplates, flatName, guardRules, runCfnGuard, skipCorpusSuite,
  synthesizeIncluded, valueAtPath,
} from './corpus-helpers';
import { EnforcementMode, Imdsv2RuleId } from '../../src';
import { RESOURCE_TABLE } from '../../src/engine/resource-table';

// The aspect over real templates: every template of the public AWS sample corpus
// (aws-cloudformation-templates) that holds a resource type of the engine's table, pulled
// into a stack with CfnInclude and synthesized three times (no aspect, REPORT, REWRITE).

/**
 * Corpus templates that CfnInclude cannot read, with why. The suite asserts that exactly
 * these fail to include (and with the error given), so the list cannot grow silently.
 * All five are sources for `rain pkg` (Rain::Module / Rain::Embed directives are not
 * CloudFormation); the packaged `-pkg` versions of three of them are in the corpus and included.
 */
const EXCLUDED: Readonly<Record<string, { reason: string; error: RegExp }>> = {
  'IoT/amzn2-greengrass-cfn.json': {
    reason: 'rain source: a Lambda Code.ZipFile is { "Rain::Embed": … } (packaged: IoT/amzn2-greengrass-cfn-pkg.json)',
    error: /Supplied properties not correct for "CfnFunctionProps"/,
  },
  'Solutions/GitLab/GitLabServer.json': {
    reason: 'rain source: resources of Type { "Rain::Module": … }, referenced as NetworkVPC (packaged: GitLabServer-pkg.json)',
    error: /Ref expression with logical ID: 'NetworkVPC' not found/,
  },
  'Solutions/GitLabAndVSCode/GitLabAndVSCode.json': {
    reason: 'rain source: resources of Type { "Rain::Module": … }, referenced as NetworkVPC (no packaged version)',
    error: /Ref expression with logical ID: 'NetworkVPC' not found/,
  },
  'Solutions/Gitea/Gitea.json': {
    reason: 'rain source: resources of Type { "Rain::Module": … }, referenced as NetworkVPC (packaged: Gitea-pkg.json)',
    error: /Ref expression with logical ID: 'NetworkVPC' not found/,
  },
  'Solutions/VSCode/VSCodeServer.json': {
    reason: 'rain source: resources of Type { "Rain::Module": … }, referenced as NetworkVPC (packaged: VSCodeServer-pkg.json)',
    error: /Ref expression with logical ID: 'NetworkVPC' not found/,
  },
};

/**
 * Engine bugs found by this suite (reported to the engine's owner): corpus templates on
 * which, after REWRITE, cfn-guard still fails or a consumer keeps launching the old version
 * of a fixed launch template (see consumersOfOldVersions), with exactly what is found.
 * Empty it as they are fixed: the suite asserts it is exactly what is found, so it fails
 * both when one is fixed and when a new one breaks.
 */
const KNOWN_ENGINE_GAPS: Readonly<Record<string, readonly string[]>> = {};

/**
 * Rule ids a finding may keep, as a warning, after REWRITE (everything else must be fixed or
 * acknowledged): what cannot be decided here, what would replace a live resource, and a boot
 * script that calls IMDS without a token (only a person can rewrite a script).
 */
const OPEN_AFTER_REWRITE = new Set<string>([Imdsv2RuleId.UNVERIFIABLE, Imdsv2RuleId.REPLACEMENT, Imdsv2RuleId.USER_DATA_V1]);

/** The only resource type whose IMDS fix CloudFormation replaces: harmless, the group moves to the new configuration. */
const REPLACED_BY_DESIGN = 'AWS::AutoScaling::LaunchConfiguration';

/**
 * The hop limits the aspect writes with its default props: containerHopLimit (2) on container
 * hosts, and on plain hosts above it (no host policy); never 1, which is a policy the user sets.
 */
const HOP_LIMITS = [2];

const HAVE_CORPUS = fs.existsSync(CORPUS_DIR);
const CANDIDATES: CorpusTemplate[] = HAVE_CORPUS ? findCorpusTemplates(CORPUS_DIR) : [];
const INCLUDED = CANDIDATES.filter((t) => !(t.rel in EXCLUDED));

interface Outcome {
  readonly template: CorpusTemplate;
  readonly none?: Synthesized;
  readonly report?: Synthesized;
  readonly rewrite?: Synthesized;
  readonly error?: string;
}

if (!HAVE_CORPUS || CANDIDATES.length === 0) {
  skipCorpusSuite('corpus tests', HAVE_CORPUS ? `no template with an IMDS-bearing resource in ${CORPUS_DIR}` : `no corpus at ${CORPUS_DIR}`);
} else {
  jest.setTimeout(300_000);

  describe('corpus: aws-cloudformation-templates through CfnInclude', () => {
    const outcomes = new Map<string, Outcome>();
    let tmp: string;
    let rules: GuardRules[];
    let guardReport: GuardRun;
    let guardRewrite: GuardRun;
    const stats = {
      resources: 0,
      imdsResources: 0,
      changedResources: 0,
      changedFields: 0,
      impacts: {} as Record<string, number>,
      replaced: [] as string[],
      actions: {} as Record<string, number>,
    };

    const outcome = (t: CorpusTemplate): Outcome => outcomes.get(t.rel)!;
    /** The three syntheses of an included template (the test fails if it did not include). */
    const synths = (t: CorpusTemplate) => {
      const o = outcome(t);
      if (o.error) throw new Error(`${t.rel} did not include: ${o.error}`);
      return { none: o.none!, report: o.report!, rewrite: o.rewrite! };
    };

    beforeAll(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imdsv2-corpus-'));
      const dirs = { REPORT: path.join(tmp, 'report'), REWRITE: path.join(tmp, 'rewrite'), out: path.join(tmp, 'cdk.out') };
      Object.values(dirs).forEach((d) => fs.mkdirSync(d));
      let n = 0;
      const outdir = () => path.join(dirs.out, String(n++));
      for (const template of CANDIDATES) {
        let none: Synthesized;
        try {
          none = synthesizeIncluded(template.file, undefined, outdir());
        } catch (e) {
          outcomes.set(template.rel, { template, error: String((e as Error).message).split('\n')[0] });
          continue;
        }
        const report = synthesizeIncluded(template.file, EnforcementMode.REPORT, outdir());
        const rewrite = synthesizeIncluded(template.file, EnforcementMode.REWRITE, outdir());
        outcomes.set(template.rel, { template, none, report, rewrite });
        fs.writeFileSync(path.join(dirs.REPORT, flatName(template.rel)), report.text);
        fs.writeFileSync(path.join(dirs.REWRITE, flatName(template.rel)), rewrite.text);
      }
      fs.rmSync(dirs.out, { recursive: true, force: true });
      const local = path.join(tmp, 'local-ec2-instance-imdsv2.guard');
      fs.writeFileSync(local, LOCAL_INSTANCE_RULE);
      rules = [controlTowerRules('ec2/ct-ec2-pr-1.guard'), controlTowerRules('ec2autoscaling/ct-autoscaling-pr-2.guard'), guardRules(local)];
      // One cfn-guard run per directory, all templates and all rules at once.
      guardReport = runCfnGuard(dirs.REPORT, rules);
      guardRewrite = runCfnGuard(dirs.REWRITE, rules);
    });

    afterAll(() => {
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
      if (!guardReport) return;
      const byControl = (run: GuardRun) => rules.map((r) => {
        const f = run.failures.filter((x) => x.control === r.control);
        return `${r.control} ${f.length} templates / ${f.reduce((s, x) => s + x.logicalIds.length, 0)} resources`;
      }).join(', ');
      console.log([
        `corpus: ${CANDIDATES.length} templates with IMDS-bearing resources; ${CANDIDATES.length - Object.keys(EXCLUDED).length} included, ${Object.keys(EXCLUDED).length} excluded (see EXCLUDED)`,
        `resources compared REPORT vs REWRITE: ${stats.resources} (${stats.imdsResources} IMDS-bearing); changed by REWRITE: ${stats.changedResources} resources, ${stats.changedFields} fields`,
        `aspect actions (REWRITE): ${JSON.stringify(stats.actions)}`,
        `cloudformation-diff impacts: ${JSON.stringify(stats.impacts)}; replaced (${REPLACED_BY_DESIGN} only): ${stats.replaced.length}`,
        `cfn-guard on REPORT output: ${byControl(guardReport)}`,
        ...rules.filter((r) => r.control.startsWith('CT.')).map((r) =>
          `  ${r.control} fails on: ${guardReport.failures.filter((f) => f.control === r.control).map((f) => `${f.template}#${f.logicalIds.join(',')}`).join(' ')}`),
        `cfn-guard on REWRITE output: ${byControl(guardRewrite)}`,
        `KNOWN_ENGINE_GAPS: ${Object.entries(KNOWN_ENGINE_GAPS).map(([k, v]) => `${k}: ${v.join('; ')}`).join(' | ') || 'none'}`,
      ].join('\n'));
    });

    test('the corpus has templates to check, and CfnInclude fails on exactly the EXCLUDED ones, for the reason given', () => {
      expect(INCLUDED.length).toBeGreaterThan(0);
      const failed = [...outcomes.values()].filter((o) => o.error);
      expect(failed.map((o) => o.template.rel).sort()).toEqual(Object.keys(EXCLUDED).sort());
      for (const o of failed) expect(o.error).toMatch(EXCLUDED[o.template.rel].error);
    });

    test('cfn-guard evaluated every included template, with the three rules files', () => {
      const expected = INCLUDED.map((t) => flatName(t.rel)).sort();
      expect(guardReport.evaluated).toEqual(expected);
      expect(guardRewrite.evaluated).toEqual(expected);
      expect(rules.map((r) => r.control)).toEqual(['CT.EC2.PR.1', 'CT.AUTOSCALING.PR.2', 'LOCAL.EC2.INSTANCE.IMDSV2']);
    });

    test('cfn-guard finds IMDSv1 on the REPORT (unchanged) templates: every control fails somewhere, and exactly where the aspect reported', () => {
      // Not vacuous: each control fails on the output of REPORT (= the template as written) …
      for (const r of rules) expect(guardReport.failures.filter((f) => f.control === r.control).length).toBeGreaterThan(0);
      // … and cfn-guard and the engine agree, resource by resource, on what they both check:
      // launch templates, launch configurations and instances without a launch template
      // (cfn-guard fails them for tokens not literally 'required': the engine says
      // Imdsv2-TokensRequired, or Imdsv2-Unverifiable when the value is an intrinsic).
      const byGuard = guardReport.failures.flatMap((f) => f.logicalIds.map((id) => `${f.template}#${id}`)).sort();
      const byAspect = INCLUDED.flatMap((t) => {
        const { report } = synths(t);
        return report.entries.filter((e) => {
          const props = report.template.Resources[e.logicalId]?.Properties ?? {};
          const checked = e.resourceType === 'AWS::EC2::LaunchTemplate' || e.resourceType === 'AWS::AutoScaling::LaunchConfiguration'
            || (e.resourceType === 'AWS::EC2::Instance' && props.LaunchTemplate === undefined);
          return checked && e.ruleIds.some((id) => id === Imdsv2RuleId.TOKENS_REQUIRED || id === Imdsv2RuleId.UNVERIFIABLE);
        }).map((e) => `${flatName(t.rel)}#${e.logicalId}`);
      }).sort();
      expect(byGuard).toEqual(byAspect);
    });

    test('after REWRITE nothing launches with IMDSv1 open (cfn-guard, and consumers of fixed launch templates), except KNOWN_ENGINE_GAPS', () => {
      const found: Record<string, string[]> = {};
      const add = (rel: string, what: string) => (found[rel] ??= []).push(what);
      const relOf = new Map(INCLUDED.map((t) => [flatName(t.rel), t.rel]));
      for (const f of guardRewrite.failures) add(relOf.get(f.template) ?? f.template, `cfn-guard ${f.control}: ${f.logicalIds.join(', ')}`);
      for (const t of INCLUDED) {
        const { report, rewrite } = synths(t);
        for (const line of consumersOfOldVersions(report.template.Resources, rewrite.template.Resources)) add(t.rel, `old version: ${line}`);
      }
      for (const lines of Object.values(found)) lines.sort();
      expect(found).toEqual(KNOWN_ENGINE_GAPS);
    });

    test('the checkers themselves: the local instance rule and consumersOfOldVersions on small templates', () => {
      const dir = path.join(tmp, 'self-test');
      fs.mkdirSync(dir);
      const instance = (p: object) => ({ Resources: { I: { Type: 'AWS::EC2::Instance', Properties: { ImageId: 'ami-1', ...p } } } });
      const cases: Record<string, object> = {
        'unset.json': instance({}),
        'optional.json': instance({ MetadataOptions: { HttpTokens: 'optional' } }),
        'required.json': instance({ MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' } }),
        'disabled.json': instance({ MetadataOptions: { HttpEndpoint: 'disabled' } }),
        'with-template.json': instance({ LaunchTemplate: { LaunchTemplateId: 'lt-1', Version: '1' } }),
      };
      for (const [name, body] of Object.entries(cases)) fs.writeFileSync(path.join(dir, name), JSON.stringify(body));
      const local = rules.filter((r) => r.control === 'LOCAL.EC2.INSTANCE.IMDSV2');
      const run = runCfnGuard(dir, local);
      expect(run.evaluated).toEqual(Object.keys(cases).sort());
      expect(run.failures.map((f) => `${f.template} ${f.logicalIds.join(',')}`).sort()).toEqual(['optional.json I', 'unset.json I']);

      const lt = (tokens: string) => ({ Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateName: 'n', LaunchTemplateData: { MetadataOptions: { HttpTokens: tokens } } } });
      const spec = (version?: unknown) => ({ LaunchTemplateId: { Ref: 'Lt' }, ...(version === undefined ? {} : { Version: version }) });
      const consumers = {
        Latest: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: { LaunchTemplate: spec({ 'Fn::GetAtt': ['Lt', 'LatestVersionNumber'] }) } },
        Default: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: { LaunchTemplate: spec({ 'Fn::GetAtt': ['Lt', 'DefaultVersionNumber'] }) } },
        Pinned: { Type: 'AWS::EC2::SpotFleet', Properties: { SpotFleetRequestConfigData: { LaunchTemplateConfigs: [{ LaunchTemplateSpecification: spec('1') }] } } },
        NoVersion: { Type: 'AWS::EKS::Nodegroup', Properties: { LaunchTemplate: { Name: 'n' } } },
        ClosedInstance: { Type: 'AWS::EC2::Instance', Properties: { LaunchTemplate: spec('1'), MetadataOptions: { HttpTokens: 'required' } } },
        OpenInstance: { Type: 'AWS::EC2::Instance', Properties: { LaunchTemplate: spec('$Default') } },
      };
      expect(consumersOfOldVersions({ Lt: lt('optional'), ...consumers }, { Lt: lt('required'), ...consumers })).toEqual([
        'Default → Lt: Version {"Fn::GetAtt":["Lt","DefaultVersionNumber"]}',
        'NoVersion → Lt: Version (none)',
        'OpenInstance → Lt: Version "$Default"',
        'Pinned → Lt: Version "1"',
      ]);
      // Nothing is stale when the template did not change.
      expect(consumersOfOldVersions({ Lt: lt('required'), ...consumers }, { Lt: lt('required'), ...consumers })).toEqual([]);
    });

    test('every type of the engine table has its IMDS fields listed here', () => {
      expect(Object.keys(IMDS_FIELDS).sort()).toEqual([...RESOURCE_TABLE.keys()].sort());
    });

    describe.each(INCLUDED.map((t) => [t.rel, t] as const))('%s', (_, t) => {
      test('REPORT synthesizes byte for byte the template synthesized with no aspect', () => {
        const { none, report } = synths(t);
        expect(changedPaths(none.template, report.template)).toEqual([]);
        expect(report.text === none.text).toBe(true);
      });

      test('REWRITE changes only IMDS fields of IMDS-bearing resources; everything else is deep-equal', () => {
        const { report, rewrite } = synths(t);
        // Sections other than Resources (Parameters, Conditions, Mappings, Outputs, …) are untouched.
        const { Resources: before, ...restBefore } = report.template;
        const { Resources: after, ...restAfter } = rewrite.template;
        expect(restAfter).toEqual(restBefore);
        // No resource disappears. A new one may only be a launch template the aspect
        // attached (with IMDS settings only), which a changed resource then references.
        expect(Object.keys(before).filter((id) => !(id in after))).toEqual([]);
        const added = Object.keys(after).filter((id) => !(id in before));
        for (const id of added) {
          expect(after[id].Type).toBe('AWS::EC2::LaunchTemplate');
          expect(changedPaths({}, after[id].Properties)).toEqual(
            expect.arrayContaining(['LaunchTemplateData.MetadataOptions.HttpTokens']));
          for (const p of changedPaths({}, after[id].Properties)) expect(p).toMatch(IMDS_FIELDS['AWS::EC2::LaunchTemplate']);
        }
        for (const [id, old] of Object.entries<any>(before)) {
          const now = after[id];
          stats.resources++;
          if (!RESOURCE_TABLE.has(old.Type)) {
            // Not IMDS-bearing: the whole resource (Properties, Metadata, DependsOn, policies) is unchanged.
            expect({ id, resource: now }).toEqual({ id, resource: old });
            continue;
          }
          stats.imdsResources++;
          // IMDS-bearing: everything but Properties is unchanged, and inside Properties only the
          // fields that carry IMDS settings or point at a launch template version (IMDS_FIELDS,
          // per type) may differ, each to a value the policy asks for. Compared leaf by leaf,
          // so other metadata options (HttpEndpoint, InstanceMetadataTags, …) must be kept.
          const { Properties: p0, ...rest0 } = old;
          const { Properties: p1, ...rest1 } = now;
          expect({ id, rest: rest1 }).toEqual({ id, rest: rest0 });
          const changed = changedPaths(p0 ?? {}, p1 ?? {});
          if (changed.length > 0) stats.changedResources++;
          stats.changedFields += changed.length;
          for (const field of changed) {
            expect({ id, field }).toEqual({ id, field: expect.stringMatching(IMDS_FIELDS[old.Type]) });
            expectPolicyValue(old.Type, field, p1, after, added);
          }
        }
      });

      test('cloudformation-diff: REPORT → REWRITE replaces nothing but launch configurations, and no instance follows a changed launch template', () => {
        const { report, rewrite } = synths(t);
        const diff = fullDiff(report.template, rewrite.template);
        const changedTemplates: string[] = [];
        diff.resources.forEachDifference((id, change) => {
          const impact = change.changeImpact;
          stats.impacts[impact] = (stats.impacts[impact] ?? 0) + 1;
          const type = change.newResourceType ?? change.oldResourceType;
          expect({ id, impact }).not.toEqual({ id, impact: ResourceImpact.WILL_DESTROY });
          expect({ id, impact }).not.toEqual({ id, impact: ResourceImpact.WILL_ORPHAN });
          if (impact === ResourceImpact.WILL_REPLACE || impact === ResourceImpact.MAY_REPLACE) {
            // The one exception, and only for that type.
            expect({ id, type }).toEqual({ id, type: REPLACED_BY_DESIGN });
            stats.replaced.push(`${t.rel}#${id}`);
          }
          if (type === 'AWS::EC2::LaunchTemplate' && impact !== ResourceImpact.NO_CHANGE) changedTemplates.push(id);
        });
        // What the diff cannot see (aws-cdk #38069): an instance or EC2 fleet that follows a
        // launch template's Latest/DefaultVersionNumber is replaced when the template changes,
        // although its own text does not.
        for (const lt of changedTemplates) {
          const follows = new RegExp(`"Fn::GetAtt":(\\["${lt}","(Latest|Default)VersionNumber"\\]|"${lt}\\.(Latest|Default)VersionNumber")`);
          const followers = Object.entries<any>(rewrite.template.Resources)
            .filter(([, r]) => (r.Type === 'AWS::EC2::Instance' || r.Type === 'AWS::EC2::EC2Fleet') && follows.test(JSON.stringify(r.Properties ?? {})))
            .map(([id]) => id);
          expect({ lt, followers }).toEqual({ lt, followers: [] });
        }
      });

      test('REWRITE output is compliant or annotated: every finding left open is a visible Imdsv2-Unverifiable / Imdsv2-Replacement warning', () => {
        const { report, rewrite } = synths(t);
        const onPath = (s: Synthesized, p: string, level: string) =>
          s.messages.filter((m) => m.path === p && m.level === level).map((m) => m.text);
        const ackIds = (texts: string[]) => texts.flatMap((x) => [...x.matchAll(/\[ack: ([\w-]+)\]/g)].map((m) => m[1]));
        expect(rewrite.messages.filter((m) => m.level === 'error')).toEqual([]);
        // The aspect looked at every IMDS-bearing resource of the template, in both modes.
        const ids = (s: Synthesized) => s.entries.map((e) => e.logicalId).sort();
        expect(ids(rewrite)).toEqual(Object.keys(t.imdsResources).sort());
        expect(ids(report)).toEqual(ids(rewrite));
        for (const e of rewrite.entries) {
          stats.actions[e.action] = (stats.actions[e.action] ?? 0) + 1;
          const fixed = ackIds(onPath(rewrite, e.path, 'info'));
          const open = ackIds(onPath(rewrite, e.path, 'warning'));
          // Every finding is visible: as an info when fixed, as an acknowledgeable warning when not.
          expect({ id: e.logicalId, rules: [...new Set([...fixed, ...open])].sort() }).toEqual({ id: e.logicalId, rules: [...e.ruleIds].sort() });
          // What stays open is only what cannot be decided here or would replace a live resource
          // (a finding whose fix would replace it is open next to its Imdsv2-Replacement: an EMR
          // cluster given a security configuration, a node group given a launch template).
          const replaces = open.includes(Imdsv2RuleId.REPLACEMENT);
          for (const rule of open) {
            expect({ id: e.logicalId, rule, allowed: OPEN_AFTER_REWRITE.has(rule) || replaces }).toMatchObject({ allowed: true });
          }
          if (e.action === 'compliant' || e.action === 'fixed' || e.action === 'acknowledged') continue;
          // Not fixed (partly fixed, reported, open …): at least one warning says why.
          expect({ id: e.logicalId, action: e.action, warned: open.length > 0 }).toMatchObject({ warned: true });
        }
        // REPORT warns about every finding, and changes nothing (checked above).
        for (const e of report.entries) {
          expect({ id: e.logicalId, rules: [...new Set(ackIds(onPath(report, e.path, 'warning')))].sort() })
            .toEqual({ id: e.logicalId, rules: [...e.ruleIds].sort() });
        }
      });
    });
  });
}

/** A changed IMDS field must hold what the policy asks for. */
function expectPolicyValue(type: string, field: string, props: any, resources: Record<string, any>, added: string[]): void {
  const value = valueAtPath(props, field);
  const leaf = field.split('.').pop()!;
  const where = { type, field, value };
  switch (leaf) {
    case 'HttpTokens':
      expect(where).toEqual({ ...where, value: 'required' });
      return;
    case 'HttpPutResponseHopLimit':
      expect(HOP_LIMITS).toContain(value);
      return;
    case 'Version': {
      // Follows the latest version of a launch template of this template.
      const target = value?.['Fn::GetAtt']?.[0];
      expect(where).toEqual({ ...where, value: { 'Fn::GetAtt': [expect.any(String), 'LatestVersionNumber'] } });
      expect(resources[target]?.Type).toBe('AWS::EC2::LaunchTemplate');
      return;
    }
    case 'LaunchTemplateId':
    case 'Id':
      // Points at a launch template the aspect attached.
      expect(added).toContain(value?.Ref);
      return;
    case 'DisableIMDSV1':
      expect(value).toBe(true);
      return;
    case 'MinimumInstanceMetadataServiceVersion':
      expect(value).toBe('2');
      return;
    case 'Namespace':
    case 'OptionName':
    case 'Value': {
      // Elastic Beanstalk: only the DisableIMDSv1 option, set to true.
      const option = valueAtPath(props, field.split('.').slice(0, -1).join('.'));
      expect(option).toEqual({ Namespace: 'aws:autoscaling:launchconfiguration', OptionName: 'DisableIMDSv1', Value: 'true' });
      return;
    }
    default:
      throw new Error(`no expected value for ${type} ${field}`);
  }
}
