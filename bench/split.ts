/**
 * Where one synth's time goes, front door by front door: the time spent inside
 * `Imdsv2Aspect.visit`, `Imdsv2Checks.validate` and `Imdsv2Validator.validate`, and the
 * rest (building the app, aws-cdk-lib's synthesis, its policy validation report), for each
 * variant, the variants run round-robin in fresh processes, medians reported.
 *
 *   npx ts-node --transpile-only --project bench/tsconfig.json bench/split.ts \
 *     [--n 6000] [--layout one-stack] [--runs 5] [--variants plain,empty-plugin,ours-all]
 *
 * bench/ and src/ are transpiled once into bench/results/split-build, and each measurement
 * is a fresh `node` process on that build (`split.js <variant> <n> <layout>`, the worker).
 * The report printed by failed validations is not written, so that what is timed is the
 * same for every variant.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { Layout, generate, newApp } from './generator';
import { measureRoundRobin, parseRoundRobinArgs } from './round-robin';
import { median } from './stats';
import { Variant, prepare } from './variants';
import { Imdsv2Aspect, Imdsv2Checks, Imdsv2Validator } from '../src';

type Split = Record<string, number>;

/** Time spent in `proto[method]`, summed over calls, under `label`. */
function timeMethod(split: Split, proto: object, method: string, label: string): void {
  const target = proto as Record<string, (...args: unknown[]) => unknown>;
  const original = target[method];
  target[method] = function timed(this: unknown, ...args: unknown[]) {
    const start = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      split[label] = (split[label] ?? 0) + performance.now() - start;
    }
  };
}

function worker(variant: Variant, n: number, layout: Layout): void {
  const split: Split = {};
  timeMethod(split, Imdsv2Aspect.prototype, 'visit', 'aspect');
  timeMethod(split, Imdsv2Checks.prototype, 'validate', 'checks');
  timeMethod(split, Imdsv2Validator.prototype, 'validate', 'validator');
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-imdsv2-split-'));
  console.error = () => undefined; // the validation report: not printed, for every variant alike
  const start = performance.now();
  const app = newApp(outdir);
  prepare(app, variant);
  generate(app, n, layout);
  app.synth();
  const total = performance.now() - start;
  process.exitCode = 0;
  fs.rmSync(outdir, { recursive: true, force: true });
  const ours = (split.aspect ?? 0) + (split.checks ?? 0) + (split.validator ?? 0);
  process.stdout.write(JSON.stringify({ total, ...split, rest: total - ours }));
}


function main(argv: string[]): void {
  const o = parseRoundRobinArgs('split', argv, { runs: 5, variants: 'plain,empty-plugin,ours-aspect-rewrite,ours-checks,ours-validator,ours-all' });
  const { n, layout, runs } = o;
  const results = measureRoundRobin<Split>('split', o);
  const plain = results.has('plain') ? median(results.get('plain')!.map((s) => s.total)) : undefined;
  console.log(`N = ${n}, ${layout}, median of ${runs} runs, ms (load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  console.log('| variant | total | x plain | Imdsv2Aspect.visit | Imdsv2Checks.validate | Imdsv2Validator.validate | the rest |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [variant, splits] of results) {
    const m = (key: string) => {
      const values = splits.map((s) => s[key]).filter((v) => v !== undefined);
      return values.length === 0 ? '' : median(values).toFixed(0);
    };
    const ratio = plain ? `${(median(splits.map((s) => s.total)) / plain).toFixed(2)}x` : '';
    console.log(`| ${variant} | ${m('total')} | ${ratio} | ${m('aspect')} | ${m('checks')} | ${m('validator')} | ${m('rest')} |`);
  }
}

const args = process.argv.slice(2);
if (args.length === 3 && !args[0].startsWith('--')) worker(args[0] as Variant, Number(args[1]), args[2] as Layout);
else main(args);
