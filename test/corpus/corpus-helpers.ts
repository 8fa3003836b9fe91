import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, AspectPriority, Aspects, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { EnforcementMode, Imdsv2Aspect, Imdsv2ReportEntry } from '../../src';
import { RESOURCE_TABLE } from '../../src/engine/resource-table';

/**
 * The corpus of public AWS sample templates (aws-cloudformation-templates), kept next
 * to the repository in the shared work area; absent from a fresh clone.
 */
export const CORPUS_DIR = path.resolve(__dirname, '../../../shared/corpus/aws-cloudformation-templates');

/** The shared work area that holds the corpus; CI always has it. */
export const SHARED_DIR = path.resolve(__dirname, '../../../shared');

/** Whether this run is on CI (CI set to anything but '', 'false' or '0'). */
export function onCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/**
 * What to do with a corpus suite that cannot run (`reason`): locally, skip it with one line;
 * on CI, where ../shared always exists, a skip would hide a broken setup and let a release
 * through untested against the corpus, so fail with the reason instead. Returns the message
 * to fail with, or undefined to skip.
 */
export function corpusSkipFailure(
  suite: string, reason: string, env: NodeJS.ProcessEnv = process.env, shared: string = SHARED_DIR,
): string | undefined {
  if (!onCi(env)) return undefined;
  const where = fs.existsSync(shared) ? `${shared} exists` : `${shared} is missing, and CI always has it`;
  return `${suite} cannot run on CI (${reason}; ${where}): a skipped corpus suite is a failure there`;
}

/** In place of a corpus suite that cannot run: a skip locally (one line), a failing test on CI. */
export function skipCorpusSuite(suite: string, reason: string): void {
  const failure = corpusSkipFailure(suite, reason);
  if (failure === undefined) {
    console.log(`${suite} skipped: ${reason}`);
    test.skip(`${suite} (skipped: ${reason})`, () => undefined);
  } else {
    test(`${suite} runs on CI`, () => {
      throw new Error(failure);
    });
  }
}

/** One corpus template that holds at least one resource type of the engine's table. */
export interface CorpusTemplate {
  /** Path relative to the corpus root, e.g. `EC2/EIP_With_Association.json`. */
  readonly rel: string;
  readonly file: string;
  /** Its IMDS-bearing resources as written: logical id → type. */
  readonly imdsResources: Readonly<Record<string, string>>;
}

/** Every JSON template of the corpus with at least one resource type in RESOURCE_TABLE, sorted. */
export function findCorpusTemplates(root: string): CorpusTemplate[] {
  const found: CorpusTemplate[] = [];
  for (const file of walk(root).filter((f) => f.endsWith('.json')).sort()) {
    let parsed: any;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      continue; // not a template (no corpus file is, today)
    }
    const imdsResources: Record<string, string> = {};
    for (const [id, r] of Object.entries<any>(parsed?.Resources ?? {})) {
      if (typeof r?.Type === 'string' && RESOURCE_TABLE.has(r.Type)) imdsResources[id] = r.Type;
    }
    if (Object.keys(imdsResources).length > 0) {
      found.push({ rel: path.relative(root, file).split(path.sep).join('/'), file, imdsResources });
    }
  }
  return found;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}

/** An annotation of the synthesized stack. */
export interface Message {
  readonly level: string;
  /** Construct path without the leading slash, as in the aspect's report entries. */
  readonly path: string;
  readonly text: string;
}

/** One synthesis of one corpus template. */
export interface Synthesized {
  readonly template: any;
  /** JSON.stringify of the template, for byte-for-byte comparison. */
  readonly text: string;
  /** The aspect's report entries (none without the aspect). */
  readonly entries: Imdsv2ReportEntry[];
  readonly messages: Message[];
}

/**
 * `file` included with CfnInclude into a stack of its own App, synthesized with the aspect
 * in `mode` (or with no aspect at all). The stack synthesizer adds no bootstrap
 * parameter or rule, so the output is the template as CfnInclude renders it.
 */
export function synthesizeIncluded(file: string, mode: EnforcementMode | undefined, outdir: string): Synthesized {
  const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': false } });
  const stack = new Stack(app, 'Corpus', { synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }) });
  new CfnInclude(stack, 'Template', { templateFile: file });
  // Per-fix annotations are opt-in (fixes need no action); the corpus test reads them.
  const aspect = mode === undefined ? undefined : new Imdsv2Aspect({ mode, annotateFixes: true });
  if (aspect) Aspects.of(app).add(aspect, { priority: AspectPriority.MUTATING });
  const artifact = app.synth().getStackArtifact(stack.artifactId);
  const template = artifact.template;
  return {
    template,
    text: JSON.stringify(template),
    entries: aspect?.entries ?? [],
    messages: artifact.messages.map((m) => ({ level: m.level, path: m.id.replace(/^\//, ''), text: String(m.entry.data) })),
  };
}

// ---------------------------------------------------------------------------------------
// cfn-guard

/** A guard rules file and the control it implements. */
export interface GuardRules {
  /** The control id in the rule's message, e.g. `CT.EC2.PR.1`. */
  readonly control: string;
  readonly file: string;
  /** Its top-level rule names (what cfn-guard reports under not_compliant[].Rule.name). */
  readonly ruleNames: readonly string[];
}

const GUARD_PACKAGE = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));

/** The static cfn-guard binary shipped by @cdklabs/cdk-validator-cfnguard for this platform. */
export function cfnGuardBinary(): string {
  const platform = { linux: 'ubuntu', darwin: 'macos' }[process.platform as string];
  const arch = { x64: 'x86_64', arm64: 'aarch64' }[process.arch as string];
  const binary = path.join(GUARD_PACKAGE, 'bin', platform ?? process.platform, arch ?? process.arch, 'cfn-guard');
  if (!platform || !arch || !fs.existsSync(binary)) {
    throw new Error(`no cfn-guard binary for ${process.platform}/${process.arch} in ${path.join(GUARD_PACKAGE, 'bin')}`);
  }
  return binary;
}

/** A Control Tower rules file of @cdklabs/cdk-validator-cfnguard, e.g. `ec2/ct-ec2-pr-1.guard`. */
export function controlTowerRules(relative: string): GuardRules {
  return guardRules(path.join(GUARD_PACKAGE, 'rules', 'control-tower', 'cfn-guard', relative));
}

/** Read a rules file: its control id (from `[CT.X.PR.n]:` in its messages) and rule names. */
export function guardRules(file: string): GuardRules {
  const text = fs.readFileSync(file, 'utf8');
  const controls = [...new Set([...text.matchAll(/^\s*\[([A-Z]+(?:\.[A-Z0-9]+)+)\]:/gm)].map((m) => m[1]))];
  if (controls.length !== 1) throw new Error(`${file}: expected one control id, found ${controls.join(', ') || 'none'}`);
  const ruleNames = [...new Set([...text.matchAll(/^rule (\w+) when/gm)].map((m) => m[1]))];
  return { control: controls[0], file, ruleNames };
}

/**
 * Not a Control Tower control: the two controls above see launch templates and launch
 * configurations only, not the instances that most corpus templates hold. This rule
 * checks them the same way: an AWS::EC2::Instance with IMDS enabled and no launch
 * template must have MetadataOptions.HttpTokens 'required'. (An instance with a launch
 * template may take its tokens from it, which a guard rule cannot follow: skipped.)
 */
export const LOCAL_INSTANCE_RULE = `
let imds_instances = Resources.*[
    Type == 'AWS::EC2::Instance'
    Properties.LaunchTemplate not exists
    Properties.MetadataOptions.HttpEndpoint not exists or
    Properties.MetadataOptions.HttpEndpoint == 'enabled'
]

rule local_ec2_instance_imdsv2_check when %imds_instances not empty {
    %imds_instances.Properties.MetadataOptions.HttpTokens == 'required'
    <<
    [LOCAL.EC2.INSTANCE.IMDSV2]: Require an Amazon EC2 instance without a launch template to require IMDSv2 tokens
    >>
}
`;

/** One rule that failed on one template. */
export interface GuardFailure {
  /** The data file's name (without directory). */
  readonly template: string;
  readonly control: string;
  /** The logical ids the failing clauses point at. */
  readonly logicalIds: string[];
}

export interface GuardRun {
  /** Names of the data files cfn-guard reported on. */
  readonly evaluated: string[];
  readonly failures: GuardFailure[];
}

/**
 * Run cfn-guard once over every template in `dataDir` with all `rules`. Exit code 0 is
 * "no failure", 19 "failures found"; anything else (a rules parse error is 5) throws.
 */
export function runCfnGuard(dataDir: string, rules: readonly GuardRules[]): GuardRun {
  const args = ['validate', '--data', dataDir, ...rules.flatMap((r) => ['--rules', r.file]),
    '--output-format', 'json', '--show-summary', 'none', '--structured'];
  const run = spawnSync(cfnGuardBinary(), args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (run.error) throw run.error;
  if (run.status !== 0 && run.status !== 19) {
    throw new Error(`cfn-guard ${args.join(' ')} exited with ${run.status}: ${run.stderr}${run.stdout.slice(0, 2000)}`);
  }
  const controlOf = new Map(rules.flatMap((r) => r.ruleNames.map((n) => [n, r.control] as const)));
  const evaluated = new Set<string>();
  const failures: GuardFailure[] = [];
  for (const report of parseJsonStream(run.stdout)) {
    const template = path.basename(String(report.name));
    evaluated.add(template);
    for (const nc of report.not_compliant ?? []) {
      const name = String(nc?.Rule?.name);
      const control = controlOf.get(name);
      if (!control) throw new Error(`cfn-guard reported an unknown rule ${name} on ${template}`);
      const ids = [...JSON.stringify(nc).matchAll(/"\/Resources\/([^/"]+)/g)].map((m) => m[1]);
      failures.push({ template, control, logicalIds: [...new Set(ids)].sort() });
    }
  }
  if (run.status === 19 && failures.length === 0) throw new Error('cfn-guard exited with 19 but reported no failure');
  if (run.status === 0 && failures.length > 0) throw new Error('cfn-guard exited with 0 but reported failures');
  return { evaluated: [...evaluated].sort(), failures };
}

/**
 * JSON documents written back to back (cfn-guard prints one per data file and rules file
 * without --structured, one array with it): every document, arrays flattened.
 */
export function parseJsonStream(text: string): any[] {
  const docs: any[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    const start = i;
    let depth = 0;
    let inString = false;
    let escaped = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') inString = false;
      } else if (c === '"') {
        inString = true;
      } else if (c === '{' || c === '[') {
        depth++;
      } else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    const doc = JSON.parse(text.slice(start, i));
    docs.push(...(Array.isArray(doc) ? doc : [doc]));
  }
  return docs;
}

/** The file name a corpus template is written under for cfn-guard (one flat directory). */
export function flatName(rel: string): string {
  return rel.replace(/\//g, '__');
}

// ---------------------------------------------------------------------------------------
// comparing templates

/**
 * The leaf paths (dot-separated, array indexes as numbers) at which `a` and `b` differ.
 * A value present on one side only is listed leaf by leaf, so an added object shows
 * which fields it brings.
 */
export function changedPaths(a: unknown, b: unknown, prefix = ''): string[] {
  // An intrinsic ({ Ref } or { 'Fn::…' }) is one value: a Version the aspect adds or
  // changes is reported as `….Version`, not as the leaves of its Fn::GetAtt.
  if (isIntrinsicValue(a) || isIntrinsicValue(b)) return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
  if (isContainer(a) || isContainer(b)) {
    // An object or array against anything else (a missing value included) is compared
    // leaf by leaf against an empty one of the same kind.
    if (isContainer(a) && isContainer(b) && Array.isArray(a) !== Array.isArray(b)) return [prefix];
    if ((isContainer(a) && b !== undefined && !isContainer(b)) || (isContainer(b) && a !== undefined && !isContainer(a))) return [prefix];
    const left: any = isContainer(a) ? a : Array.isArray(b) ? [] : {};
    const right: any = isContainer(b) ? b : Array.isArray(a) ? [] : {};
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    return [...keys].flatMap((k) => changedPaths(left[k], right[k], prefix ? `${prefix}.${k}` : k));
  }
  return a === b ? [] : [prefix];
}

function isIntrinsicValue(v: unknown): boolean {
  if (!isContainer(v) || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

function isContainer(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

export function valueAtPath(root: any, dotted: string): any {
  return dotted.split('.').reduce((cur, k) => (cur === undefined || cur === null ? undefined : cur[k]), root);
}

/** Keys that name a launch template in a launch template specification, of any consumer type. */
const TEMPLATE_KEYS = ['LaunchTemplateId', 'LaunchTemplateName', 'Id', 'Name'];

/**
 * What cfn-guard cannot see, because it takes two resources: every consumer of a launch
 * template that REWRITE changed must launch the new version. CloudFormation makes a new
 * version on each update but never moves the template's default version, so only
 * `Fn::GetAtt [Lt, LatestVersionNumber]` (or `$Latest`) follows the fix; no Version,
 * `$Default`, `DefaultVersionNumber` or a number keeps launching the old settings.
 * An instance is fine when its own MetadataOptions require tokens (they win over the template's).
 * Returns one line per consumer that does not, e.g. `Ng → Lt: Version (none)`.
 */
export function consumersOfOldVersions(before: Record<string, any>, after: Record<string, any>): string[] {
  const changed = Object.keys(after).filter((id) => after[id].Type === 'AWS::EC2::LaunchTemplate'
    && (!before[id] || changedPaths(before[id].Properties, after[id].Properties).length > 0));
  const stale: string[] = [];
  for (const lt of changed) {
    const name = after[lt].Properties?.LaunchTemplateName;
    const names = (v: unknown) => isContainer(v) && ((v as any).Ref === lt || (name !== undefined && JSON.stringify(v) === JSON.stringify(name)))
      || (typeof v === 'string' && v === name);
    for (const [id, r] of Object.entries<any>(after)) {
      if (id === lt) continue;
      const own = r.Properties?.MetadataOptions;
      if (r.Type === 'AWS::EC2::Instance' && (own?.HttpTokens === 'required' || own?.HttpEndpoint === 'disabled')) continue;
      for (const spec of objectsIn(r.Properties)) {
        if (!TEMPLATE_KEYS.some((k) => names(spec[k]))) continue;
        const version = spec.Version;
        const latest = version === '$Latest'
          || (isContainer(version) && JSON.stringify(version) === JSON.stringify({ 'Fn::GetAtt': [lt, 'LatestVersionNumber'] }));
        if (!latest) stale.push(`${id} → ${lt}: Version ${version === undefined ? '(none)' : JSON.stringify(version)}`);
      }
    }
  }
  return stale.sort();
}

function objectsIn(v: unknown): Array<Record<string, any>> {
  if (!isContainer(v)) return [];
  const children = Object.values(v).flatMap(objectsIn);
  return Array.isArray(v) ? children : [v as Record<string, any>, ...children];
}

const TOKENS_AND_HOP = '(HttpTokens|HttpPutResponseHopLimit)';
const LT_SPEC = '(LaunchTemplateId|Version)';

/**
 * For every type of the engine's table, the property paths (as changedPaths writes them)
 * that the aspect may change: its IMDS settings, the version of a launch template it
 * follows, or a launch template it is given. Anything else changing is a bug.
 */
export const IMDS_FIELDS: Readonly<Record<string, RegExp>> = {
  'AWS::EC2::Instance': new RegExp(`^MetadataOptions\\.${TOKENS_AND_HOP}$`),
  'AWS::EC2::LaunchTemplate': new RegExp(`^LaunchTemplateData\\.MetadataOptions\\.${TOKENS_AND_HOP}$`),
  'AWS::AutoScaling::LaunchConfiguration': new RegExp(`^MetadataOptions\\.${TOKENS_AND_HOP}$`),
  'AWS::AutoScaling::AutoScalingGroup':
    /^(LaunchTemplate|MixedInstancesPolicy\.LaunchTemplate\.(LaunchTemplateSpecification|Overrides\.\d+\.LaunchTemplateSpecification))\.Version$/,
  'AWS::EKS::Nodegroup': /^LaunchTemplate\.(Id|Version)$/,
  'AWS::EC2::EC2Fleet': /^LaunchTemplateConfigs\.\d+\.LaunchTemplateSpecification\.Version$/,
  'AWS::EC2::SpotFleet': /^SpotFleetRequestConfigData\.LaunchTemplateConfigs\.\d+\.LaunchTemplateSpecification\.Version$/,
  'AWS::Batch::ComputeEnvironment': new RegExp(`^ComputeResources\\.LaunchTemplate\\.${LT_SPEC}$`),
  'AWS::ImageBuilder::InfrastructureConfiguration': new RegExp(`^InstanceMetadataOptions\\.${TOKENS_AND_HOP}$`),
  'AWS::SageMaker::NotebookInstance': /^InstanceMetadataServiceConfiguration\.MinimumInstanceMetadataServiceVersion$/,
  'AWS::AppStream::Fleet': /^DisableIMDSV1$/,
  'AWS::AppStream::ImageBuilder': /^DisableIMDSV1$/,
  // Only the DisableIMDSv1 option (its Value, or the whole option appended): checked by value in the test.
  'AWS::ElasticBeanstalk::Environment': /^OptionSettings\.\d+\.(Namespace|OptionName|Value)$/,
  'AWS::ElasticBeanstalk::ConfigurationTemplate': /^OptionSettings\.\d+\.(Namespace|OptionName|Value)$/,
  // The document's IMDS fields (an object), or the document when it is a JSON string.
  'AWS::EMR::SecurityConfiguration': /^SecurityConfiguration(\.InstanceMetadataServiceConfiguration\.(MinimumInstanceMetadataServiceVersion|HttpPutResponseHopLimit))?$/,
  // Never changed: a cluster is only reported (a security configuration added replaces it).
  'AWS::EMR::Cluster': /$^/,
  // The manifest is one JSON string: its text is edited (only with allowReplacement).
  'Custom::AWSCDK-EKS-KubernetesResource': /^Manifest$/,
  // Never changed: a patch of a node class is reported only.
  'Custom::AWSCDK-EKS-KubernetesPatch': /$^/,
  // Never changed: what a Helm chart renders cannot be read.
  'Custom::AWSCDK-EKS-HelmChart': /$^/,
};
