/**
 * `npm run bench`: synth time and peak memory of every variant (bench/variants.ts) on
 * generated apps (bench/generator.ts), each measurement in a fresh process, variants
 * interleaved round-robin within each repetition; then `cdk-imdsv2 scan` against
 * cfn-guard on the corpus templates. bench/ and src/ are transpiled once at the start.
 *
 *   npm run bench -- [--n 100,1000,3000,6000] [--runs 5] [--layouts one-stack,stacks]
 *                    [--variants plain,ours-all,...] [--big-runs 3] [--quick]
 *                    [--scan-runs 5] [--no-scan] [--path-metadata] [--out bench/results/latest.json]
 *
 * --path-metadata makes the apps as `cdk synth` does, with `aws:cdk:path` in every
 * resource's Metadata (the CLI's default); without it they are made as `new App()` makes them.
 * --quick is --n 100,1000 --runs 1 --scan-runs 1 (to check the bench, and to estimate a
 * full run). --big-runs sets the repetitions at the largest N only.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { Layout, PATH_METADATA_ENV } from './generator';
import { median } from './stats';
import { transpileOnce, walkFiles } from './transpile';
import { VARIANTS, Variant } from './variants';
import type { WorkerResult } from './worker';

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus', 'aws-cloudformation-templates');
const GUARD_PACKAGE = path.join(ROOT, 'node_modules', '@cdklabs', 'cdk-validator-cfnguard');
const GUARD_BIN = path.join(GUARD_PACKAGE, 'bin', 'ubuntu', 'x86_64', 'cfn-guard');
const GUARD_RULES = [
  'rules/control-tower/cfn-guard/ec2/ct-ec2-pr-1.guard',
  'rules/control-tower/cfn-guard/ec2autoscaling/ct-autoscaling-pr-2.guard',
].map((r) => path.join(GUARD_PACKAGE, r));
const CLI = path.join(ROOT, 'bin', 'cdk-imdsv2');

interface Options {
  readonly ns: number[];
  readonly runs: number;
  readonly bigRuns: number;
  readonly layouts: Layout[];
  readonly variants: Variant[];
  readonly scanRuns: number;
  readonly scan: boolean;
  readonly pathMetadata: boolean;
  readonly out: string;
}

function parseArgs(argv: string[]): Options {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const list = (text: string) => text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const ns = list(get('n') ?? (quick ? '100,1000' : '100,1000,3000,6000')).map(Number);
  const runs = Number(get('runs') ?? (quick ? 1 : 5));
  const variants = list(get('variants') ?? VARIANTS.join(',')) as Variant[];
  for (const v of variants) if (!(VARIANTS as readonly string[]).includes(v)) throw new Error(`bench: unknown variant '${v}': expected one of ${VARIANTS.join(', ')}`);
  const layouts = list(get('layouts') ?? 'one-stack,stacks') as Layout[];
  for (const l of layouts) if (l !== 'one-stack' && l !== 'stacks') throw new Error(`bench: unknown layout '${l}': expected one-stack or stacks`);
  if (ns.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`bench: --n must be positive integers, got '${get('n')}'`);
  return {
    ns,
    runs,
    variants,
    layouts,
    bigRuns: Number(get('big-runs') ?? runs),
    scanRuns: Number(get('scan-runs') ?? (quick ? 1 : 5)),
    scan: !argv.includes('--no-scan'),
    pathMetadata: argv.includes('--path-metadata'),
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
  readonly variant: Variant;
  readonly n: number;
  readonly layout: Layout;
  readonly runs: WorkerResult[];
  /** Wall time of each worker process, ms (start-up and module loading included). */
  readonly processMs: number[];
}

const BUILD = path.join(RESULTS, 'build');

function runWorker(variant: Variant, n: number, layout: Layout): { result: WorkerResult; processMs: number } {
  const out = path.join(RESULTS, `worker-${process.pid}.json`);
  const log = path.join(RESULTS, 'worker.log');
  fs.rmSync(out, { force: true });
  const fd = fs.openSync(log, 'w');
  const t0 = performance.now();
  const run = spawnSync(process.execPath, [path.join(BUILD, 'bench', 'worker.js'), variant, String(n), layout, out], {
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

function measureSynth(o: Options): Cell[] {
  const cells: Cell[] = [];
  const largest = Math.max(...o.ns);
  for (const n of o.ns) {
    for (const layout of o.layouts) {
      const row = o.variants.map((variant) => ({ variant, n, layout, runs: [] as WorkerResult[], processMs: [] as number[] }));
      const reps = n === largest ? o.bigRuns : o.runs;
      for (let rep = 0; rep < reps; rep++) {
        // round-robin, starting one further each repetition: background load hits all alike
        for (let k = 0; k < row.length; k++) {
          const cell = row[(k + rep) % row.length];
          const { result, processMs } = runWorker(cell.variant, n, layout);
          cell.runs.push(result);
          cell.processMs.push(processMs);
          const status = result.ok ? `${(result.totalMs / 1000).toFixed(2)} s, CPU ${(result.cpuMs / 1000).toFixed(2)} s, ${result.maxRssMb.toFixed(0)} MB` : `FAILED: ${result.error}`;
          console.log(`  n=${n} ${layout} run ${rep + 1}/${reps} ${cell.variant}: ${status} (load ${os.loadavg()[0].toFixed(2)})`);
        }
      }
      cells.push(...row);
      // what is done so far, should a long run be stopped
      fs.writeFileSync(path.join(RESULTS, 'partial.json'), JSON.stringify(cells));
    }
  }
  return cells;
}

interface Summary {
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
}

function summarise(cells: Cell[]): Summary[] {
  const base = cells.map((c): Summary => {
    const ok = c.runs.filter((r) => r.ok);
    const times = ok.map((r) => r.totalMs);
    const first = ok[0] ?? c.runs[0];
    return {
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
    };
  });
  return base.map((s) => {
    const plain = base.find((p) => p.variant === 'plain' && p.n === s.n && p.layout === s.layout);
    return plain ? {
      ...s,
      ratioToPlain: s.medianMs / plain.medianMs,
      rssRatioToPlain: s.peakRssMb / plain.peakRssMb,
      cpuRatioToPlain: s.medianCpuMs / plain.medianCpuMs,
    } : s;
  });
}

interface Growth {
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
  const keys = new Set(summaries.map((s) => `${s.variant}|${s.layout}`));
  for (const key of keys) {
    const [variant, layout] = key.split('|') as [Variant, Layout];
    // N = 100 is dominated by fixed costs (the first synth of a process): left out
    const pts = summaries.filter((s) => s.variant === variant && s.layout === layout && s.ok && s.n >= 1000).sort((a, b) => a.n - b.n);
    if (pts.length < 2) {
      out.push({ variant, layout });
      continue;
    }
    const a = pts[0];
    const b = pts[pts.length - 1];
    out.push({
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

interface ScanComparison {
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

/** lib/ must be compiled from the current src/: the CLI is timed as users run it (plain node). */
function ensureCompiled(): void {
  const lib = path.join(ROOT, 'lib', 'cli', 'main.js');
  const newestSrc = Math.max(...walkFiles(path.join(ROOT, 'src')).map((f) => fs.statSync(f).mtimeMs));
  if (fs.existsSync(lib) && fs.statSync(lib).mtimeMs >= newestSrc) return;
  console.log('compiling src/ to lib/ (npx jsii) for the CLI timing');
  const run = spawnSync('npx', ['jsii', '--silence-warnings=reserved-word'], { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`bench: npx jsii failed with ${run.status}`);
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

function markdown(summaries: Summary[], growths: Growth[], scan: ScanComparison | string, meta: Record<string, unknown>): string {
  const lines: string[] = [];
  lines.push(`Command: \`${meta.command}\``, '');
  lines.push(`Code: commit ${meta.commit}.`, '');
  lines.push(`Apps: ${meta.pathMetadata ? 'with path metadata (`aws:cdk:path` on every resource, as `cdk synth` makes them)' : 'without path metadata (as `new App()` makes them; `cdk synth` adds `aws:cdk:path` to every resource)'}.`, '');
  lines.push(`Machine: ${meta.cpus} (nproc ${meta.nproc}), ${meta.memoryGb} GB RAM, Node ${meta.node}, ${meta.platform}; load average at start ${meta.loadStart}, at end ${meta.loadEnd}; ${meta.date}; ${meta.durationMin} min in all.`, '');
  lines.push('Time: building the app and `app.synth()` in a fresh process (module loading not included), median of the runs; min–max in brackets. Peak memory: the process\'s maxRSS (median). CPU: user + system time of the process over the same span (median), to tell a slower machine from a process kept waiting. Ratio: to plain synth at the same N and layout.', '');
  for (const layout of new Set(summaries.map((s) => s.layout))) {
    lines.push(`#### ${layout === 'one-stack' ? 'All units in one stack' : `Spread over stacks (${summaries.find((s) => s.layout === layout)?.stacks ?? '?'}+ stacks, 100 units a stack)`}`, '');
    lines.push('| variant | N | CFN resources | runs | time s (min–max) | x plain | CPU s | x plain | peak MB | x plain | found |');
    lines.push('|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|');
    for (const s of summaries.filter((x) => x.layout === layout)) {
      const found = [
        ...Object.entries(s.violations).map(([k, v]) => `${k} ${v}`),
        ...Object.entries(s.counts).filter(([k]) => k !== 'firstError').map(([k, v]) => `${k} ${v}`),
      ].join(', ');
      lines.push(`| ${s.variant}${s.ok ? '' : ' (FAILED)'} | ${s.n} | ${s.cfnResources} | ${s.runs} | ${fmtS(s.medianMs)} (${fmtS(s.minMs)}–${fmtS(s.maxMs)}) | ${fmtX(s.ratioToPlain)} | ${fmtS(s.medianCpuMs)} | ${fmtX(s.cpuRatioToPlain)} | ${s.peakRssMb.toFixed(0)} | ${fmtX(s.rssRatioToPlain)} | ${found} |`);
    }
    lines.push('');
  }
  lines.push('#### Growth with N', '');
  lines.push('| variant | layout | time(N_max)/time(N_min) ÷ N_max/N_min | log-log slope (N ≥ 1000) |');
  lines.push('|---|---|---:|---:|');
  for (const g of growths.filter((x) => x.slope !== undefined)) {
    lines.push(`| ${g.variant} | ${g.layout} | ${g.perUnitRatio === undefined ? '' : `${g.perUnitRatio.toFixed(2)} (N ${g.fromN} → ${g.toN})`} | ${g.slope === undefined ? '' : g.slope.toFixed(2)} |`);
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
  return lines.join('\n');
}

function printTable(summaries: Summary[], growths: Growth[]): void {
  console.log('\nvariant                     layout     N      time s   x plain   CPU s   x plain  peak MB  x plain');
  for (const s of summaries) {
    console.log(`${s.variant.padEnd(27)} ${s.layout.padEnd(10)} ${String(s.n).padEnd(6)} ${fmtS(s.medianMs).padStart(7)}  ${fmtX(s.ratioToPlain).padStart(7)}  ${fmtS(s.medianCpuMs).padStart(6)}  ${fmtX(s.cpuRatioToPlain).padStart(7)}  ${s.peakRssMb.toFixed(0).padStart(7)}  ${fmtX(s.rssRatioToPlain).padStart(7)}${s.ok ? '' : `  FAILED: ${s.error}`}`);
  }
  console.log('\ngrowth (time ratio / N ratio, log-log slope):');
  for (const g of growths) {
    if (g.slope !== undefined) console.log(`  ${g.variant.padEnd(27)} ${g.layout.padEnd(10)} ${g.perUnitRatio!.toFixed(2)} (N ${g.fromN} → ${g.toN}), slope ${g.slope.toFixed(2)}`);
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
  console.log(`bench: N ${o.ns.join(', ')}; layouts ${o.layouts.join(', ')}; ${o.variants.length} variants; ${o.runs} runs (${o.bigRuns} at N=${Math.max(...o.ns)}); nproc ${os.cpus().length}, load ${loadStart}`);
  transpileOnce(BUILD);
  // read by bench/generator.ts in every worker (they inherit the environment)
  if (o.pathMetadata) process.env[PATH_METADATA_ENV] = '1';
  else delete process.env[PATH_METADATA_ENV];
  const cells = measureSynth(o);
  const summaries = summarise(cells);
  const growths = growth(summaries);
  printTable(summaries, growths);
  let scan: ScanComparison | string = 'scan comparison skipped (--no-scan)';
  if (o.scan) {
    console.log('\ncdk-imdsv2 scan against cfn-guard:');
    scan = measureScan(o.scanRuns);
    console.log(typeof scan === 'string' ? scan : `  cdk-imdsv2 ${fmtS(scan.cliMedianMs)} s, cfn-guard ${fmtS(scan.guardMedianMs)} s over ${scan.files} templates (${scan.ratio.toFixed(2)}x)`);
  }
  const meta = {
    command: process.argv.length > 2 ? `npm run bench -- ${process.argv.slice(2).join(' ')}` : 'npm run bench',
    pathMetadata: o.pathMetadata,
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
  const md = markdown(summaries, growths, scan, meta);
  fs.writeFileSync(o.out, JSON.stringify({ meta, options: o, summaries, growth: growths, scan, raw: cells }, undefined, 2));
  fs.writeFileSync(o.out.replace(/\.json$/, '.md'), `${md}\n`);
  console.log(`\nwrote ${path.relative(ROOT, o.out)} and ${path.relative(ROOT, o.out.replace(/\.json$/, '.md'))}`);
}

main();
