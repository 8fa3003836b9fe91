import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { CORPUS, GUARD_BIN, GUARD_RULES, ROOT } from './cfn-guard';
import { transpileOnce } from './transpile';

/**
 * `cdk-imdsv2 scan` timed as users run it: a fresh `node` process per run, on
 *
 * - one JSON template of 1,000 / 4,000 / 8,000 / 16,000 open launch templates (HttpTokens
 *   optional: one finding each), in every format: the cost per finding must stay flat;
 * - a ~50 MB JSON template and the same template in YAML, in every format (goal: under
 *   15 s each; YAML no worse than twice JSON);
 * - the folder of sample templates in ../shared/corpus against cfn-guard with the Control
 *   Tower rules for IMDSv2 (CT.EC2.PR.1, CT.AUTOSCALING.PR.2) on the same folder.
 *
 * src/ is transpiled once (bench/transpile.ts), so no compiler runs in the timed processes.
 * Wall time and peak memory (from /usr/bin/time when present) per run; the median of
 * `--runs N` (default 1) is shown. `--quick` leaves out the 50 MB templates.
 * Run: `npx projen bench:cli [--runs 3] [--quick]`.
 *
 * `npm run bench` (bench/run.ts) calls `measureCli` on the compiled package instead
 * (bin/cdk-imdsv2 on lib/, as users run it) and judges the CLI goals of issue #20 on it; its
 * own comparison with cfn-guard on the corpus stands for `compareOnCorpus` there.
 */

const WORK = path.join(ROOT, 'bench', 'results', 'cli');
export const CLI_FORMATS = ['table', 'json', 'sarif'] as const;
export type CliFormat = typeof CLI_FORMATS[number];
/** Open launch templates (one finding each) in the templates of the findings series. */
export const CLI_SIZES = [1000, 4000, 8000, 16000];
/** Resources of the large template: ~50 MB as indented JSON. */
export const LARGE_RESOURCES = 46_500;
const TIME_BIN = '/usr/bin/time';

interface Timing {
  readonly wallMs: number;
  /** User + system CPU time: steadier than wall time on a shared machine. */
  readonly cpuMs?: number;
  readonly peakMb?: number;
  readonly exit: number | null;
}

/** One input in one format: the run with the median wall time of `runs`. */
export interface CliMeasurement extends Timing {
  /** `findings`: a template of the findings series; `large-json`, `large-yaml`: the ~50 MB template and the same in YAML. */
  readonly input: 'findings' | 'large-json' | 'large-yaml';
  /** Open launch templates in the template: one finding each. */
  readonly resources: number;
  readonly format: CliFormat;
  readonly fileMb: number;
  readonly runs: number;
}

export interface CliOptions {
  /** The script `node` runs as the CLI (its arguments follow). */
  readonly cli: string;
  readonly runs: number;
  /** Whether to measure the ~50 MB templates too. */
  readonly large: boolean;
  /** Called after each input and format: progress, as the whole takes minutes. */
  readonly onEach?: (m: CliMeasurement) => void;
}

/** `node <cli> scan --format <format> <template>` on the findings series and, with `large`, the ~50 MB templates, in every format. */
export function measureCli(o: CliOptions): CliMeasurement[] {
  fs.mkdirSync(WORK, { recursive: true });
  const measurements: CliMeasurement[] = [];
  const measure = (input: CliMeasurement['input'], resources: number, file: string) => {
    for (const format of CLI_FORMATS) {
      const t = timeRuns(o.runs, () => timeProcess(process.execPath, [o.cli, 'scan', '--format', format, file]));
      const m: CliMeasurement = { input, resources, format, fileMb: fs.statSync(file).size / 1e6, runs: o.runs, ...t };
      measurements.push(m);
      o.onEach?.(m);
    }
  };
  for (const n of CLI_SIZES) measure('findings', n, writeTemplate(`open-${n}.json`, n, 'json'));
  if (o.large) {
    for (const ext of ['json', 'yaml'] as const) measure(`large-${ext}`, LARGE_RESOURCES, writeTemplate(`large.${ext}`, LARGE_RESOURCES, ext));
  }
  return measurements;
}

/** A measurement as the cells of a table row: input, format, wall, CPU, CPU per resource, peak memory, exit. */
export function cliCells(m: CliMeasurement): string[] {
  const input = m.input === 'findings'
    ? `${m.resources} open resources (JSON, ${m.fileMb.toFixed(1)} MB)`
    : `large ${m.input === 'large-json' ? 'JSON' : 'YAML'} (${m.resources} open resources, ${m.fileMb.toFixed(1)} MB)`;
  return [input, m.format, `${(m.wallMs / 1000).toFixed(2)} s`, cpu(m), `${((m.cpuMs ?? m.wallMs) / m.resources * 1000).toFixed(0)} µs`, peak(m), String(m.exit)];
}

function main(): void {
  const args = process.argv.slice(2);
  const runs = Number(args[args.indexOf('--runs') + 1]) > 0 && args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 1;
  const quick = args.includes('--quick');
  const entry = buildCli();
  console.log(`cdk-imdsv2 scan benchmark: ${runs} run(s) each, fresh node process per run; machine shared, see the caveat below\n`);

  const measurements = measureCli({ cli: entry, runs, large: !quick, onEach: (m) => console.log(cliCells(m).join(' | ')) });
  const folder = compareOnCorpus(entry, runs);

  console.log('\n| input | format | wall | CPU (user+sys) | CPU per resource | peak memory | exit |');
  console.log('|---|---|---|---|---|---|---|');
  for (const m of measurements) console.log(`| ${cliCells(m).join(' | ')} |`);
  console.log(`\n${folder}`);
  const load = fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : 'n/a';
  console.log(`\nCaveat: wall times depend on what else runs (load average at the end: ${load}); CPU time is steadier. Compare within one run.`);
}

/** src/ transpiled into bench/results/cli/build, and an entry that runs the CLI like bin/cdk-imdsv2. */
function buildCli(): string {
  const out = transpileOnce(path.join(WORK, 'build'));
  const entry = path.join(out, 'cdk-imdsv2.js');
  fs.writeFileSync(entry, "require('./src/cli/main').run();\n");
  return entry;
}

/** A template of `n` launch templates with HttpTokens optional (each one finding), written once. */
function writeTemplate(name: string, n: number, format: 'json' | 'yaml'): string {
  const file = path.join(WORK, name);
  const marker = `${file}.${n}`;
  if (fs.existsSync(file) && fs.existsSync(marker)) return file;
  const resources: Record<string, object> = {};
  for (let i = 0; i < n; i++) {
    resources[`LaunchTemplate${i}`] = {
      Type: 'AWS::EC2::LaunchTemplate',
      Metadata: { 'aws:cdk:path': `Stack/LaunchTemplate${i}/Resource` },
      Properties: {
        LaunchTemplateName: `lt-${i}`,
        LaunchTemplateData: {
          ImageId: 'ami-0123456789abcdef0',
          InstanceType: 't3.micro',
          MetadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 1 },
          TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: `host-${i}` }, { Key: 'Team', Value: 'platform' }] }],
          UserData: { 'Fn::Base64': { 'Fn::Sub': '#!/bin/bash\nyum install -y httpd\nsystemctl start httpd\necho "${AWS::Region}" > /var/www/html/index.html\n' } },
        },
      },
    };
  }
  const doc = { AWSTemplateFormatVersion: '2010-09-09', Resources: resources };
  fs.writeFileSync(file, format === 'json' ? JSON.stringify(doc, undefined, 2) : yaml.dump(doc, { noRefs: true, lineWidth: -1 }));
  fs.writeFileSync(marker, '');
  return file;
}

/** cdk-imdsv2 and cfn-guard on the same folder of templates. */
function compareOnCorpus(entry: string, runs: number): string {
  if (!fs.existsSync(CORPUS)) return `folder comparison skipped: no corpus at ${CORPUS}`;
  if (!fs.existsSync(GUARD_BIN)) return `folder comparison skipped: no cfn-guard binary at ${GUARD_BIN}`;
  const ours = timeRuns(runs, () => timeProcess(process.execPath, [entry, 'scan', '--format', 'json', CORPUS]));
  const guard = timeRuns(runs, () => timeProcess(GUARD_BIN, ['validate', ...GUARD_RULES.flatMap((r) => ['-r', r]), '-d', CORPUS, '-o', 'json', '--show-summary', 'none']));
  const files = countFiles(CORPUS);
  return [
    `folder of templates (${path.relative(ROOT, CORPUS)}, ${files} files):`,
    `  cdk-imdsv2 scan --format json <folder>: ${(ours.wallMs / 1000).toFixed(2)} s wall, ${cpu(ours)} CPU, ${peak(ours)}, exit ${ours.exit}`,
    `  cfn-guard validate (CT.EC2.PR.1, CT.AUTOSCALING.PR.2) -d <folder>: ${(guard.wallMs / 1000).toFixed(2)} s wall, ${cpu(guard)} CPU, ${peak(guard)}, exit ${guard.exit}`,
    `  ratio cdk-imdsv2 / cfn-guard: ${(ours.wallMs / guard.wallMs).toFixed(2)} wall${ours.cpuMs && guard.cpuMs ? `, ${(ours.cpuMs / guard.cpuMs).toFixed(2)} CPU` : ''}`,
  ].join('\n');
}

function countFiles(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? countFiles(path.join(dir, e.name)) : 1), 0);
}

/** The run with the median wall time of `runs`. */
function timeRuns(runs: number, once: () => Timing): Timing {
  const all = Array.from({ length: runs }, once).sort((a, b) => a.wallMs - b.wallMs);
  return all[Math.floor(all.length / 2)];
}

/** Wall time of one process (its output to a file, as a CI step would), and its peak RSS via /usr/bin/time. */
function timeProcess(cmd: string, args: string[]): Timing {
  const outFile = path.join(WORK, 'last-output');
  const out = fs.openSync(outFile, 'w');
  const useTime = fs.existsSync(TIME_BIN);
  const t0 = performance.now();
  const run = useTime
    ? spawnSync(TIME_BIN, ['-f', 'PEAK_KB %M CPU_S %U %S', cmd, ...args], { cwd: ROOT, stdio: ['ignore', out, 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    : spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', out, 'pipe'], encoding: 'utf8' });
  const wallMs = performance.now() - t0;
  fs.closeSync(out);
  const kb = /PEAK_KB (\d+)/.exec(run.stderr ?? '')?.[1];
  const cpuTimes = /CPU_S ([\d.]+) ([\d.]+)/.exec(run.stderr ?? '');
  const cpuMs = cpuTimes ? (Number(cpuTimes[1]) + Number(cpuTimes[2])) * 1000 : undefined;
  return { wallMs, exit: run.status, peakMb: kb ? Number(kb) / 1024 : undefined, cpuMs };
}

function cpu(t: Timing): string {
  return t.cpuMs === undefined ? 'n/a' : `${(t.cpuMs / 1000).toFixed(2)} s`;
}

function peak(t: Timing): string {
  return t.peakMb === undefined ? 'n/a' : `${t.peakMb.toFixed(0)} MB`;
}

if (require.main === module) main();
