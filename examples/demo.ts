/**
 * `npm run demo`: synthesizes the example app with Imdsv2Aspect in REWRITE mode and
 * prints, per IMDS-bearing resource, what was found and what was changed.
 * No AWS account is needed: nothing is deployed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildExampleApp } from './example-app';
import { EnforcementMode, Imdsv2Aspect } from '../src';

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-imdsv2-demo-'));
const app = buildExampleApp(outdir);
// The way in: the App and every Stage below it (the example app has none, but yours may).
const aspect = Imdsv2Aspect.applyTo(app, { mode: EnforcementMode.REWRITE });

const started = Date.now();
const assembly = app.synth();
const elapsed = Date.now() - started;

const entries = aspect.entries;
const rows = entries.map((e) => ({
  'resource': `${e.path.replace(/\/Resource$/, '')}`,
  'type': e.resourceType.replace(/^AWS::/, ''),
  'before': e.before,
  'after': e.after === e.before ? '(unchanged)' : e.after,
  'action': e.action,
  'on deploy': e.impact,
}));

console.log(`cdk-imdsv2 demo: synthesized the example app (${assembly.stacks.length} stack, ${elapsed} ms) with Imdsv2Aspect in REWRITE mode.\n`);
printTable(rows);

const count = (action: string) => entries.filter((e) => e.action === action).length;
const open = entries.filter((e) => e.action !== 'compliant');
console.log(`\n${entries.length} IMDS-bearing resources: ${count('compliant')} compliant as written, ${open.length} with IMDSv1 reachable or outside policy.`);
console.log(`  fixed: ${count('fixed')}   partly fixed: ${count('partly fixed')}   reported, not changed: ${open.length - count('fixed') - count('partly fixed')}`);

// What `cdk synth` prints for the fixes: one summary line per stack.
for (const m of assembly.stacks.flatMap((s) => s.messages).filter((x) => x.level === 'info' && /^Imdsv2Aspect \(/.test(String(x.entry.data)))) {
  console.log(`\ncdk synth says (${m.id}): ${String(m.entry.data).replace(/ \[ack: .*\]$/, '')}`);
}

const notFixed = assembly.stacks.flatMap((s) => s.messages).filter((m) => m.level === 'warning' && /Imdsv2-/.test(String(m.entry.data)));
if (notFixed.length > 0) {
  console.log('\nNot changed, and why (warnings, acknowledgeable with Validations.of(scope).acknowledge):');
  for (const m of notFixed) console.log(`  - ${m.id}: ${String(m.entry.data).replace(/ \[ack: .*\]$/, '')}`);
}
console.log(`\nMachine-readable report: ${path.join(outdir, Imdsv2Aspect.REPORT_FILE_NAME)}`);

function printTable(data: Array<Record<string, string>>): void {
  if (data.length === 0) return;
  const cols = Object.keys(data[0]);
  const width = (c: string) => Math.max(c.length, ...data.map((r) => r[c].length));
  const widths = cols.map(width);
  const line = (cells: string[]) => cells.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(cols));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of data) console.log(line(cols.map((c) => r[c])));
}
