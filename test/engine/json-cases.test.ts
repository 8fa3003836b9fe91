/**
 * The engine's JSON-in / verdict-out suite (issue #19): every file under test/engine/cases is
 * a small CloudFormation template (or a set of them) with the verdicts the engine must give.
 *
 * The engine runs through the template path the CLI and the validator use
 * (`TemplateResources` as the lookup, `analyze`, `userDataFindings`), with no aws-cdk-lib
 * anywhere: the last test proves it is not even loaded. See cases/README.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import { analyze } from '../../src/engine/analyze';
import { EnginePolicy, Finding, Patch, ResourceVerdict } from '../../src/engine/model';
import { adapterFor } from '../../src/engine/resource-table';
import { userDataFindings } from '../../src/engine/user-data';
import { TemplateFile, parseTemplateText } from '../../src/templates/load-templates';
import { TemplateResources } from '../../src/templates/template-resources';

const CASES_DIR = path.join(__dirname, 'cases');

/** One case file, as written. */
interface CaseFile {
  readonly description: string;
  /** Why the expectation is what it is, or a flagged engine behaviour. */
  readonly note?: string;
  readonly policy?: { hostHopLimit?: number; containerHopLimit?: number; allowReplacement?: boolean };
  /** One template (its resources are keyed by logical id in `expect`) … */
  readonly template?: any;
  /** … or several, by file name (keyed `file#LogicalId` in `expect`). */
  readonly templates?: Record<string, any>;
  /** Per file of `templates`: the stack it deploys as, or the parent that nests it. */
  readonly stacks?: Record<string, { stackName?: string; parent?: string; logicalId?: string }>;
  /** Logical id (or `file#LogicalId`) → rule ids acknowledged on it (written as cdk-nag suppressions). */
  readonly acknowledged?: Record<string, string[]>;
  readonly expect: Record<string, ExpectedVerdict>;
}

/** What a case expects of one IMDS-bearing resource. Every field is compared. */
interface ExpectedVerdict {
  /** Sorted; `Rule` when the engine fixes it, `Rule [manual]` when not, `Rule [advisory]` for advice. */
  readonly findings: string[];
  readonly patches: object[];
  readonly impact: string;
  readonly compliantAsWritten: boolean;
  readonly compliantAfter: boolean;
  /** Only when non-empty. */
  readonly acknowledged?: string[];
  /** Only when true. */
  readonly acknowledgedThroughSource?: true;
  /** Rule id → regex the problem text of that finding must match (key phrases only). */
  readonly problemMatches?: Record<string, string>;
}

interface LoadedCase {
  readonly name: string;
  readonly file: string;
  readonly spec: CaseFile;
}

function caseFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return caseFiles(full);
    return /\.(json|ya?ml)$/.test(e.name) ? [full] : [];
  }).sort();
}

function loadCase(file: string): LoadedCase {
  const text = fs.readFileSync(file, 'utf8');
  // YAML cases may use CloudFormation's short forms (!Ref, !GetAtt a.b, !Sub …) anywhere.
  const spec = parseTemplateText(text, file) as CaseFile;
  return { name: path.relative(CASES_DIR, file).replace(/\.(json|ya?ml)$/, ''), file, spec };
}

const SINGLE = 'template.json';

/** The case's templates as the CLI would have loaded them (each resource's acknowledgements added). */
function templatesOf(c: LoadedCase): TemplateFile[] {
  const { spec } = c;
  if ((spec.template === undefined) === (spec.templates === undefined)) throw new Error(`${c.name}: give either "template" or "templates"`);
  const sources: Record<string, any> = spec.template !== undefined ? { [SINGLE]: spec.template } : spec.templates!;
  const copies: Record<string, any> = JSON.parse(JSON.stringify(sources));
  for (const [key, rules] of Object.entries(spec.acknowledged ?? {})) {
    const [file, logicalId] = key.includes('#') ? key.split('#') : [SINGLE, key];
    const resource = copies[file]?.Resources?.[logicalId];
    if (!resource) throw new Error(`${c.name}: acknowledged ${key} is not a resource of the case`);
    const suppressions = rules.map((id) => ({ id, reason: 'acknowledged by the test case' }));
    resource.Metadata = { ...resource.Metadata, cdk_nag: { rules_to_suppress: suppressions } };
  }
  const files = new Map<string, TemplateFile>();
  const make = (name: string): TemplateFile => {
    const made = files.get(name);
    if (made) return made;
    if (copies[name] === undefined) throw new Error(`${c.name}: no template ${name}`);
    const stack = spec.stacks?.[name] ?? {};
    const parent = stack.parent !== undefined ? { template: make(stack.parent), logicalId: stack.logicalId! } : undefined;
    const file: TemplateFile = {
      file: `/cases/${c.name}/${name}`,
      name,
      template: copies[name],
      text: JSON.stringify(copies[name]),
      ...(stack.stackName !== undefined ? { stackName: stack.stackName } : {}),
      ...(parent ? { parent } : {}),
    };
    files.set(name, file);
    return file;
  };
  return Object.keys(copies).map(make);
}

interface Outcome {
  readonly actual: Record<string, ExpectedVerdict>;
  readonly problems: Record<string, Record<string, string[]>>;
  /** Structural invariants the engine must keep whatever the case. */
  readonly broken: string[];
}

/** Run the engine over the case the way the CLI does (TemplateResources + analyze + user data rule). */
function run(c: LoadedCase): Outcome {
  const templates = templatesOf(c);
  const resources = new TemplateResources(templates);
  const policy: EnginePolicy = {
    ...(c.spec.policy?.hostHopLimit !== undefined ? { hostHopLimit: c.spec.policy.hostHopLimit } : {}),
    containerHopLimit: c.spec.policy?.containerHopLimit ?? 2,
    allowReplacement: c.spec.policy?.allowReplacement ?? false,
  };
  const verdicts = analyze(resources.views, resources, policy);
  const single = c.spec.template !== undefined;
  const keyOf = (v: { logicalId: string; key: string }) => {
    if (single) return v.logicalId;
    const t = resources.templateOf(v as any);
    return `${t.name}#${v.logicalId}`;
  };
  const actual: Record<string, ExpectedVerdict> = {};
  const problems: Record<string, Record<string, string[]>> = {};
  const broken: string[] = [];
  const byKey = new Map<string, ResourceVerdict>(verdicts.map((v) => [v.resource.key, v]));
  // A verdict for every view, except a resource of an IMDS-bearing type that launches nothing as
  // written (a Kubernetes manifest of no Karpenter node class): its adapter says so, and it has none.
  const bearing = resources.views.filter((v) => adapterFor(v.type)?.launchesInstances?.(v) !== false);
  if (byKey.size !== bearing.length) broken.push(`${verdicts.length} verdicts for ${bearing.length} resources`);
  for (const view of resources.views) {
    const verdict = byKey.get(view.key);
    if (!verdict) {
      if (bearing.includes(view)) broken.push(`no verdict for ${keyOf(view)}`);
      continue;
    }
    const acknowledged = [...verdict.acknowledged];
    const findings: Finding[] = [...verdict.findings];
    for (const f of userDataFindings(view, resources.scriptsOf(view))) {
      if (resources.isAcknowledged(view, f.ruleId)) acknowledged.push(f.ruleId);
      else findings.push(f);
    }
    for (const p of verdict.patches) {
      if (p.resource.key !== view.key) broken.push(`${keyOf(view)} carries a patch of ${keyOf(p.resource)}`);
    }
    // (User data findings are not about the settings: they do not count here.)
    if (verdict.compliantAsWritten && verdict.findings.some((f) => !f.advisory)) broken.push(`${keyOf(view)} is compliant as written with findings`);
    const entry: ExpectedVerdict = {
      findings: findings.map(findingLabel).sort(),
      patches: verdict.patches.map((p) => patchJson(p, keyOf)),
      impact: verdict.impact,
      compliantAsWritten: verdict.compliantAsWritten,
      compliantAfter: verdict.compliantAfter,
      ...(acknowledged.length ? { acknowledged: [...new Set(acknowledged)].sort() } : {}),
      ...(verdict.acknowledgedThroughSource ? { acknowledgedThroughSource: true as const } : {}),
    };
    actual[keyOf(view)] = entry;
    problems[keyOf(view)] = {};
    for (const f of findings) (problems[keyOf(view)][f.ruleId] ??= []).push(f.problem);
  }
  return { actual, problems, broken };
}

function findingLabel(f: Finding): string {
  if (f.advisory) return `${f.ruleId} [advisory]`;
  return f.fixable ? f.ruleId : `${f.ruleId} [manual]`;
}

function patchJson(p: Patch, keyOf: (v: { logicalId: string; key: string }) => string): object {
  switch (p.kind) {
    case 'set': return { kind: p.kind, path: p.path.join('.'), value: p.value };
    case 'follow-latest': return { kind: p.kind, path: p.path.join('.'), launchTemplate: keyOf(p.launchTemplate) };
    case 'attach-launch-template': return { kind: p.kind, path: p.specPath.join('.'), idKey: p.idKey, versionKey: p.versionKey, metadataOptions: p.metadataOptions, ...(p.moved ? { moved: p.moved } : {}) };
  }
}

const CASES = caseFiles(CASES_DIR).map(loadCase);

/**
 * RECORD_JSON_CASES=<file outside the repository>: append what the engine answers for each case
 * to that file (JSON lines) instead of comparing, to draft the expectation of a NEW case. A
 * draft is read and judged against DESIGN.md before it goes into a case file (cases/README.md).
 */
const RECORD = process.env.RECORD_JSON_CASES;

describe('engine JSON cases', () => {
  test('there are at least 150 cases, each with a description and expectations', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(150);
    for (const c of CASES) {
      expect([c.name, typeof c.spec.description === 'string' && c.spec.description.length > 0]).toEqual([c.name, true]);
      expect([c.name, typeof c.spec.expect]).toEqual([c.name, 'object']);
    }
  });

  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { actual, problems, broken } = run(c);
    if (RECORD) {
      fs.appendFileSync(RECORD, `${JSON.stringify({ case: c.name, actual, problems })}\n`);
      return;
    }
    expect(broken).toEqual([]);
    // Every IMDS-bearing resource of the case is expected, and nothing else.
    const expected: Record<string, ExpectedVerdict> = {};
    const matches: Array<[string, string, string]> = [];
    for (const [key, e] of Object.entries(c.spec.expect)) {
      const { problemMatches, ...rest } = e;
      expected[key] = rest;
      for (const [rule, pattern] of Object.entries(problemMatches ?? {})) matches.push([key, rule, pattern]);
    }
    expect(actual).toEqual(expected);
    for (const [key, rule, pattern] of matches) {
      const texts = problems[key]?.[rule] ?? [];
      expect([key, rule, texts.some((t) => new RegExp(pattern).test(t))]).toEqual([key, rule, true]);
    }
  });

  test('the engine path loaded no aws-cdk-lib', () => {
    // Every case has run in this module registry by now (tests run in order in one file).
    const modules = Object.keys(require.cache);
    // The registry is seen at all: the engine this file imported is in it …
    expect(modules.some((f) => /[\\/]src[\\/]engine[\\/]analyze\.ts$/.test(f))).toBe(true);
    // … and aws-cdk-lib (or constructs) is not.
    expect(modules.filter((f) => /[\\/]node_modules[\\/](aws-cdk-lib|constructs)[\\/]/.test(f))).toEqual([]);
    expect(() => require.resolve('aws-cdk-lib')).not.toThrow(); // the check would see it: it is installed
  });
});
