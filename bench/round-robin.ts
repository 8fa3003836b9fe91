/**
 * What bench/split.ts and bench/alloc.ts share: their options, and running one script per
 * variant round-robin, each measurement a fresh `node` process on a transpiled build (as
 * `npm run bench` does), its last line of output a JSON result.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { Layout } from './generator';
import { transpileOnce } from './transpile';
import { VARIANTS, Variant } from './variants';

export interface RoundRobinOptions {
  readonly n: number;
  readonly layout: Layout;
  readonly runs: number;
  readonly variants: Variant[];
}

/** `--n`, `--layout`, `--runs` and `--variants` of `argv`, with `tool`'s defaults. */
export function parseRoundRobinArgs(tool: string, argv: string[], defaults: { readonly runs: number; readonly variants: string }): RoundRobinOptions {
  const get = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const variants = get('variants', defaults.variants).split(',') as Variant[];
  for (const v of variants) if (!(VARIANTS as readonly string[]).includes(v)) throw new Error(`${tool}: unknown variant '${v}'`);
  return {
    n: Number(get('n', '6000')),
    layout: get('layout', 'one-stack') as Layout,
    runs: Number(get('runs', String(defaults.runs))),
    variants,
  };
}

/**
 * Transpile bench/ and src/ into bench/results/<tool>-build, then run `<tool>.js <variant>
 * <n> <layout>` there for every variant, `runs` times round-robin. Returns the results per
 * variant, in run order.
 */
export function measureRoundRobin<T>(tool: string, o: RoundRobinOptions): Map<Variant, T[]> {
  const build = transpileOnce(path.join(__dirname, 'results', `${tool}-build`));
  const results = new Map<Variant, T[]>(o.variants.map((v) => [v, []]));
  for (let run = 0; run < o.runs; run++) {
    for (const variant of o.variants) {
      const child = spawnSync(process.execPath, [path.join(build, 'bench', `${tool}.js`), variant, String(o.n), o.layout], {
        encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
      });
      if (child.status !== 0) throw new Error(`${tool}: ${variant} failed:\n${child.stderr.slice(-2000)}`);
      results.get(variant)!.push(JSON.parse(child.stdout.trim().split('\n').pop()!));
    }
  }
  return results;
}
