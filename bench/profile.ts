/**
 * Summarise a V8 CPU profile (`node --cpu-prof`): the functions with the most self time,
 * and the files (packages) they are in.
 *
 *   profile.ts <file.cpuprofile> [top]
 */
import * as fs from 'fs';
import * as path from 'path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: number[];
}
interface Profile {
  readonly nodes: ProfileNode[];
  readonly samples: number[];
  readonly timeDeltas: number[];
}

/**
 * Inclusive (total) time of every function whose file matches `filter`: each sample counts
 * once for every distinct such function on its stack.
 */
export function inclusive(file: string, filter: RegExp): SelfTime[] {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((leaf, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    all += us;
    const seen = new Set<string>();
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      const where = shortUrl(frame.url);
      if (!filter.test(where)) continue;
      const key = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      totals.set(key, (totals.get(key) ?? 0) + us);
    }
  });
  return [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, share: us / all }));
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

/** Self time per function (`name file:line`) and per file, highest first. */
export function summarise(file: string): { functions: SelfTime[]; files: SelfTime[]; totalMs: number } {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const where = shortUrl(frame.url);
    const fn = `${frame.functionName || '(anonymous)'} ${where}${where ? `:${frame.lineNumber + 1}` : ''}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
    files.set(where || frame.functionName, (files.get(where || frame.functionName) ?? 0) + us);
    total += us;
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1])
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
  return { functions: sorted(fns), files: sorted(files), totalMs: total / 1000 };
}

function shortUrl(url: string): string {
  if (!url) return '';
  const p = url.replace(/^file:\/\//, '');
  const nm = p.lastIndexOf('node_modules/');
  if (nm >= 0) return p.slice(nm + 'node_modules/'.length);
  const root = path.resolve(__dirname, '..');
  return p.startsWith(root) ? path.relative(root, p) : p;
}

if (require.main === module) {
  const [file, top, filter] = process.argv.slice(2);
  const { functions, files, totalMs } = summarise(file);
  const n = Number(top ?? 25);
  console.log(`total sampled: ${totalMs.toFixed(0)} ms\n\ntop self time by function:`);
  for (const f of functions.slice(0, n)) console.log(`${f.ms.toFixed(0).padStart(7)} ms ${(100 * f.share).toFixed(1).padStart(5)}%  ${f.name}`);
  console.log('\ntop self time by file:');
  for (const f of files.slice(0, 15)) console.log(`${f.ms.toFixed(0).padStart(7)} ms ${(100 * f.share).toFixed(1).padStart(5)}%  ${f.name}`);
  const pattern = new RegExp(filter ?? '^src/');
  console.log(`\ntotal (inclusive) time of functions in files matching ${pattern}:`);
  for (const f of inclusive(file, pattern).slice(0, n)) console.log(`${f.ms.toFixed(0).padStart(7)} ms ${(100 * f.share).toFixed(1).padStart(5)}%  ${f.name}`);
}
