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
 */

const WORK = path.join(ROOT, 'bench', 'results', 'cli');
const FORMATS = ['table', 'json', 'sarif'] as const;
const SIZES = [1000, 4000, 8000, 16000];
/** Resources of the large template: ~50 MB as indented JSON. */
const LARGE_RESOURCES = 46_500;
const TIME_BIN = '/usr/bin/time';

interface Timing {
  readonly ms: number;
  /** User + system CPU time: steadier than wall time on a shared machine. */
  readonly cpuMs?: number;
  readonly peakMb?: number;
  readonly status: number | null;
}

function main(): void {
  const args = process.argv.slice(2);
  const runs = Number(args[args.indexOf('--runs') + 1]) > 0 && args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 1;
  const quick = args.includes('--quick');
  fs.mkdirSync(WORK, { recursive: true });
  const entry = buildCli();
  console.log(`cdk-imdsv2 scan benchmark: ${runs} run(s) each, fresh node process per run; machine shared, see the caveat below\n`);

  const rows: string[][] = [];
  for (const n of SIZES) {
    const file = writeTemplate(`open-${n}.json`, n, 'json');
    for (const format of FORMATS) {
      const t = timeRuns(runs, () => timeProcess(process.execPath, [entry, 'scan', '--format', format, file]));
      rows.push([`${n} open resources (JSON, ${mb(file)})`, format, `${(t.ms / 1000).toFixed(2)} s`, cpu(t), `${((t.cpuMs ?? t.ms) / n * 1000).toFixed(0)} µs`, peak(t), String(t.status)]);
      console.log(rows[rows.length - 1].join(' | '));
    }
  }
  if (!quick) {
    for (const ext of ['json', 'yaml'] as const) {
      const file = writeTemplate(`large.${ext}`, LARGE_RESOURCES, ext);
      for (const format of FORMATS) {
        const t = timeRuns(runs, () => timeProcess(process.execPath, [entry, 'scan', '--format', format, file]));
        rows.push([`large ${ext.toUpperCase()} (${LARGE_RESOURCES} open resources, ${mb(file)})`, format, `${(t.ms / 1000).toFixed(2)} s`, cpu(t),
          `${((t.cpuMs ?? t.ms) / LARGE_RESOURCES * 1000).toFixed(0)} µs`, peak(t), String(t.status)]);
        console.log(rows[rows.length - 1].join(' | '));
      }
    }
  }
  const folder = compareOnCorpus(entry, runs);

  console.log('\n| input | format | wall | CPU (user+sys) | CPU per resource | peak memory | exit |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
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
    `  cdk-imdsv2 scan --format json <folder>: ${(ours.ms / 1000).toFixed(2)} s wall, ${cpu(ours)} CPU, ${peak(ours)}, exit ${ours.status}`,
    `  cfn-guard validate (CT.EC2.PR.1, CT.AUTOSCALING.PR.2) -d <folder>: ${(guard.ms / 1000).toFixed(2)} s wall, ${cpu(guard)} CPU, ${peak(guard)}, exit ${guard.status}`,
    `  ratio cdk-imdsv2 / cfn-guard: ${(ours.ms / guard.ms).toFixed(2)} wall${ours.cpuMs && guard.cpuMs ? `, ${(ours.cpuMs / guard.cpuMs).toFixed(2)} CPU` : ''}`,
  ].join('\n');
}

function countFiles(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? countFiles(path.join(dir, e.name)) : 1), 0);
}

/** The run with the median wall time of `runs`. */
function timeRuns(runs: number, once: () => Timing): Timing {
  const all = Array.from({ length: runs }, once).sort((a, b) => a.ms - b.ms);
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
  const ms = performance.now() - t0;
  fs.closeSync(out);
  const kb = /PEAK_KB (\d+)/.exec(run.stderr ?? '')?.[1];
  const cpuTimes = /CPU_S ([\d.]+) ([\d.]+)/.exec(run.stderr ?? '');
  const cpuMs = cpuTimes ? (Number(cpuTimes[1]) + Number(cpuTimes[2])) * 1000 : undefined;
  return { ms, status: run.status, peakMb: kb ? Number(kb) / 1024 : undefined, cpuMs };
}

function cpu(t: Timing): string {
  return t.cpuMs === undefined ? 'n/a' : `${(t.cpuMs / 1000).toFixed(2)} s`;
}

function peak(t: Timing): string {
  return t.peakMb === undefined ? 'n/a' : `${t.peakMb.toFixed(0)} MB`;
}

function mb(file: string): string {
  return `${(fs.statSync(file).size / 1e6).toFixed(1)} MB`;
}

main();
