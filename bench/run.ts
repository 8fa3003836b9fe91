/**
 * `npm run bench`: synth time and peak memory of our front doors against plain synth on
 * generated apps (bench/generator.ts, variants in bench/variants.ts), each measurement in a
 * fresh process, variants interleaved round-robin within each repetition (ratios are the
 * median of each repetition's ratio to the plain run next to it); the load cost of the
 * package (bench/load.ts); then `cdk-imdsv2 scan` against cfn-guard on the corpus templates,
 * and on generated templates of 1,000 to 16,000 findings and of ~50 MB, JSON and YAML, in
 * every format (bench/cli.ts). bench/ and src/ are transpiled once at the start; the load
 * cost and both CLI measurements use lib/ through bin/cdk-imdsv2, as users run it (compiled
 * when older than src/).
 *
 * Two apps: the headline is the `fixable` app (every unit one REWRITE fixes in place: what
 * remains is our own cost), measured at --n with --variants; the `mixed` app (node groups
 * too, so thousands of open findings) is measured at --mixed-n with --mixed-variants, next to
 * aws-cdk-lib's report floor.
 *
 *   npm run bench -- [--n 1000,3000,6000] [--runs 3] [--layouts one-stack,stacks]
 *                    [--variants plain,ours-aspect-rewrite,ours-aspect-validator,ours-all]
 *                    [--mixed-n 6000] [--mixed-runs 3] [--mixed-variants plain,report-floor,ours-all] [--no-mixed]
 *                    [--load-runs 10] [--scan-runs 5] [--no-scan] [--cli-runs 3] [--no-cli] [--path-metadata] [--warm]
 *                    [--gc stable|default] [--default-gc-n 3000] [--default-gc-runs 6] [--no-default-gc]
 *                    [--quick] [--write BENCHMARKS.md] [--out bench/results/latest.json]
 *
 * --write writes BENCHMARKS.md (the method, each goal of issue #20 met or missed with its
 * number, the tables). --quick is --n 1000,3000 --runs 2 --layouts one-stack --mixed-n 3000
 * --mixed-runs 1 --default-gc-runs 4 --load-runs 5 --scan-runs 1 --cli-runs 1, and leaves out
 * the ~50 MB CLI templates (about 2.5 minutes on 2 idle cores, against about 11 for the
 * default; the CLI part takes about 15 s of the former, 2.5 minutes of the latter). --cli-runs N
 * times each CLI input N times (default 3: the linearity goal compares differences of times,
 * which one run leaves to noise), the run with the median wall time kept; --no-cli skips the
 * CLI part. --path-metadata makes the apps as `cdk synth` does, with `aws:cdk:path` in every
 * resource's Metadata; without it they are made as `new App()` makes them.
 * --warm has each worker synthesize its app once, untimed, before the timed synth: the cost
 * in a process whose code is compiled and warm (`cdk synth` runs cold), which tells what the
 * code costs from what compiling it costs. The variants with Imdsv2Aspect also record the
 * time inside its visit and its final check (the table "Where the aspect's time goes").
 *
 * GC: V8 decides per process, early in the synth, whether to pretenure some allocation sites
 * of aws-cdk-lib (allocate their objects straight in the old generation). When it does, the
 * same synth takes about 30 % longer and peaks at about 1.8x the memory, plain synth as much
 * as ours, at random in some processes (from 1 in 6 to 6 in 10 of them in our samples): a
 * coin toss on each side of every ratio. So by default (`--gc stable`) every worker runs
 * with `--no-allocation-site-pretenuring`, which measures what each variant's own work
 * costs; `--gc default` runs them as `cdk synth` does.
 * With `--gc stable`, the fixable app is also measured with V8's defaults at --default-gc-n,
 * one stack, --default-gc-runs runs (unless --no-default-gc), and each run is listed
 * ("With V8's default GC"), so what users see is measured too.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { CORPUS, GUARD_BIN, GUARD_RULES, ROOT } from './cfn-guard';
import { CliMeasurement, cliCells, measureCli } from './cli';
import { AppKind, Layout, PATH_METADATA_ENV, WARM_ENV } from './generator';
import { LOAD_MODES, LoadMode, LoadResult } from './load';
import { benchmarksMd } from './report';
import { median } from './stats';
import { transpileOnce, walkFiles } from './transpile';
import { VARIANTS, Variant } from './variants';
import type { WorkerResult } from './worker';

/**
 * How the worker processes' V8 collects garbage: `stable` turns allocation-site pretenuring
 * off (see the header: it makes whole processes slower at random); `default` is V8 as is.
 */
export type GcMode = 'stable' | 'default';
const GC_FLAGS: Record<GcMode, string[]> = { stable: ['--no-allocation-site-pretenuring'], default: [] };

const RESULTS = path.join(ROOT, 'bench', 'results');
const CLI = path.join(ROOT, 'bin', 'cdk-imdsv2');

/** One app kind's measurements: which N, layouts, variants and repetitions. */
export interface Plan {
  readonly app: AppKind;
  readonly gc: GcMode;
  readonly ns: number[];
  readonly runs: number;
  readonly layouts: Layout[];
  readonly variants: Variant[];
}

export interface Options {
  readonly plans: Plan[];
  /** The GC mode of the main plans: the one the goals and the main tables are judged on. */
  readonly gc: GcMode;
  readonly loadRuns: number;
  readonly write?: string;
  readonly scanRuns: number;
  readonly scan: boolean;
  /** `cdk-imdsv2 scan` on bench/cli.ts's generated templates (`--no-cli` skips it). */
  readonly cli: boolean;
  readonly cliRuns: number;
  /** Whether the CLI is measured on the ~50 MB templates too (not with --quick). */
  readonly cliLarge: boolean;
  readonly pathMetadata: boolean;
  /** `--warm`: each worker synthesizes the app once, untimed, before the timed synth. */
  readonly warm: boolean;
  readonly out: string;
}

function parseArgs(argv: string[]): Options {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const list = (text: string) => text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const numbers = (name: string, fallback: string) => {
    const ns = list(get(name) ?? fallback).map(Number);
    if (ns.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`bench: --${name} must be positive integers, got '${get(name)}'`);
    return ns;
  };
  const variantsOf = (name: string, fallback: string) => {
    const variants = list(get(name) ?? fallback) as Variant[];
    for (const v of variants) if (!(VARIANTS as readonly string[]).includes(v)) throw new Error(`bench: unknown variant '${v}': expected one of ${VARIANTS.join(', ')}`);
    if (!variants.includes('plain')) variants.unshift('plain'); // every ratio is to plain
    return variants;
  };
  const gc = (get('gc') ?? 'stable') as GcMode;
  if (gc !== 'stable' && gc !== 'default') throw new Error(`bench: --gc must be stable or default, got '${gc}'`);
  const layouts = list(get('layouts') ?? (quick ? 'one-stack' : 'one-stack,stacks')) as Layout[];
  for (const l of layouts) if (l !== 'one-stack' && l !== 'stacks') throw new Error(`bench: unknown layout '${l}': expected one-stack or stacks`);
  const fixableVariants = variantsOf('variants', 'plain,ours-aspect-rewrite,ours-aspect-validator,ours-all');
  const plans: Plan[] = [{
    app: 'fixable',
    gc,
    ns: numbers('n', quick ? '1000,3000' : '1000,3000,6000'),
    runs: Number(get('runs') ?? (quick ? 2 : 3)),
    layouts,
    variants: fixableVariants,
  }];
  if (!argv.includes('--no-mixed')) {
    plans.push({
      app: 'mixed',
      gc,
      ns: numbers('mixed-n', quick ? '3000' : '6000'),
      runs: Number(get('mixed-runs') ?? (quick ? 1 : 3)),
      layouts: ['one-stack'],
      variants: variantsOf('mixed-variants', 'plain,report-floor,ours-all'),
    });
  }
  if (gc === 'stable' && !argv.includes('--no-default-gc')) {
    plans.push({
      app: 'fixable',
      gc: 'default',
      ns: numbers('default-gc-n', '3000'),
      runs: Number(get('default-gc-runs') ?? (quick ? 4 : 6)),
      layouts: ['one-stack'],
      variants: fixableVariants,
    });
  }
  const write = get('write');
  return {
    plans,
    gc,
    loadRuns: Number(get('load-runs') ?? (quick ? 5 : 10)),
    write: write === undefined ? undefined : path.resolve(write),
    scanRuns: Number(get('scan-runs') ?? (quick ? 1 : 5)),
    scan: !argv.includes('--no-scan'),
    cli: !argv.includes('--no-cli'),
    cliRuns: Number(get('cli-runs') ?? (quick ? 1 : 3)),
    cliLarge: !quick,
    pathMetadata: argv.includes('--path-metadata'),
    warm: argv.includes('--warm'),
    out: path.resolve(get('out') ?? path.join(RESULTS, 'latest.json')),
  };
}

// ---- statistics --------------------------------------------------------------------------

/** Least-squares slope of log(time) over log(N): 1 is linear, 2 quadratic. */
function logLogSlope(points: Array<[number, number]>): number | undefined {
  if (points.length < 2) return undefined;
  const xs = points.map(([n]) => Math.log(n));
  const ys = points.map(([, t]) => Math.log(t));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => { num += (x - mx) * (ys[i] - my); den += (x - mx) ** 2; });
  return num / den;
}

// ---- synth measurements ------------------------------------------------------------------

interface Cell {
  readonly app: AppKind;
  readonly gc: GcMode;
  readonly variant: Variant;
  readonly n: number;
  readonly layout: Layout;
  readonly runs: WorkerResult[];
  /** Wall time of each worker process, ms (start-up and module loading included). */
  readonly processMs: number[];
}

const BUILD = path.join(RESULTS, 'build');

function runWorker(variant: Variant, n: number, layout: Layout, app: AppKind, gc: GcMode): { result: WorkerResult; processMs: number } {
  const out = path.join(RESULTS, `worker-${process.pid}.json`);
  const log = path.join(RESULTS, 'worker.log');
  fs.rmSync(out, { force: true });
  const fd = fs.openSync(log, 'w');
  const t0 = performance.now();
  const run = spawnSync(process.execPath, [...GC_FLAGS[gc], path.join(BUILD, 'bench', 'worker.js'), variant, String(n), layout, out, app], {
    cwd: ROOT,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, CDK_VALIDATION: 'false' },
  });
  const processMs = performance.now() - t0;
  fs.closeSync(fd);
  if (run.status !== 0 || !fs.existsSync(out)) {
    const tail = fs.readFileSync(log, 'utf8').split('\n').slice(-15).join('\n');
    throw new Error(`bench: worker ${variant} n=${n} ${layout} exited with ${run.status ?? run.signal}:\n${tail}`);
  }
  const result = JSON.parse(fs.readFileSync(out, 'utf8')) as WorkerResult;
  fs.rmSync(out, { force: true });
  return { result, processMs };
}

function measureSynth(plan: Plan, cells: Cell[]): void {
  for (const n of plan.ns) {
    for (const layout of plan.layouts) {
      const row = plan.variants.map((variant) => ({
        app: plan.app, gc: plan.gc, variant, n, layout, runs: [] as WorkerResult[], processMs: [] as number[],
      }));
      const reps = plan.runs;
      for (let rep = 0; rep < reps; rep++) {
        // round-robin, starting one further each repetition: background load hits all alike
        for (let k = 0; k < row.length; k++) {
          const cell = row[(k + rep) % row.length];
          const { result, processMs } = runWorker(cell.variant, n, layout, plan.app, plan.gc);
          cell.runs.push(result);
          cell.processMs.push(processMs);
          const status = result.ok ? `${(result.totalMs / 1000).toFixed(2)} s, CPU ${(result.cpuMs / 1000).toFixed(2)} s, ${result.maxRssMb.toFixed(0)} MB` : `FAILED: ${result.error}`;
          console.log(`  ${plan.app}${plan.gc === 'default' ? ' (default GC)' : ''} n=${n} ${layout} run ${rep + 1}/${reps} ${cell.variant}: ${status} (load ${os.loadavg()[0].toFixed(2)})`);
        }
      }
      cells.push(...row);
      // what is done so far, should a long run be stopped
      fs.writeFileSync(path.join(RESULTS, 'partial.json'), JSON.stringify(cells));
    }
  }
}

export interface Summary {
  readonly app: AppKind;
  readonly gc: GcMode;
  readonly variant: Variant;
  readonly n: number;
  readonly layout: Layout;
  readonly runs: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly medianSynthMs: number;
  /** Median CPU time (user + system) of build + synth. */
  readonly medianCpuMs: number;
  readonly medianProcessMs: number;
  readonly peakRssMb: number;
  readonly ratioToPlain?: number;
  readonly rssRatioToPlain?: number;
  readonly cpuRatioToPlain?: number;
  readonly stacks: number;
  readonly cfnResources: number;
  readonly violations: Record<string, number>;
  readonly counts: Record<string, number | string>;
  /** Median time inside Imdsv2Aspect's visits and its final check, ms (variants with the aspect). */
  readonly medianVisitMs?: number;
  readonly medianFinalCheckMs?: number;
  /** Median time inside Imdsv2Aspect rendering resources (aws-cdk-lib resolving what the engine reads), ms. */
  readonly medianRenderingMs?: number;
}

function summarise(cells: Cell[]): Summary[] {
  const base = cells.map((c): Summary => {
    const ok = c.runs.filter((r) => r.ok);
    const times = ok.map((r) => r.totalMs);
    const first = ok[0] ?? c.runs[0];
    return {
      app: c.app,
      gc: c.gc,
      variant: c.variant,
      n: c.n,
      layout: c.layout,
      runs: c.runs.length,
      ok: ok.length === c.runs.length,
      error: c.runs.find((r) => !r.ok)?.error,
      medianMs: times.length ? median(times) : NaN,
      minMs: times.length ? Math.min(...times) : NaN,
      maxMs: times.length ? Math.max(...times) : NaN,
      medianSynthMs: ok.length ? median(ok.map((r) => r.synthMs)) : NaN,
      medianCpuMs: ok.length ? median(ok.map((r) => r.cpuMs)) : NaN,
      medianProcessMs: median(c.processMs),
      peakRssMb: median(c.runs.map((r) => r.maxRssMb)),
      stacks: first.stacks,
      cfnResources: first.cfnResources,
      violations: first.violations,
      counts: first.counts,
      medianVisitMs: ok.every((r) => r.aspectMs) && ok.length ? median(ok.map((r) => r.aspectMs!.visit)) : undefined,
      medianFinalCheckMs: ok.every((r) => r.aspectMs) && ok.length ? median(ok.map((r) => r.aspectMs!.finalCheck)) : undefined,
      medianRenderingMs: ok.every((r) => r.aspectMs) && ok.length ? median(ok.map((r) => r.aspectMs!.rendering)) : undefined,
    };
  });
  return base.map((s, i) => {
    const plainCell = cells.find((p) => p.variant === 'plain' && p.app === s.app && p.gc === s.gc && p.n === s.n && p.layout === s.layout);
    if (!plainCell) return s;
    // Each repetition's ratio to the plain run of the same repetition (run next to it, under
    // the same background load), then the median of those ratios.
    const paired = (pick: (r: WorkerResult) => number) => {
      const ratios = cells[i].runs.map((r, k) => {
        const p = plainCell.runs[k];
        return r.ok && p?.ok ? pick(r) / pick(p) : NaN;
      }).filter((x) => Number.isFinite(x));
      return ratios.length ? median(ratios) : NaN;
    };
    return {
      ...s,
      ratioToPlain: paired((r) => r.totalMs),
      rssRatioToPlain: paired((r) => r.maxRssMb),
      cpuRatioToPlain: paired((r) => r.cpuMs),
    };
  });
}

export interface Growth {
  readonly app: AppKind;
  readonly variant: Variant;
  readonly layout: Layout;
  /** (time at the largest N / time at the smallest N >= 1000) / (N ratio): 1 is linear. */
  readonly perUnitRatio?: number;
  readonly fromN?: number;
  readonly toN?: number;
  /** log-log slope over every N >= 1000. */
  readonly slope?: number;
}

function growth(summaries: Summary[]): Growth[] {
  const out: Growth[] = [];
  const keys = new Set(summaries.map((s) => `${s.app}|${s.variant}|${s.layout}`));
  for (const key of keys) {
    const [app, variant, layout] = key.split('|') as [AppKind, Variant, Layout];
    // N = 100 is dominated by fixed costs (the first synth of a process): left out
    const pts = summaries.filter((s) => s.app === app && s.variant === variant && s.layout === layout && s.ok && s.n >= 1000)
      .sort((a, b) => a.n - b.n);
    if (pts.length < 2) {
      out.push({ app, variant, layout });
      continue;
    }
    const a = pts[0];
    const b = pts[pts.length - 1];
    out.push({
      app,
      variant,
      layout,
      fromN: a.n,
      toN: b.n,
      perUnitRatio: (b.medianMs / a.medianMs) / (b.n / a.n),
      slope: logLogSlope(pts.map((p) => [p.n, p.medianMs])),
    });
  }
  return out;
}

// ---- cdk-imdsv2 scan against cfn-guard ---------------------------------------------------

export interface ScanComparison {
  readonly files: number;
  readonly runs: number;
  readonly cliMedianMs: number;
  readonly cliMs: number[];
  readonly cliExit: number | null;
  readonly cliFindings: number;
  readonly guardMedianMs: number;
  readonly guardMs: number[];
  readonly guardExit: number | null;
  readonly guardFailures: number;
  readonly ratio: number;
  readonly cliCommand: string;
  readonly guardCommand: string;
}

/** Every JSON file of the corpus that is a CloudFormation template (some are Lambda test events). */
function corpusTemplates(): string[] {
  const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
  return walk(CORPUS).filter((f) => f.endsWith('.json')).sort().filter((f) => {
    try {
      const t = JSON.parse(fs.readFileSync(f, 'utf8'));
      return typeof t === 'object' && t !== null && typeof t.Resources === 'object';
    } catch {
      return false;
    }
  });
}

/**
 * lib/ must be compiled from the current src/, as the package ships it (its index made lazy
 * by the compile task): the CLI and the load cost are timed as users run them (plain node).
 */
function ensureCompiled(): void {
  const lib = path.join(ROOT, 'lib', 'cli', 'main.js');
  const index = path.join(ROOT, 'lib', 'index.js');
  const newestSrc = Math.max(...walkFiles(path.join(ROOT, 'src')).map((f) => fs.statSync(f).mtimeMs));
  const lazy = fs.existsSync(index) && fs.readFileSync(index, 'utf8').includes('lazy index (build-tools/lazy-index.js)');
  if (fs.existsSync(lib) && fs.statSync(lib).mtimeMs >= newestSrc && lazy) return;
  console.log('compiling src/ to lib/ (npx projen compile: jsii, then the lazy index)');
  const run = spawnSync('npx', ['projen', 'compile'], { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`bench: npx projen compile failed with ${run.status}`);
}

// ---- load cost ---------------------------------------------------------------------------

export interface LoadComparison {
  readonly runs: number;
  /** Per mode, every run (in the order run: the modes interleaved). */
  readonly results: Record<LoadMode, LoadResult[]>;
  /** Median CPU ms per mode. */
  readonly medianCpuMs: Record<LoadMode, number>;
  /** Median over the repetitions of (mode's CPU - the app's CPU in the same repetition), ms. */
  readonly addedCpuMs: Record<LoadMode, number>;
}

function measureLoad(runs: number): LoadComparison {
  const out = path.join(RESULTS, `load-${process.pid}.json`);
  const results = { app: [], aspect: [], checks: [] } as Record<LoadMode, LoadResult[]>;
  for (let rep = 0; rep < runs; rep++) {
    for (let k = 0; k < LOAD_MODES.length; k++) {
      const mode = LOAD_MODES[(k + rep) % LOAD_MODES.length];
      fs.rmSync(out, { force: true });
      const run = spawnSync(process.execPath, [path.join(BUILD, 'bench', 'load.js'), mode, out], {
        cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK_IMDSV2_BENCH_ROOT: ROOT },
      });
      if (run.status !== 0) throw new Error(`bench: load ${mode} exited with ${run.status}: ${run.stderr}`);
      results[mode].push(JSON.parse(fs.readFileSync(out, 'utf8')) as LoadResult);
    }
    console.log(`  load run ${rep + 1}/${runs}: ${LOAD_MODES.map((m) => `${m} ${results[m][rep].cpuMs.toFixed(0)} ms`).join(', ')}`);
  }
  fs.rmSync(out, { force: true });
  const medianCpuMs = {} as Record<LoadMode, number>;
  const addedCpuMs = {} as Record<LoadMode, number>;
  for (const mode of LOAD_MODES) {
    medianCpuMs[mode] = median(results[mode].map((r) => r.cpuMs));
    addedCpuMs[mode] = median(results[mode].map((r, i) => r.cpuMs - results.app[i].cpuMs));
  }
  return { runs, results, medianCpuMs, addedCpuMs };
}

function timeProcess(cmd: string, args: string[]): { ms: number; status: number | null; stdout: string } {
  const t0 = performance.now();
  const run = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { ms: performance.now() - t0, status: run.status, stdout: run.stdout };
}

function measureScan(runs: number): ScanComparison | string {
  if (!fs.existsSync(CORPUS)) return `scan comparison skipped: no corpus at ${CORPUS}`;
  if (!fs.existsSync(GUARD_BIN)) return `scan comparison skipped: no cfn-guard binary at ${GUARD_BIN}`;
  ensureCompiled();
  const files = corpusTemplates();
  const cliArgs = [CLI, 'scan', '--format', 'json', ...files];
  const guardArgs = ['validate', ...GUARD_RULES.flatMap((r) => ['-r', r]), ...files.flatMap((f) => ['-d', f]), '-o', 'json', '--show-summary', 'none'];
  const cliMs: number[] = [];
  const guardMs: number[] = [];
  let cli = timeProcess(process.execPath, cliArgs);
  let guard = timeProcess(GUARD_BIN, guardArgs);
  for (let i = 0; i < runs; i++) {
    // alternate which goes first
    if (i % 2 === 0) {
      cli = timeProcess(process.execPath, cliArgs); cliMs.push(cli.ms);
      guard = timeProcess(GUARD_BIN, guardArgs); guardMs.push(guard.ms);
    } else {
      guard = timeProcess(GUARD_BIN, guardArgs); guardMs.push(guard.ms);
      cli = timeProcess(process.execPath, cliArgs); cliMs.push(cli.ms);
    }
    console.log(`  scan run ${i + 1}/${runs}: cdk-imdsv2 ${cliMs[i].toFixed(0)} ms, cfn-guard ${guardMs[i].toFixed(0)} ms`);
  }
  if (cli.status !== 0 && cli.status !== 1) throw new Error(`bench: cdk-imdsv2 scan exited with ${cli.status}`);
  // cfn-guard exits 19 when a rule fails
  if (guard.status !== 0 && guard.status !== 19) throw new Error(`bench: cfn-guard exited with ${guard.status}`);
  const rel = (f: string) => path.relative(ROOT, f);
  return {
    files: files.length,
    runs,
    cliMedianMs: median(cliMs),
    cliMs,
    cliExit: cli.status,
    cliFindings: JSON.parse(cli.stdout).findings.length,
    guardMedianMs: median(guardMs),
    guardMs,
    guardExit: guard.status,
    guardFailures: countGuardFailures(guard.stdout),
    ratio: median(cliMs) / median(guardMs),
    cliCommand: `node bin/cdk-imdsv2 scan --format json <${files.length} templates>`,
    guardCommand: `${rel(GUARD_BIN)} validate ${GUARD_RULES.map((r) => `-r ${rel(r)}`).join(' ')} -d <each of the ${files.length} templates> -o json --show-summary none`,
  };
}

/** cfn-guard prints one JSON document per data file and rules file, back to back. */
function countGuardFailures(stdout: string): number {
  let failures = 0;
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < stdout.length; i++) {
    const ch = stdout[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {inString = true;} else if (ch === '{') {
      if (depth++ === 0) start = i;
    } else if (ch === '}' && --depth === 0) {
      const doc = JSON.parse(stdout.slice(start, i + 1));
      if (doc.status === 'FAIL') failures += (doc.not_compliant ?? []).length;
    }
  }
  return failures;
}

// ---- report ------------------------------------------------------------------------------

const fmtS = (ms: number) => Number.isFinite(ms) ? (ms / 1000).toFixed(2) : 'n/a';
const fmtX = (x: number | undefined) => x === undefined || !Number.isFinite(x) ? '' : `${x.toFixed(2)}x`;

export function markdown(summaries: Summary[], growths: Growth[], scan: ScanComparison | string, cli: CliMeasurement[] | string,
  meta: Record<string, unknown>, defaultGc: string[] = []): string {
  const lines: string[] = [];
  lines.push(`Command: \`${meta.command}\``, '');
  lines.push(`Code: commit ${meta.commit}.`, '');
  lines.push(meta.gc === 'default'
    ? 'GC: V8\'s defaults (`--gc default`), as `cdk synth` runs.'
    : 'GC: every worker runs with `node --no-allocation-site-pretenuring` (`--gc stable`, the default; why: "What is measured").', '');
  if (meta.warm) lines.push('Processes: **warm** (`--warm`): each worker synthesizes the same app once, untimed, before the timed synth, so that the code is compiled and warm; `cdk synth` runs cold.', '');
  lines.push(`Apps: ${meta.pathMetadata ? 'with path metadata (`aws:cdk:path` on every resource, as `cdk synth` makes them)' : 'without path metadata (as `new App()` makes them; `cdk synth` adds `aws:cdk:path` to every resource)'}.`, '');
  lines.push(`Machine: ${meta.cpus} (nproc ${meta.nproc}), ${meta.memoryGb} GB RAM, Node ${meta.node}, ${meta.platform}; load average at start ${meta.loadStart}, at end ${meta.loadEnd}; ${meta.date}; ${meta.durationMin} min in all.`, '');
  lines.push('Time: building the app and `app.synth()` in a fresh process (module loading not included), median of the runs; min–max in brackets. Peak memory: the process\'s maxRSS (median). CPU: user + system time of the process over the same span (median), to tell a slower machine from a process kept waiting. Ratios (x plain): the median over the repetitions of the ratio to the plain run of the same repetition (variants interleaved), at the same app, N and layout.', '');
  for (const [app, layout] of [...new Set(summaries.map((s) => `${s.app}|${s.layout}`))].map((k) => k.split('|') as [AppKind, Layout])) {
    const title = layout === 'one-stack' ? 'all units in one stack' : `spread over stacks (${summaries.find((s) => s.app === app && s.layout === layout)?.stacks ?? '?'}+ stacks, 100 units a stack)`;
    lines.push(`#### ${app === 'fixable' ? 'Fully fixable app' : 'Mixed app (node groups left open)'}, ${title}`, '');
    lines.push('| variant | N | CFN resources | runs | time s (min–max) | x plain | CPU s | x plain | peak MB | x plain | found |');
    lines.push('|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|');
    for (const s of summaries.filter((x) => x.app === app && x.layout === layout)) {
      const found = [
        ...Object.entries(s.violations).map(([k, v]) => `${k} ${v}`),
        ...Object.entries(s.counts).filter(([k]) => k !== 'firstError').map(([k, v]) => `${k} ${v}`),
      ].join(', ');
      lines.push(`| ${s.variant}${s.ok ? '' : ' (FAILED)'} | ${s.n} | ${s.cfnResources} | ${s.runs} | ${fmtS(s.medianMs)} (${fmtS(s.minMs)}–${fmtS(s.maxMs)}) | ${fmtX(s.ratioToPlain)} | ${fmtS(s.medianCpuMs)} | ${fmtX(s.cpuRatioToPlain)} | ${s.peakRssMb.toFixed(0)} | ${fmtX(s.rssRatioToPlain)} | ${found} |`);
    }
    lines.push('');
  }
  const timed = summaries.filter((s) => s.variant === 'ours-aspect-rewrite' && s.medianVisitMs !== undefined);
  if (timed.length > 0) {
    lines.push('#### Where the aspect\'s time goes', '');
    lines.push('Time inside `Imdsv2Aspect` (REWRITE), median of the runs: its visit (each IMDS-bearing resource rendered, analysed, fixed) and its final check at validation '
      + '(each rendered again as it will be deployed, judged, reported); of both, the time spent rendering (aws-cdk-lib resolving the properties the engine reads). The rest of what the variant adds over plain is aws-cdk-lib\'s, outside the aspect '
      + '(the fixes written into the templates, garbage collection of what the aspect made); being the difference of two medians, it moves with '
      + 'the noise and can come out below zero. Timing the aspect adds a call around each of its visits (one per construct): a few ms.', '');
    lines.push('| app | layout | N | plain s | aspect s | over plain ms | visit ms | final check ms | of both, rendering ms | rest ms | visit + final check, x plain | rendering, x plain |');
    lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const s of timed) {
      const plain = summaries.find((p) => p.variant === 'plain' && p.app === s.app && p.n === s.n && p.layout === s.layout);
      if (!plain) continue;
      const over = s.medianMs - plain.medianMs;
      const inside = s.medianVisitMs! + s.medianFinalCheckMs!;
      lines.push(`| ${s.app} | ${s.layout} | ${s.n} | ${fmtS(plain.medianMs)} | ${fmtS(s.medianMs)} | ${over.toFixed(0)} | ${s.medianVisitMs!.toFixed(0)} | `
        + `${s.medianFinalCheckMs!.toFixed(0)} | ${s.medianRenderingMs!.toFixed(0)} | ${(over - inside).toFixed(0)} | ${(inside / plain.medianMs).toFixed(3)} | `
        + `${(s.medianRenderingMs! / plain.medianMs).toFixed(3)} |`);
    }
    lines.push('');
  }
  if (defaultGc.length > 0) lines.push(...defaultGc);
  lines.push('#### Growth with N', '');
  lines.push('| app | variant | layout | time(N_max)/time(N_min) ÷ N_max/N_min | log-log slope (N ≥ 1000) |');
  lines.push('|---|---|---|---:|---:|');
  for (const g of growths.filter((x) => x.slope !== undefined)) {
    lines.push(`| ${g.app} | ${g.variant} | ${g.layout} | ${g.perUnitRatio === undefined ? '' : `${g.perUnitRatio.toFixed(2)} (N ${g.fromN} → ${g.toN})`} | ${g.slope === undefined ? '' : g.slope.toFixed(2)} |`);
  }
  lines.push('');
  lines.push('#### `cdk-imdsv2 scan` against cfn-guard on the corpus', '');
  if (typeof scan === 'string') {
    lines.push(scan);
  } else {
    lines.push('| tool | command | median s (runs) | exit | found |');
    lines.push('|---|---|---|---:|---|');
    lines.push(`| cdk-imdsv2 scan | \`${scan.cliCommand}\` | ${fmtS(scan.cliMedianMs)} (${scan.cliMs.map(fmtS).join(', ')}) | ${scan.cliExit} | ${scan.cliFindings} findings (all six rules) |`);
    lines.push(`| cfn-guard 3 (CT.EC2.PR.1, CT.AUTOSCALING.PR.2) | \`${scan.guardCommand}\` | ${fmtS(scan.guardMedianMs)} (${scan.guardMs.map(fmtS).join(', ')}) | ${scan.guardExit} | ${scan.guardFailures} non-compliant rule results |`);
    lines.push('', `cdk-imdsv2 / cfn-guard: ${scan.ratio.toFixed(2)}x, over ${scan.files} templates (whole processes: Node start-up included).`);
  }
  lines.push('', '#### `cdk-imdsv2 scan` on generated templates, up to ~50 MB', '');
  if (typeof cli === 'string') {
    lines.push(cli);
  } else {
    const runs = cli[0]?.runs ?? 0;
    lines.push('`node bin/cdk-imdsv2 scan --format <format> <template>`, its output to a file, on templates of N launch templates with `HttpTokens: optional` '
      + `(one finding each; bench/cli.ts); the run with the median wall time of ${runs} run${runs === 1 ? '' : 's'}. Wall time of the whole process (Node start-up included); `
      + 'CPU (user + system) and peak memory (maxRSS) from /usr/bin/time; CPU per finding is wall time per finding where /usr/bin/time is absent.', '');
    lines.push('| input | format | wall | CPU (user+sys) | CPU per finding | peak memory | exit |');
    lines.push('|---|---|---:|---:|---:|---:|---:|');
    for (const m of cli) lines.push(`| ${cliCells(m).join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * The fixable app measured with V8's default GC (what `cdk synth` runs), each run listed:
 * whether V8 pretenured shows in a run's peak memory (about 1.8x) and time (about 1.3x).
 * The ratio of means is beside the median ratio: with two modes, the median of a few pairs
 * says little, the mean is what a user pays on average.
 */
function defaultGcSection(defaultGc: Summary[], cells: Cell[], stable: Summary[]): string[] {
  if (defaultGc.length === 0) return [];
  const lines: string[] = [];
  const { n, layout } = defaultGc[0];
  lines.push(`#### With V8's default GC (fully fixable app, N ${n}, ${layout === 'one-stack' ? 'one stack' : 'stacks'})`, '');
  lines.push('The same workers without `--no-allocation-site-pretenuring`, as `cdk synth` runs them. A run in which V8 pretenured shows it in its '
    + 'peak memory (about 1.8x that of the others) and its time (about 1.3x). The stable-GC median of the same cell is beside it.', '');
  lines.push('| variant | runs | time s, each run | peak MB, each run | time, median x plain | time, mean x plain\'s mean | stable GC: time s, x plain |');
  lines.push('|---|---:|---|---|---:|---:|---|');
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const plainCell = cells.find((c) => c.gc === 'default' && c.variant === 'plain' && c.n === n && c.layout === layout);
  const plainMean = plainCell ? mean(plainCell.runs.filter((r) => r.ok).map((r) => r.totalMs)) : NaN;
  for (const s of defaultGc) {
    const cell = cells.find((c) => c.gc === 'default' && c.variant === s.variant && c.n === s.n && c.layout === s.layout)!;
    const ok = cell.runs.filter((r) => r.ok);
    const st = stable.find((x) => x.app === s.app && x.variant === s.variant && x.n === s.n && x.layout === s.layout);
    lines.push(`| ${s.variant}${s.ok ? '' : ' (FAILED)'} | ${cell.runs.length} | ${ok.map((r) => fmtS(r.totalMs)).join(', ')} | `
      + `${ok.map((r) => r.maxRssMb.toFixed(0)).join(', ')} | ${fmtX(s.ratioToPlain)} | ${fmtX(mean(ok.map((r) => r.totalMs)) / plainMean)} | `
      + `${st ? `${fmtS(st.medianMs)}, ${fmtX(st.ratioToPlain)}` : 'not measured'} |`);
  }
  lines.push('');
  return lines;
}

function printTable(summaries: Summary[], growths: Growth[]): void {
  console.log('\napp      variant                     layout     N      time s   x plain   CPU s   x plain  peak MB  x plain');
  if (summaries.some((s) => s.gc === 'default')) console.log('(* V8\'s default GC, pretenuring on)');
  for (const s of summaries) {
    console.log(`${(s.app + (s.gc === 'default' ? '*' : '')).padEnd(8)} ${s.variant.padEnd(27)} ${s.layout.padEnd(10)} ${String(s.n).padEnd(6)} ${fmtS(s.medianMs).padStart(7)}  ${fmtX(s.ratioToPlain).padStart(7)}  ${fmtS(s.medianCpuMs).padStart(6)}  ${fmtX(s.cpuRatioToPlain).padStart(7)}  ${s.peakRssMb.toFixed(0).padStart(7)}  ${fmtX(s.rssRatioToPlain).padStart(7)}${s.ok ? '' : `  FAILED: ${s.error}`}`);
  }
  console.log('\ngrowth (time ratio / N ratio, log-log slope):');
  for (const g of growths) {
    if (g.slope !== undefined) console.log(`  ${g.app.padEnd(7)} ${g.variant.padEnd(27)} ${g.layout.padEnd(10)} ${g.perUnitRatio!.toFixed(2)} (N ${g.fromN} → ${g.toN}), slope ${g.slope.toFixed(2)}`);
  }
}

function gitCommit(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'bench'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  return `${head || 'unknown'}${dirty ? ' (with uncommitted changes in src/ or bench/)' : ''}`;
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  fs.mkdirSync(RESULTS, { recursive: true });
  const started = new Date();
  const loadStart = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const t0 = performance.now();
  // The code measured is the code transpiled now: record its commit now, not at the end.
  const commit = gitCommit();
  for (const p of o.plans) {
    console.log(`bench: ${p.app} app: N ${p.ns.join(', ')}; layouts ${p.layouts.join(', ')}; variants ${p.variants.join(', ')}; ${p.runs} runs`);
  }
  console.log(`bench: load cost ${o.loadRuns} runs; nproc ${os.cpus().length}, load ${loadStart}`);
  transpileOnce(BUILD);
  ensureCompiled();
  // read by bench/generator.ts in every worker (they inherit the environment)
  if (o.pathMetadata) process.env[PATH_METADATA_ENV] = '1';
  else delete process.env[PATH_METADATA_ENV];
  if (o.warm) process.env[WARM_ENV] = '1';
  else delete process.env[WARM_ENV];
  console.log('\nload cost (CPU of requiring an EC2 app\'s modules, and cdk-imdsv2 on top):');
  const load = measureLoad(o.loadRuns);
  const cells: Cell[] = [];
  for (const plan of o.plans) measureSynth(plan, cells);
  const all = summarise(cells);
  // The goals, growth and main tables are judged on the main plans' GC mode; the default-GC
  // plan (with --gc stable) is its own section.
  const summaries = all.filter((s) => s.gc === o.gc);
  const defaultGc = o.gc === 'stable' ? all.filter((s) => s.gc === 'default') : [];
  const growths = growth(summaries);
  printTable(all, growths);
  console.log(`\nload: EC2 app ${load.medianCpuMs.app.toFixed(0)} ms CPU; + Imdsv2Aspect ${load.addedCpuMs.aspect.toFixed(0)} ms; + Imdsv2Checks ${load.addedCpuMs.checks.toFixed(0)} ms (medians of ${load.runs} paired runs)`);
  let scan: ScanComparison | string = 'scan comparison skipped (--no-scan)';
  if (o.scan) {
    console.log('\ncdk-imdsv2 scan against cfn-guard:');
    scan = measureScan(o.scanRuns);
    console.log(typeof scan === 'string' ? scan : `  cdk-imdsv2 ${fmtS(scan.cliMedianMs)} s, cfn-guard ${fmtS(scan.guardMedianMs)} s over ${scan.files} templates (${scan.ratio.toFixed(2)}x)`);
  }
  let cli: CliMeasurement[] | string = 'CLI measurements skipped (--no-cli)';
  if (o.cli) {
    console.log(`\ncdk-imdsv2 scan on generated templates${o.cliLarge ? '' : ' (the ~50 MB templates left out: --quick)'}, ${o.cliRuns} run(s) each:`);
    cli = measureCli({ cli: CLI, runs: o.cliRuns, large: o.cliLarge, onEach: (m) => console.log(`  ${cliCells(m).join(' | ')}`) });
  }
  const meta = {
    command: process.argv.length > 2 ? `npm run bench -- ${process.argv.slice(2).join(' ')}` : 'npm run bench',
    pathMetadata: o.pathMetadata,
    warm: o.warm,
    gc: o.gc,
    date: started.toISOString(),
    durationMin: ((performance.now() - t0) / 60000).toFixed(1),
    nproc: os.cpus().length,
    cpus: os.cpus()[0]?.model ?? 'unknown cpu',
    memoryGb: (os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    loadStart,
    loadEnd: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    commit,
  };
  const detail = markdown(summaries, growths, scan, cli, meta, defaultGcSection(defaultGc, cells, summaries));
  const md = benchmarksMd(summaries, growths, load, scan, cli, meta, detail);
  fs.writeFileSync(o.out, JSON.stringify({ meta, options: o, summaries, growth: growths, load, scan, cli, raw: cells }, undefined, 2));
  fs.writeFileSync(o.out.replace(/\.json$/, '.md'), md);
  console.log(`\nwrote ${path.relative(ROOT, o.out)} and ${path.relative(ROOT, o.out.replace(/\.json$/, '.md'))}`);
  if (o.write) {
    fs.writeFileSync(o.write, md);
    console.log(`wrote ${path.relative(ROOT, o.write)}`);
  }
}

if (require.main === module) main();
