import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EXIT_BAD_INPUT, main } from '../../src/cli/main';
import { skipCorpusSuite } from '../corpus/corpus-helpers';
import { tempDir, template } from '../templates/fixtures';

/**
 * Corpus agreement: on the public AWS sample templates (aws-cloudformation-templates, kept in
 * the shared work area next to the repository), `cdk-imdsv2 scan` must flag every launch
 * template and launch configuration that cfn-guard flags with the AWS Control Tower rules
 * CT.EC2.PR.1 (launch templates require IMDSv2) and CT.AUTOSCALING.PR.2 (launch
 * configurations require IMDSv2). Every finding of ours on those types that cfn-guard has no
 * rule for is listed below with the reason.
 */
const CORPUS_PATH = path.resolve(__dirname, '../../../shared/corpus/aws-cloudformation-templates');
// The real path: cfn-guard reports files by it, so a symlinked ../shared must not make them disagree.
const CORPUS = fs.existsSync(CORPUS_PATH) ? fs.realpathSync(CORPUS_PATH) : CORPUS_PATH;
const GUARD_PACKAGE = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
const GUARD_RULES = [
  'rules/control-tower/cfn-guard/ec2/ct-ec2-pr-1.guard',
  'rules/control-tower/cfn-guard/ec2autoscaling/ct-autoscaling-pr-2.guard',
].map((r) => path.join(GUARD_PACKAGE, r));
const GUARD_BIN = path.join(GUARD_PACKAGE, 'bin', process.platform === 'darwin' ? 'macos' : 'ubuntu', process.arch === 'arm64' ? 'aarch64' : 'x86_64', 'cfn-guard');

const COMPARED_TYPES = new Set(['AWS::EC2::LaunchTemplate', 'AWS::AutoScaling::LaunchConfiguration']);
/** What cfn-guard's two rules mean: IMDSv1 reachable, or not decidable (a parameter is not 'required'). */
const GUARD_EQUIVALENT = new Set(['Imdsv2-TokensRequired', 'Imdsv2-Unverifiable']);

/** Our findings on launch templates / configurations that cfn-guard has no rule for, and why. */
const EXPECTED_EXTRAS: Record<string, string> = {
  'Imdsv2-HopLimit ECS/ECS_Schedule_Example.json#ContainerInstances':
    'an ECS container host (user data sets ECS_CLUSTER): tasks reach IMDS through one more hop, so hop limit 2; the Control Tower rules do not check hop limits',
  'Imdsv2-HopLimit ECS/EC2LaunchType/clusters/private-vpc.json#ContainerInstances':
    'an ECS container host (user data sets ECS_CLUSTER), hop limit unset (1): containers need 2',
  'Imdsv2-HopLimit ECS/EC2LaunchType/clusters/public-vpc.json#ContainerInstances':
    'an ECS container host (user data sets ECS_CLUSTER), hop limit unset (1): containers need 2',
  'Imdsv2-UserDataV1 AutoScaling/AutoScalingRollingUpdates.json#LaunchConfig':
    'cfn-init command ELBHealthCheck runs $(curl -s http://169.254.169.254/latest/meta-data/instance-id) without a token: it breaks once tokens are required',
  'Imdsv2-UserDataV1 ElasticLoadBalancing/ELBGuidedAutoScalingRollingUpgrade.json#LaunchConfig':
    'the same cfn-init ELBHealthCheck command: curl to IMDS without a token',
};

const CANNOT_RUN = !fs.existsSync(CORPUS) ? `no corpus at ${CORPUS}` : !fs.existsSync(GUARD_BIN) ? `no cfn-guard binary at ${GUARD_BIN}` : undefined;
const describeCorpus = CANNOT_RUN === undefined ? describe : describe.skip;
if (CANNOT_RUN !== undefined) skipCorpusSuite('corpus agreement', CANNOT_RUN);

describeCorpus('corpus agreement with cfn-guard (CT.EC2.PR.1, CT.AUTOSCALING.PR.2)', () => {
  // Read in beforeAll, not here: a skipped describe's body still runs while jest collects tests.
  let files: string[];
  let guard: Set<string>;
  let ours: Map<string, string[]>;
  let notTemplates: string[];

  beforeAll(async () => {
    files = walk(CORPUS).filter((f) => f.endsWith('.json')).sort();
    // a corpus without templates would make every agreement below hold vacuously
    if (files.length === 0) throw new Error(`corpus agreement: no JSON template in ${CORPUS}`);
    guard = runGuard();
    ({ ours, notTemplates } = await runCli(files));
    const flagged = [...ours.entries()].filter(([k]) => guard.has(k));
    console.log(`corpus: ${files.length} JSON files, ${files.length - notTemplates.length} templates, ${notTemplates.length} not templates; `
      + `cfn-guard flags ${guard.size} launch templates/configurations, cdk-imdsv2 flags ${flagged.length} of them and has ${extras().length} extra findings on those types`);
  }, 120_000);

  /** `rule rel#id` of each of our findings on compared types that is not a cfn-guard flag. */
  function extras(): string[] {
    return [...ours.entries()].flatMap(([resource, rules]) => rules
      .filter((rule) => !(GUARD_EQUIVALENT.has(rule) && guard.has(resource)))
      .map((rule) => `${rule} ${resource}`)).sort();
  }

  test('GIVEN the corpus THEN cfn-guard flags something (the comparison is not empty)', () => {
    expect(guard.size).toBeGreaterThan(0);
  });

  test('GIVEN what cfn-guard flags THEN cdk-imdsv2 flags each one as TokensRequired or Unverifiable', () => {
    const missed = [...guard].filter((resource) => !(ours.get(resource) ?? []).some((rule) => GUARD_EQUIVALENT.has(rule)));
    expect(missed).toEqual([]);
  });

  test('GIVEN findings cfn-guard has no rule for THEN each is one of the listed extras', () => {
    expect(extras()).toEqual(Object.keys(EXPECTED_EXTRAS).sort());
  });

  test('GIVEN the JSON files that are not templates (Lambda test events) THEN the CLI rejects each with exit 2', () => {
    expect(notTemplates.every((f) => /(^|\/)(events?\/|event[^/]*\.json$|bandit\.json$)/.test(f))).toBe(true);
  });
});

// The corpus has no compliant launch template or configuration: these cases show the two
// agree on what passes too (and where they differ, why).
(fs.existsSync(GUARD_BIN) ? describe : describe.skip)('agreement with cfn-guard on written cases', () => {
  const lt = (options?: object) => ({ Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: options ? { MetadataOptions: options } : { ImageId: 'ami-1' } } });
  const lc = (options?: object) => ({ Type: 'AWS::AutoScaling::LaunchConfiguration', Properties: { ImageId: 'ami-1', InstanceType: 't3.micro', ...(options ? { MetadataOptions: options } : {}) } });
  const CASES: Record<string, object> = {
    'lt-required.json': template({ R: lt({ HttpTokens: 'required' }) }),
    'lt-endpoint-disabled.json': template({ R: lt({ HttpEndpoint: 'disabled' }) }),
    'lt-optional.json': template({ R: lt({ HttpTokens: 'optional', HttpEndpoint: 'enabled' }) }),
    'lt-unset.json': template({ R: lt() }),
    'lt-parameter.json': template({ R: lt({ HttpTokens: { Ref: 'Tokens' } }) }, { Parameters: { Tokens: { Type: 'String', Default: 'required' } } }),
    'lc-required.json': template({ R: lc({ HttpTokens: 'required' }) }),
    'lc-endpoint-disabled.json': template({ R: lc({ HttpEndpoint: 'disabled' }) }),
    'lc-unset.json': template({ R: lc() }),
  };

  test('GIVEN compliant, open and parameterised templates and configurations THEN flagged exactly when cfn-guard flags them', async () => {
    // GIVEN
    const dir = tempDir(CASES);
    // WHEN
    const guard = [...runGuard(dir)].map((k) => k.split('#')[0]).sort();
    const ours: string[] = [];
    for (const name of Object.keys(CASES)) {
      let stdout = '';
      await main(['scan', '--format', 'json', path.join(dir, name)], { stdout: (t) => { stdout += t; }, stderr: () => undefined });
      if (JSON.parse(stdout).findings.some((f: any) => GUARD_EQUIVALENT.has(f.ruleId))) ours.push(name);
    }
    // THEN
    expect(guard).toEqual(['lc-unset.json', 'lt-optional.json', 'lt-parameter.json', 'lt-unset.json']);
    expect(ours.sort()).toEqual(guard);
  });
});

/** cfn-guard over a directory of templates: `rel#LogicalId` of every launch template / configuration it flags. */
function runGuard(dataDir: string = CORPUS): Set<string> {
  const args = ['validate', ...GUARD_RULES.flatMap((r) => ['-r', r]), '-d', dataDir, '-o', 'sarif', '--show-summary', 'none', '-z'];
  const run = spawnSync(GUARD_BIN, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  // cfn-guard exits 19 when a rule fails, 0 when none does.
  if (run.status !== 0 && run.status !== 19) throw new Error(`cfn-guard failed with ${run.status}: ${run.stderr}`);
  const flagged = new Set<string>();
  for (const result of JSON.parse(run.stdout).runs[0].results) {
    const uri: string = result.locations[0].physicalLocation.artifactLocation.uri;
    // cfn-guard writes the absolute path without its leading slash
    const rel = path.relative(dataDir, path.resolve('/', uri)).split(path.sep).join('/');
    const logicalId = /Path=\/Resources\/([^/[\]]+)/.exec(result.message.text)?.[1];
    if (!logicalId) throw new Error(`cannot find the resource in cfn-guard's message: ${result.message.text}`);
    flagged.add(`${rel}#${logicalId}`);
  }
  return flagged;
}

/** `cdk-imdsv2 scan --format json` on each file: rules per `rel#LogicalId` of the compared types. */
async function runCli(files: string[]): Promise<{ ours: Map<string, string[]>; notTemplates: string[] }> {
  const ours = new Map<string, string[]>();
  const notTemplates: string[] = [];
  for (const file of files) {
    const rel = path.relative(CORPUS, file).split(path.sep).join('/');
    let stdout = '';
    const code = await main(['scan', '--format', 'json', file], { stdout: (t) => { stdout += t; }, stderr: () => undefined });
    if (code === EXIT_BAD_INPUT) {
      notTemplates.push(rel);
      continue;
    }
    for (const f of JSON.parse(stdout).findings) {
      if (!COMPARED_TYPES.has(f.resourceType)) continue;
      const key = `${rel}#${f.logicalId}`;
      ours.set(key, [...ours.get(key) ?? [], f.ruleId]);
    }
  }
  return { ours, notTemplates };
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}
