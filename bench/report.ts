/**
 * BENCHMARKS.md from one `npm run bench` run: the method, each goal of issue #20 marked met
 * or missed with its number, then the tables (bench/run.ts `markdown`).
 */
import { CLI_FORMATS, CLI_SIZES, CliMeasurement, LARGE_RESOURCES } from './cli';
import type { AppKind } from './generator';
import type { Growth, LoadComparison, ScanComparison, Summary } from './run';
import type { Variant } from './variants';

/** One goal, judged on the run. */
interface Goal {
  readonly goal: string;
  readonly met: boolean | undefined;
  readonly measured: string;
}

const HEADLINE: AppKind = 'fixable';
/** The N the synth goals are set at (where measured). */
const GOAL_NS = [3000, 6000];

const fmtX = (x: number) => Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a';

/** The worst (largest) ratio of `variant` over the goal cells of the headline app. */
function worst(summaries: readonly Summary[], variant: Variant, ratio: (s: Summary) => number | undefined): string | undefined {
  const cells = summaries.filter((s) => s.app === HEADLINE && s.variant === variant && GOAL_NS.includes(s.n));
  if (cells.length === 0) return undefined;
  return [...cells].sort((a, b) => (ratio(b) ?? Infinity) - (ratio(a) ?? Infinity))
    .map((s) => `${fmtX(ratio(s) ?? NaN)} (N ${s.n}, ${s.layout})`).join('; ');
}

function ratioGoal(summaries: readonly Summary[], variant: Variant, limit: number, what: string,
  ratio: (s: Summary) => number | undefined): Goal {
  const cells = summaries.filter((s) => s.app === HEADLINE && s.variant === variant && GOAL_NS.includes(s.n));
  const measured = worst(summaries, variant, ratio);
  if (measured === undefined) return { goal: `${what} ≤ ${limit.toFixed(2)}x plain`, met: undefined, measured: 'not measured in this run' };
  const met = cells.every((s) => s.ok && (ratio(s) ?? Infinity) <= limit);
  return { goal: `${what} ≤ ${limit.toFixed(2)}x plain`, met, measured };
}

/**
 * Our variants grow no faster than plain synth. Plain synth has a fixed cost, so comparing
 * log-log slopes would call any added linear cost superlinear; what must stay flat is our
 * own cost per unit: (variant's CPU - plain's CPU) / N, at the largest N against the smallest
 * N >= 1,000, per layout, within `tolerance` (noise). CPU time, not wall time: a process kept
 * waiting by other load does not count.
 */
function growthGoal(summaries: readonly Summary[]): Goal {
  const tolerance = 1.25;
  const what = `linear: our own cost per unit ((variant - plain) CPU / N) at the largest N at most ${tolerance}x that at the smallest N ≥ 1,000`;
  const parts: string[] = [];
  let met: boolean | undefined = undefined;
  const keys = new Set(summaries.filter((s) => s.app === HEADLINE && s.variant !== 'plain').map((s) => `${s.variant}|${s.layout}`));
  for (const key of keys) {
    const [variant, layout] = key.split('|');
    const perUnit = (n: number) => {
      const v = summaries.find((s) => s.app === HEADLINE && s.variant === variant && s.layout === layout && s.n === n);
      const p = summaries.find((s) => s.app === HEADLINE && s.variant === 'plain' && s.layout === layout && s.n === n);
      return v && p ? (v.medianCpuMs - p.medianCpuMs) / n : NaN;
    };
    const ns = summaries.filter((s) => s.app === HEADLINE && s.variant === variant && s.layout === layout && s.n >= 1000)
      .map((s) => s.n).sort((a, b) => a - b);
    if (ns.length < 2) continue;
    const [low, high] = [ns[0], ns[ns.length - 1]];
    const growth = perUnit(high) / perUnit(low);
    parts.push(`${variant} ${layout}: ${perUnit(low).toFixed(2)} → ${perUnit(high).toFixed(2)} ms/unit (N ${low} → ${high}, ${fmtX(growth)})`);
    const ok = Number.isFinite(growth) && growth <= tolerance;
    met = (met ?? true) && ok;
  }
  return { goal: what, met, measured: parts.length ? parts.join('; ') : 'needs at least two N ≥ 1,000' };
}

const NOT_MEASURED = 'not measured in this run';

/**
 * The CLI scans in time linear in the findings: the CPU each added finding costs between the
 * two largest templates of the findings series at most `tolerance` times what it costs
 * between the two smallest, in every format. Marginal costs, so that the fixed start-up
 * (Node, the package), most of a small scan, does not make any growth look flat; a quadratic
 * step (the CLI once re-split the template for each finding) makes the top one grow with N.
 * Each template has one finding a resource; a scan that did not report them (exit other than
 * 1: none found, or an error) misses.
 */
function cliLinearGoal(cli: readonly CliMeasurement[] | string): Goal {
  const tolerance = 1.25;
  const n = (i: number) => CLI_SIZES[i < 0 ? CLI_SIZES.length + i : i];
  const fmtN = (x: number) => x.toLocaleString('en-US');
  const goal = `CLI linear in findings: CPU per added finding from ${fmtN(n(-2))} to ${fmtN(n(-1))} findings at most ${tolerance}x that `
    + `from ${fmtN(n(0))} to ${fmtN(n(1))}, in every format`;
  if (typeof cli === 'string') return { goal, met: undefined, measured: `${NOT_MEASURED}: ${cli}` };
  // CPU is steadier than wall time on a shared machine; wall time only where /usr/bin/time is absent
  const clock = cli.every((m) => m.cpuMs !== undefined) ? 'CPU' : 'wall';
  const ms = (m: CliMeasurement) => clock === 'CPU' ? m.cpuMs! : m.wallMs;
  const parts: string[] = [];
  let met = true;
  for (const format of CLI_FORMATS) {
    const at = (x: number) => cli.find((m) => m.input === 'findings' && m.resources === x && m.format === format);
    const scans = [at(n(0)), at(n(1)), at(n(-2)), at(n(-1))];
    if (scans.some((m) => m === undefined)) return { goal, met: undefined, measured: `${NOT_MEASURED}: no ${format} scan at each of ${CLI_SIZES.join(', ')} findings` };
    const [a, b, c, d] = scans as CliMeasurement[];
    const low = (ms(b) - ms(a)) / (b.resources - a.resources) * 1000;
    const high = (ms(d) - ms(c)) / (d.resources - c.resources) * 1000;
    const failed = scans.filter((m) => m!.exit !== 1).map((m) => ` (exit ${m!.exit} at ${m!.resources})`).join('');
    parts.push(`${format}: ${low.toFixed(0)} → ${high.toFixed(0)} µs per added finding (${fmtX(high / low)})${failed}`);
    met = met && failed === '' && high / low <= tolerance;
  }
  return { goal, met, measured: `${parts.join('; ')} (${clock})` };
}

/** The ~50 MB JSON template scanned in under 15 s (wall: what a user waits), and the same as YAML in at most twice the JSON time. */
function cliLargeGoals(cli: readonly CliMeasurement[] | string): Goal[] {
  const limitMs = 15_000;
  const yamlLimit = 2;
  const jsonGoal = `CLI: a ~50 MB JSON template scanned in under ${limitMs / 1000} s, in every format`;
  const yamlGoal = `CLI: the same template as YAML in at most ${yamlLimit}x the JSON time, in every format`;
  const json = typeof cli === 'string' ? [] : cli.filter((m) => m.input === 'large-json');
  const yaml = typeof cli === 'string' ? [] : cli.filter((m) => m.input === 'large-yaml');
  const notMeasured = `${NOT_MEASURED}: ${typeof cli === 'string' ? cli : '--quick leaves out the ~50 MB templates'}`;
  const exit = (m: CliMeasurement) => m.exit === 1 ? '' : `, exit ${m.exit}`;
  const goals: Goal[] = [];
  if (json.length === 0) {
    goals.push({ goal: jsonGoal, met: undefined, measured: notMeasured });
  } else {
    const worstFirst = [...json].sort((a, b) => b.wallMs - a.wallMs);
    goals.push({
      goal: jsonGoal,
      met: json.every((m) => m.exit === 1 && m.wallMs < limitMs),
      measured: `${worstFirst.map((m) => `${m.format} ${(m.wallMs / 1000).toFixed(2)} s${exit(m)}`).join(', ')} `
        + `(wall; ${json[0].fileMb.toFixed(1)} MB, ${LARGE_RESOURCES.toLocaleString('en-US')} findings)`,
    });
  }
  const pairs = yaml.map((y) => ({ y, j: json.find((m) => m.format === y.format) }))
    .filter((p): p is { y: CliMeasurement; j: CliMeasurement } => p.j !== undefined)
    .map((p) => ({ ...p, ratio: p.y.wallMs / p.j.wallMs }))
    .sort((a, b) => b.ratio - a.ratio);
  if (pairs.length === 0) {
    goals.push({ goal: yamlGoal, met: undefined, measured: notMeasured });
  } else {
    goals.push({
      goal: yamlGoal,
      met: pairs.length === CLI_FORMATS.length && pairs.every((p) => p.y.exit === 1 && p.ratio <= yamlLimit),
      measured: `${pairs.map((p) => `${p.y.format} ${fmtX(p.ratio)} (${(p.y.wallMs / 1000).toFixed(2)} s / ${(p.j.wallMs / 1000).toFixed(2)} s${exit(p.y)})`).join(', ')} `
        + `(wall; YAML ${pairs[0].y.fileMb.toFixed(1)} MB)`,
    });
  }
  return goals;
}

/** A folder of templates scanned at least as fast as cfn-guard with the Control Tower rules: the corpus comparison. */
function folderScanGoal(scan: ScanComparison | string): Goal {
  const goal = 'CLI: a folder of templates scanned at least as fast as cfn-guard with the Control Tower rules (cdk-imdsv2 / cfn-guard ≤ 1.00x)';
  if (typeof scan === 'string') return { goal, met: undefined, measured: `${NOT_MEASURED}: ${scan}` };
  return {
    goal,
    met: scan.ratio <= 1,
    measured: `${fmtX(scan.ratio)}: cdk-imdsv2 ${(scan.cliMedianMs / 1000).toFixed(2)} s, cfn-guard ${(scan.guardMedianMs / 1000).toFixed(2)} s `
      + `(wall, medians of ${scan.runs} runs over ${scan.files} templates)`,
  };
}

export function goalsOf(summaries: readonly Summary[], load: LoadComparison, scan: ScanComparison | string,
  cli: readonly CliMeasurement[] | string): Goal[] {
  const time = (s: Summary) => s.ratioToPlain;
  const rss = (s: Summary) => s.rssRatioToPlain;
  const aspect = load.results.aspect;
  const guardrails = [...new Set(aspect.flatMap((r) => r.guardrailModules))];
  return [
    ratioGoal(summaries, 'ours-aspect-rewrite', 1.05, '`Imdsv2Aspect` (REWRITE) alone, synth time', time),
    ratioGoal(summaries, 'ours-aspect-validator', 1.10, 'aspect + `Imdsv2Validator`, synth time', time),
    ratioGoal(summaries, 'ours-all', 1.10, 'aspect + `Imdsv2Checks` + `Imdsv2Validator`, synth time', time),
    ratioGoal(summaries, 'ours-aspect-rewrite', 1.15, 'peak memory, aspect alone,', rss),
    ratioGoal(summaries, 'ours-aspect-validator', 1.15, 'peak memory, aspect + validator,', rss),
    ratioGoal(summaries, 'ours-all', 1.15, 'peak memory, all three,', rss),
    growthGoal(summaries),
    {
      goal: 'load: `require(\'cdk-imdsv2\')` + `Imdsv2Aspect` ≤ 50 ms CPU over an EC2 app\'s own loading',
      met: load.addedCpuMs.aspect <= 50,
      measured: `${load.addedCpuMs.aspect.toFixed(0)} ms over ${load.medianCpuMs.app.toFixed(0)} ms (median of ${load.runs} paired runs)`,
    },
    {
      goal: 'load: cdk-nag loaded only when `Imdsv2Checks` is used',
      met: aspect.every((r) => !r.cdkNagLoaded) && load.results.checks.every((r) => r.cdkNagLoaded),
      measured: `aspect: cdk-nag ${aspect.some((r) => r.cdkNagLoaded) ? 'loaded' : 'not loaded'}; Imdsv2Checks: +${load.addedCpuMs.checks.toFixed(0)} ms, cdk-nag loaded`,
    },
    {
      goal: 'load: guardrail modules (custom resources, Lambda, Config, Organizations, CloudWatch) only when used',
      met: guardrails.length === 0,
      measured: guardrails.length === 0 ? 'none loaded with the aspect' : `loaded with the aspect: ${guardrails.join(', ')}`,
    },
    cliLinearGoal(cli),
    ...cliLargeGoals(cli),
    folderScanGoal(scan),
  ];
}

/**
 * What rendering alone costs the aspect at the goal cells, next to its 5 % budget: each
 * IMDS-bearing resource is rendered (aws-cdk-lib resolving the properties the engine reads)
 * once when visited and once more at the final check, which judges what will be deployed.
 */
function renderingFloor(summaries: readonly Summary[]): string | undefined {
  const cells = summaries.filter((s) => s.app === HEADLINE && s.variant === 'ours-aspect-rewrite' && GOAL_NS.includes(s.n)
    && s.medianRenderingMs !== undefined);
  const shares = cells.map((s) => {
    const plain = summaries.find((p) => p.app === s.app && p.variant === 'plain' && p.n === s.n && p.layout === s.layout);
    return plain ? { s, rendering: s.medianRenderingMs! / plain.medianMs } : undefined;
  }).filter((x): x is NonNullable<typeof x> => x !== undefined);
  if (shares.length === 0) return undefined;
  const least = shares.reduce((a, b) => (a.rendering <= b.rendering ? a : b));
  return 'Rendering alone (aws-cdk-lib resolving the few properties the engine reads, of each IMDS-bearing resource twice: at the visit, and at the '
    + 'final check, which judges what will be deployed) costs the aspect '
    + shares.map((x) => `${fmtX(x.rendering)} (N ${x.s.n}, ${x.s.layout})`).join(', ')
    + ` of plain synth; at the least, ${((least.rendering / 0.05)).toFixed(1)} times the 5 % the aspect-alone goal allows, before any analysis. `
    + 'The table "Where the aspect\'s time goes" below has the rest.';
}

/** The whole of BENCHMARKS.md. `detail` is bench/run.ts's tables. */
export function benchmarksMd(summaries: readonly Summary[], _growths: readonly Growth[], load: LoadComparison,
  scan: ScanComparison | string, cli: readonly CliMeasurement[] | string, meta: Record<string, unknown>, detail: string): string {
  const goals = goalsOf(summaries, load, scan, cli);
  const lines: string[] = [];
  lines.push('# Benchmarks', '');
  lines.push('What cdk-imdsv2 costs, next to plain synth, from one run of `' + String(meta.command) + '` '
    + `(${String(meta.durationMin)} min, commit ${String(meta.commit)}). Generated by \`bench/run.ts\` (\`--write BENCHMARKS.md\`): `
    + 'edit the bench, not this file. The raw measurements are in `bench/results/latest.json` after a run (not committed).', '');
  lines.push('## Goals (issue #20)', '');
  lines.push('| goal | met? | measured (worst cell first named) |', '|---|---|---|');
  for (const g of goals) lines.push(`| ${g.goal} | ${g.met === undefined ? 'not measured' : g.met ? '**met**' : '**missed**'} | ${g.measured} |`);
  lines.push('');
  lines.push('Synth goals are judged at N = 3,000 and 6,000 on the fully fixable app, one stack and spread over stacks: every cell must be within the bound'
    + (String(meta.gc) === 'default' ? ', with V8\'s default GC (`--gc default`).' : ', each worker without V8\'s allocation-site pretenuring (`--gc stable`, '
    + `see "What is measured")${detail.includes('#### With V8\'s default GC') ? '; the same app with V8\'s defaults is in the table "With V8\'s default GC"' : ''}.`), '');
  const floor = renderingFloor(summaries);
  if (floor !== undefined) lines.push(floor, '');
  lines.push('## What is measured', '');
  lines.push(
    '- **The fully fixable app** (the headline): N units rotating four kinds, every one of which `Imdsv2Aspect` (REWRITE) fixes in place: '
    + '`ec2.Instance` (L2), `ec2.LaunchTemplate` (L2) on its own, `autoscaling.AutoScalingGroup` on its own `ec2.LaunchTemplate`, and a raw '
    + '`ec2.CfnLaunchTemplate` with `HttpTokens: optional` (`bench/generator.ts`). What the variants cost beyond plain synth is then our own cost, '
    + 'not aws-cdk-lib\'s report of findings left open.',
    '- **The mixed app**: the same plus `eks.Nodegroup`s without a launch template, which REWRITE leaves open (fixing them would replace them), '
    + 'so the two plugins report thousands of findings; the `report-floor` variant (plugins that analyse nothing and report the same node groups) '
    + 'is beside it: what aws-cdk-lib charges for such a report, whoever makes it.',
    '- Layouts: **one stack** (the 500-resource limit lifted) and **stacks** (100 units a stack).',
    '- Variants: `plain` (nothing added); `ours-aspect-rewrite` (`Imdsv2Aspect`, REWRITE); `ours-aspect-validator` (+ `Imdsv2Validator`); '
    + '`ours-all` (+ `Imdsv2Checks`, our cdk-nag pack); `report-floor` (mixed app only). aws-cdk-lib\'s built-in CloudFormation validation is off for all.',
    '- Each measurement is a fresh `node` process; every module is loaded before the clock starts; time is building the app plus `app.synth()`. '
    + 'Within each repetition the variants run round-robin (the first one rotating), and each ratio is the median over the repetitions of the '
    + 'ratio to the plain run of the same repetition. Peak memory is the process\'s maxRSS.',
    String(meta.gc) === 'default'
      ? '- **GC**: V8\'s defaults (`--gc default`), as `cdk synth` runs. V8 pretenures some of aws-cdk-lib\'s allocation sites in some processes, '
        + 'at random (from 1 in 6 to 6 in 10 of them in our samples), which makes that process about 30 % slower with about 1.8x the peak memory, '
        + 'plain synth as much as ours: the ratios of a few repetitions move by that much.'
      : '- **GC**: every worker runs with `node --no-allocation-site-pretenuring` (`--gc stable`, the default). With V8\'s defaults, V8 pretenures '
        + 'some of aws-cdk-lib\'s allocation sites (allocates their objects straight in the old generation) in some processes, at random (from '
        + '1 in 6 to 6 in 10 of them in our samples), and that process takes about 30 % longer and peaks at about 1.8x the memory, plain synth as much as ours: a coin toss on each side of '
        + 'every ratio. Turned off, each variant\'s own work is what is measured; the goals are judged on that. The fully fixable app is also '
        + 'measured with V8\'s defaults, each run listed (table "With V8\'s default GC"): what `cdk synth` users see.',
    '- **Load cost** (`bench/load.ts`): CPU time (`process.cpuUsage`) of a fresh process that requires aws-cdk-lib and touches the classes an '
    + 'EC2 app uses (App, Stack, EC2, Auto Scaling, EKS, IAM), against the same plus `require(\'cdk-imdsv2\')` from the compiled package (`lib/`, '
    + 'its index lazy) and touching `Imdsv2Aspect`, and plus `Imdsv2Checks`; interleaved, the median of the paired differences.',
    '- **The CLI** (`bench/cli.ts`): `node bin/cdk-imdsv2 scan --format table|json|sarif <template>` on the compiled package (`lib/`), as users run it, '
    + 'a fresh `node` process per run, its output to a file, on templates generated by `bench/cli.ts`: N launch templates with `HttpTokens: optional`, '
    + `one finding each, N = ${CLI_SIZES.map((n) => n.toLocaleString('en-US')).join(', ')} (JSON), and a ~50 MB JSON template of `
    + `${LARGE_RESOURCES.toLocaleString('en-US')} of them and the same as YAML (left out with \`--quick\`); wall time of the whole process (Node start-up included), `
    + 'CPU (user + system) and peak memory from `/usr/bin/time`, the run with the median wall time of `--cli-runs`. The folder goal is judged on the table '
    + '"`cdk-imdsv2 scan` against cfn-guard on the corpus".',
    '- **Noise**: wall-time ratios move with the machine\'s load; the CPU columns tell a slower machine from a process kept waiting. A run on '
    + `a busy machine (load average at start ${String(meta.loadStart)}, at end ${String(meta.loadEnd)} here, on ${String(meta.nproc)} cores) `
    + 'can miss a 5 % bound on noise alone: run it on a quiet machine.',
    '',
  );
  lines.push('## Load cost', '');
  lines.push('| process | median CPU ms | over the EC2 app (median of paired differences) | cdk-nag loaded | guardrail modules loaded |', '|---|---:|---:|---|---|');
  const names: Record<string, string> = { app: 'EC2 app\'s own modules', aspect: '+ `require(\'cdk-imdsv2\')`, `Imdsv2Aspect`', checks: '+ `require(\'cdk-imdsv2\')`, `Imdsv2Aspect`, `Imdsv2Checks`' };
  for (const mode of ['app', 'aspect', 'checks'] as const) {
    const rs = load.results[mode];
    lines.push(`| ${names[mode]} | ${load.medianCpuMs[mode].toFixed(0)} | ${mode === 'app' ? '' : `+${load.addedCpuMs[mode].toFixed(0)}`} | `
      + `${rs.some((r) => r.cdkNagLoaded) ? 'yes' : 'no'} | ${[...new Set(rs.flatMap((r) => r.guardrailModules))].join(', ') || 'none'} |`);
  }
  lines.push('');
  lines.push('## Synth time and memory', '');
  lines.push(detail.trimEnd(), '');
  lines.push('[Back to the README](README.md)', '');
  return lines.join('\n');
}
