/**
 * Where one synth allocates memory, front door by front door: V8's sampling heap profiler,
 * counting the objects the garbage collector has already freed too, so the numbers are what
 * was allocated (what the collector has to work through), not what is still alive. For each
 * variant, the variants round-robin in fresh processes, medians reported.
 *
 *   npm run bench:alloc -- [--n 6000] [--layout one-stack] [--runs 3] [--variants plain,ours-all]
 *
 * Allocation, unlike time, does not move with the machine's load, so it tells two versions of
 * the code apart where the wall time of a busy machine cannot. bench/ and src/ are transpiled
 * once into bench/results/alloc-build, and each measurement is a fresh `node` process on that
 * build (`alloc.js <variant> <n> <layout>`). The report printed by failed validations is not
 * written to the console, for every variant alike; its JSON file is.
 */
import * as fs from 'fs';
import * as inspector from 'inspector';
import * as os from 'os';
import * as path from 'path';
import { Layout, generate, newApp } from './generator';
import { measureRoundRobin, parseRoundRobinArgs } from './round-robin';
import { median } from './stats';
import { Variant, prepare } from './variants';

/** Bytes allocated per part of the synth. */
type Allocation = Record<string, number>;

/**
 * The parts, by the function a sample's stack passes through (the first that matches, from
 * the sample up): our three front doors, and aws-cdk-lib's validation around them.
 */
const PARTS: ReadonlyArray<readonly [part: string, fn: string, file: RegExp]> = [
  ['aspect', 'visit', /src\/aspects\/imdsv2-aspect\.js$/],
  ['aspect', 'validate', /src\/aspects\/imdsv2-aspect\.js$/], // its report file
  ['checks', 'validate', /src\/nag\/imdsv2-checks\.js$/],
  ['validator', 'validate', /src\/validation\/imdsv2-validator\.js$/],
  ['cdk validation', 'invokeValidationPlugins', /aws-cdk-lib\/core\/lib\/private\/synthesis\.js$/],
];

interface SamplingNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children: SamplingNode[];
}
interface SamplingProfile {
  readonly head: SamplingNode;
  readonly samples: ReadonlyArray<{ readonly size: number; readonly nodeId: number }>;
}

function post<T>(session: inspector.Session, method: string, params?: object): T {
  let result: T | undefined;
  let error: Error | null = null;
  // an in-process session answers synchronously
  session.post(method, params ?? {}, (e, r) => {
    error = e;
    result = r as T;
  });
  if (error) throw error;
  return result as T;
}

/** Bytes of every sample, attributed to the first part on its stack (else "rest"). */
export function attribute(profile: SamplingProfile): Allocation {
  const partOf = new Map<number, string>();
  const visit = (node: SamplingNode, inherited: string | undefined) => {
    const own = PARTS.find(([, fn, file]) => node.callFrame.functionName === fn && file.test(node.callFrame.url));
    // the innermost part wins: our validate() runs inside aws-cdk-lib's invokeValidationPlugins
    const part = own ? own[0] : inherited;
    if (part) partOf.set(node.id, part);
    for (const child of node.children) visit(child, part);
  };
  visit(profile.head, undefined);
  const bytes: Allocation = { total: 0 };
  for (const s of profile.samples) {
    const part = partOf.get(s.nodeId) ?? 'rest';
    bytes[part] = (bytes[part] ?? 0) + s.size;
    bytes.total += s.size;
  }
  return bytes;
}

function worker(variant: Variant, n: number, layout: Layout): void {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-imdsv2-alloc-'));
  console.error = () => undefined;
  const session = new inspector.Session();
  session.connect();
  post(session, 'HeapProfiler.enable');
  post(session, 'HeapProfiler.startSampling', {
    samplingInterval: 16 * 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const app = newApp(outdir);
  prepare(app, variant);
  generate(app, n, layout);
  app.synth();
  const { profile } = post<{ profile: SamplingProfile }>(session, 'HeapProfiler.stopSampling');
  session.disconnect();
  process.exitCode = 0;
  fs.rmSync(outdir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(attribute(profile)));
}

function main(argv: string[]): void {
  const o = parseRoundRobinArgs('alloc', argv, { runs: 3, variants: 'plain,report-floor,ours-aspect-rewrite,ours-checks,ours-validator,ours-all' });
  const { n, layout, runs } = o;
  const results = measureRoundRobin<Allocation>('alloc', o);
  const gb = (bytes: number | undefined) => bytes === undefined ? '' : (bytes / 1e9).toFixed(2);
  const med = (all: Allocation[], key: string) => {
    const values = all.map((a) => a[key] ?? 0);
    return values.some((v) => v > 0) ? median(values) : undefined;
  };
  const plain = results.has('plain') ? med(results.get('plain')!, 'total') : undefined;
  console.log(`N = ${n}, ${layout}, median of ${runs} runs, GB allocated (objects already freed included)`);
  console.log('| variant | total | x plain | Imdsv2Aspect | Imdsv2Checks.validate | Imdsv2Validator.validate | aws-cdk-lib validation around them | the rest |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [variant, all] of results) {
    const total = med(all, 'total')!;
    const ratio = plain ? `${(total / plain).toFixed(2)}x` : '';
    console.log(`| ${variant} | ${gb(total)} | ${ratio} | ${gb(med(all, 'aspect'))} | ${gb(med(all, 'checks'))} | ${gb(med(all, 'validator'))} | ${gb(med(all, 'cdk validation'))} | ${gb(med(all, 'rest'))} |`);
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args.length === 3 && !args[0].startsWith('--')) worker(args[0] as Variant, Number(args[1]), args[2] as Layout);
  else main(args);
}
