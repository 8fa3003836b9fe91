/**
 * Engine-only micro benchmark: the time `analyze()` takes on its own, with no CDK app, no
 * synth and no front door around it, so a change to the engine's structure shows in the
 * numbers instead of vanishing in synth time. It also prints a digest of everything the
 * engine answers (findings in order, patches, impacts, descriptions) under three policies,
 * over generated templates and the shared corpus: equal digests before and after a
 * refactoring mean the engine's behaviour did not change on those inputs.
 *
 *   npx ts-node --transpile-only --project bench/tsconfig.json bench/engine.ts [--n 3000] [--runs 30]
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { median } from './stats';
import { analyze } from '../src/engine/analyze';
import { Json } from '../src/engine/json';
import { EnginePolicy, ResourceVerdict } from '../src/engine/model';
import { TemplateFile, loadTemplateFile } from '../src/templates/load-templates';
import { TemplateResources } from '../src/templates/template-resources';

const CORPUS = path.resolve(__dirname, '..', '..', 'shared', 'corpus');

const POLICIES: Record<string, EnginePolicy> = {
  default: { containerHopLimit: 2, allowReplacement: false },
  strict: { hostHopLimit: 1, containerHopLimit: 2, allowReplacement: true },
  // Every other resource out of reach: exercises the mayChange branches.
  partial: { containerHopLimit: 3, allowReplacement: false, mayChange: (v) => v.logicalId.length % 2 === 0 },
};

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const lt = (tokens: Json, hop?: Json): Json => ({
  Type: 'AWS::EC2::LaunchTemplate',
  Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: tokens, ...(hop === undefined ? {} : { HttpPutResponseHopLimit: hop }) } } },
});
const spec = (ltId: string, version: Json): Json => ({ LaunchTemplateId: { Ref: ltId }, Version: version });
const latest = (ltId: string): Json => ({ 'Fn::GetAtt': [ltId, 'LatestVersionNumber'] });

/** The resources of unit `i`: one of ten shapes, each taking another path through the engine. */
function unit(i: number): Record<string, Json> {
  const t = `Lt${i}`;
  switch (i % 10) {
    case 0: return { [t]: lt('optional'), [`Inst${i}`]: { Type: 'AWS::EC2::Instance', Properties: { LaunchTemplate: spec(t, latest(t)) } } };
    case 1: return { [t]: lt(undefined as unknown as Json, 4), [`Asg${i}`]: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: { LaunchTemplate: spec(t, latest(t)), Tags: [{ Key: 'kubernetes.io/cluster/c', Value: 'owned' }] } } };
    case 2: return {
      [`Lc${i}`]: { Type: 'AWS::AutoScaling::LaunchConfiguration', Properties: { MetadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 3 } } },
      [`Asg${i}`]: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: { LaunchConfigurationName: { Ref: `Lc${i}` } } },
    };
    case 3: return { [t]: lt('optional'), [`Asg${i}`]: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: { LaunchTemplate: spec(t, '1') } } };
    case 4: return { [`Ng${i}`]: { Type: 'AWS::EKS::Nodegroup', Properties: {} } };
    case 5: return { [`Inst${i}`]: { Type: 'AWS::EC2::Instance', Properties: { MetadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 5 } } } };
    case 6: return { [t]: lt({ Ref: 'Tokens' }) };
    case 7: return { [`Inst${i}`]: { Type: 'AWS::EC2::Instance', Properties: { LaunchTemplate: { LaunchTemplateName: 'elsewhere', Version: '$Latest' } } } };
    case 8: return {
      [t]: lt('optional', 2),
      [`Fleet${i}`]: { Type: 'AWS::EC2::EC2Fleet', Properties: { LaunchTemplateConfigs: [{ LaunchTemplateSpecification: spec(t, latest(t)) }] } },
    };
    default: return {
      [t]: lt('required', 2),
      [`Inst${i}`]: { Type: 'AWS::EC2::Instance', Properties: { MetadataOptions: { HttpEndpoint: 'enabled' }, LaunchTemplate: spec(t, { 'Fn::Sub': '${' + t + '.LatestVersionNumber}' }) } },
    };
  }
}

function generated(n: number): TemplateFile[] {
  const files: TemplateFile[] = [];
  const perStack = 250;
  for (let s = 0; s * perStack < n; s++) {
    const resources: Record<string, Json> = {};
    for (let i = s * perStack; i < Math.min(n, (s + 1) * perStack); i++) Object.assign(resources, unit(i));
    const template = { Parameters: { Tokens: { Type: 'String' } }, Resources: resources };
    const file = `/bench/stack${s}.template.json`;
    files.push({ file, name: `stack${s}.template.json`, stackName: `Stack${s}`, template, text: JSON.stringify(template) });
  }
  return files;
}

function corpus(): TemplateFile[] {
  const out: TemplateFile[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        walk(p);
        continue;
      }
      if (!/\.(json|ya?ml)$/.test(e.name)) continue;
      try {
        const t = loadTemplateFile(p);
        if (t.template && typeof t.template === 'object' && t.template.Resources) out.push(t);
      } catch { /* not a template */ }
    }
  };
  if (fs.existsSync(CORPUS)) walk(CORPUS);
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/** Everything a verdict says, with views replaced by their keys. */
function digestOf(verdicts: ResourceVerdict[]): string {
  const plain = verdicts.map((v) => ({
    key: v.resource.key,
    before: v.before,
    after: v.after,
    findings: v.findings.map((f) => ({ ...f, resource: f.resource.key })),
    patches: v.patches.map((p) => ({ ...p, resource: p.resource.key, launchTemplate: 'launchTemplate' in p ? p.launchTemplate.key : undefined })),
    impact: v.impact,
    compliantAsWritten: v.compliantAsWritten,
    compliantAfter: v.compliantAfter,
    acknowledged: v.acknowledged,
    acknowledgedThroughSource: v.acknowledgedThroughSource,
  }));
  return JSON.stringify(plain);
}

function main() {
  const n = arg('n', 3000);
  const runs = arg('runs', 30);
  const sets: Record<string, TemplateResources> = {
    generated: new TemplateResources(generated(n)),
    // One template at a time: corpus templates are unrelated stacks.
    ...Object.fromEntries(corpus().map((t) => [`corpus:${path.relative(CORPUS, t.file)}`, new TemplateResources([t])])),
  };
  const hash = createHash('sha256');
  for (const [name, resources] of Object.entries(sets)) {
    for (const [policyName, policy] of Object.entries(POLICIES)) {
      hash.update(`${name}|${policyName}|${digestOf(analyze(resources.views, resources, policy))}\n`);
    }
  }
  const big = sets.generated;
  for (let i = 0; i < 5; i++) analyze(big.views, big, POLICIES.default); // warm-up
  const times: number[] = [];
  // CPU time as well as wall time: on shared cores the wall time mostly measures the neighbours.
  const cpuTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const cpu = process.cpuUsage();
    analyze(big.views, big, POLICIES.default);
    const used = process.cpuUsage(cpu);
    times.push(performance.now() - start);
    cpuTimes.push((used.user + used.system) / 1000);
  }
  const rules: Record<string, number> = {};
  for (const v of analyze(big.views, big, POLICIES.default)) for (const f of v.findings) rules[f.ruleId] = (rules[f.ruleId] ?? 0) + 1;
  console.log(JSON.stringify({
    resources: big.views.length,
    findings: rules,
    corpusTemplates: Object.keys(sets).length - 1,
    digest: hash.digest('hex'),
    runs,
    medianMs: Number(median(times).toFixed(2)),
    minMs: Number(Math.min(...times).toFixed(2)),
    medianCpuMs: Number(median(cpuTimes).toFixed(2)),
  }));
}

main();
