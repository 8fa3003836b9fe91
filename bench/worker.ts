/**
 * One measurement, in a process of its own (bench/run.ts starts it):
 *
 *   worker.ts <variant> <n> <layout> <result.json> [fixable|mixed]
 *
 * Every module is loaded before the clock starts, the same for every variant, so what is
 * timed is what `cdk synth` costs beyond start-up: building the app and `app.synth()`
 * (aspects, templates, validation plugins and their report). Peak memory is the
 * process's maxRSS at the end.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { CfnResource } from 'aws-cdk-lib';
import { Imdsv2Aspect } from '../src';
import { AppKind, Layout, WARM_ENV, generate, newApp } from './generator';
import { Variant, prepare } from './variants';
import * as renderModule from '../src/private/render-resource';

export interface WorkerResult {
  readonly variant: string;
  readonly n: number;
  readonly layout: string;
  readonly ok: boolean;
  readonly error?: string;
  /** Building the construct tree, ms. */
  readonly buildMs: number;
  /** `app.synth()`, ms. */
  readonly synthMs: number;
  /** build + synth, ms. */
  readonly totalMs: number;
  /**
   * CPU time of the process (user + system, all threads, GC helpers included) over build +
   * synth, ms: next to the wall time, it tells a slower machine from a process kept waiting.
   */
  readonly cpuMs: number;
  /** Peak resident set size of the process, MB. */
  readonly maxRssMb: number;
  readonly stacks: number;
  readonly cfnResources: number;
  /** Violations per validation plugin, from the policy validation report. */
  readonly violations: Record<string, number>;
  readonly counts: Record<string, number | string>;
  /**
   * Time inside `Imdsv2Aspect`, ms: its visits (render, analyse, fix) and its final check
   * at validation (render again, judge, report). Absent for variants without the aspect.
   */
  readonly aspectMs?: { readonly visit: number; readonly finalCheck: number; readonly rendering: number };
}

/**
 * Adds up the time spent in `Imdsv2Aspect`'s visit and final check (a private method), and
 * of it in rendering resources (aws-cdk-lib resolving what the engine reads: the
 * `renderedProperties` export, which the compiled code looks up at each call). Each is read
 * by name: the bench fails loudly when one is renamed.
 */
function timeAspect(): () => { visit: number; finalCheck: number; rendering: number } {
  const spent = { visit: 0, finalCheck: 0, rendering: 0 };
  const time = (owner: Record<string, unknown>, method: string, key: keyof typeof spent) => {
    const original = owner[method];
    if (typeof original !== 'function') throw new Error(`bench: no function ${method} to time`);
    owner[method] = function timed(this: unknown, ...args: unknown[]) {
      const t0 = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        spent[key] += performance.now() - t0;
      }
    };
  };
  time(Imdsv2Aspect.prototype as unknown as Record<string, unknown>, 'visit', 'visit');
  time(Imdsv2Aspect.prototype as unknown as Record<string, unknown>, 'finalCheck', 'finalCheck');
  time(renderModule as unknown as Record<string, unknown>, 'renderedProperties', 'rendering');
  return () => ({ ...spent });
}

function main(): void {
  const [variant, nText, layout, out, kind] = process.argv.slice(2);
  const n = Number(nText);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-imdsv2-bench-'));
  const base = { variant, n, layout, buildMs: 0, synthMs: 0, totalMs: 0, cpuMs: 0, stacks: 0, cfnResources: 0, violations: {}, counts: {} };
  let result: WorkerResult;
  try {
    if (process.env[WARM_ENV]) {
      // the same app once, untimed: what is left is the cost in a process whose code is compiled and warm
      const warmOut = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-imdsv2-bench-warm-'));
      const warm = newApp(warmOut);
      prepare(warm, variant as Variant);
      generate(warm, n, layout as Layout, (kind ?? 'mixed') as AppKind);
      warm.synth();
      fs.rmSync(warmOut, { recursive: true, force: true });
    }
    const spentInAspect = variant.startsWith('ours-aspect') || variant === 'ours-all' ? timeAspect() : undefined;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const app = newApp(outdir);
    const prepared = prepare(app, variant as Variant);
    const stacks = generate(app, n, layout as Layout, (kind ?? 'mixed') as AppKind);
    const t1 = performance.now();
    app.synth();
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    // not timed: what the variant found
    const cfnResources = app.node.findAll().filter((c) => CfnResource.isCfnResource(c)).length;
    result = {
      ...base,
      ok: true,
      buildMs: t1 - t0,
      synthMs: t2 - t1,
      totalMs: t2 - t0,
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      stacks: stacks.length,
      cfnResources,
      violations: violationsOf(outdir),
      counts: prepared.finish(),
      aspectMs: spentInAspect?.(),
    };
  } catch (e) {
    result = { ...base, ok: false, error: (e as Error).message.slice(0, 500), maxRssMb: process.resourceUsage().maxRSS / 1024 };
  }
  // failed validations set the exit code: that is a finding here, not a failed measurement
  process.exitCode = 0;
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.writeFileSync(out, JSON.stringify(result));
}

/**
 * Violations per plugin from the report CDK wrote: `policy-validation-report.json` up to
 * aws-cdk-lib 2.257, `validation-report.json` (another shape: no `summary`, the resources
 * under `violatingConstructs`) in newer versions.
 */
function violationsOf(outdir: string): Record<string, number> {
  const file = ['policy-validation-report.json', 'validation-report.json'].map((f) => path.join(outdir, f)).find((f) => fs.existsSync(f));
  if (!file) return {};
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  const counts: Record<string, number> = {};
  for (const plugin of report.pluginReports ?? []) {
    const name = `${plugin.summary?.pluginName ?? plugin.pluginName ?? 'plugin'}`;
    counts[name] = (plugin.violations ?? []).reduce(
      (sum: number, v: { violatingResources?: unknown[]; violatingConstructs?: unknown[] }) =>
        sum + (v.violatingResources?.length ?? v.violatingConstructs?.length ?? 1), 0);
    if ((plugin.summary?.metadata ?? plugin.metadata)?.error) counts[`${name}:error`] = 1;
  }
  return counts;
}

main();
