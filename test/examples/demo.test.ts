import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildExampleApp } from '../../examples/example-app';
import { Imdsv2Aspect } from '../../src';

/** `npm run demo`, the README's main command, as a user runs it (same ts-node call as the projen task). */
describe('npm run demo', () => {
  const root = path.join(__dirname, '..', '..');
  const run = spawnSync(process.execPath, [
    require.resolve('ts-node/dist/bin.js'), '--transpile-only', '--project', 'test/tsconfig.json', 'examples/demo.ts',
  ], { cwd: root, encoding: 'utf8', timeout: 120_000 });

  test('exits 0 and prints one row per IMDS-bearing resource of the example app, with what was done', () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const rows = run.stdout.split('\n').filter((l) => l.startsWith('ExampleStack/'));
    // the bastion, two instances, a launch template, two groups, a node group, the legacy fleet's three
    expect(rows.map((r) => r.split(/\s{2,}/)[0])).toEqual([
      'ExampleStack/Bastion/Resource', 'ExampleStack/AppServer', 'ExampleStack/ReportingServer', 'ExampleStack/WorkerTemplate',
      'ExampleStack/Workers/ASG', 'ExampleStack/Cluster/NodegroupApps', 'ExampleStack/LegacyFleet/WorkerLaunchConfig',
      'ExampleStack/LegacyFleet/WorkerGroup', 'ExampleStack/LegacyFleet/Bastion',
    ]);
    // hop 4 is more than any container needs: lowered to the container maximum, 2 (1 only with hostHopLimit: 1)
    expect(rows.find((r) => r.startsWith('ExampleStack/ReportingServer'))).toMatch(/tokens=\(unset\) hop=4\s+tokens=required hop=2\s+fixed\s+no interruption/);
    expect(rows.find((r) => r.startsWith('ExampleStack/Cluster/NodegroupApps'))).toMatch(/no launch template\s+\(unchanged\)\s+reported/);
  });

  test('writes the machine-readable report it names, with the same resources', () => {
    const file = /Machine-readable report: (.*)$/m.exec(run.stdout)?.[1];
    expect(file).toBeDefined();
    const report = JSON.parse(fs.readFileSync(file!, 'utf8'));
    expect(report.mode).toBe('REWRITE');
    expect(report.resources).toHaveLength(9);
  });
});

describe('cdk synth of the example app is quiet about fixes', () => {
  test('each stack carries at most one info annotation from the aspect (its summary), however many resources were fixed', () => {
    const app = buildExampleApp(fs.mkdtempSync(path.join(os.tmpdir(), 'imdsv2-quiet-')));
    const aspect = Imdsv2Aspect.applyTo(app);
    const assembly = app.synth();
    expect(aspect.entries.filter((e) => e.action === 'fixed').length).toBeGreaterThan(3);
    for (const stack of assembly.stacks) {
      // The annotations the CDK CLI prints are the stack artifact's messages.
      const ours = stack.messages.filter((m) => m.level === 'info' && /Imdsv2/.test(String(m.entry.data)));
      expect(ours.map((m) => String(m.entry.data))).toEqual([expect.stringMatching(/^Imdsv2Aspect \(REWRITE\): \d+ IMDS-bearing resources, \d+ fixed/)]);
    }
  });
});
