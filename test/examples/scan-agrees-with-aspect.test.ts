import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildExampleApp } from '../../examples/example-app';
import { buildServiceCatalogApp } from '../../examples/service-catalog-app';
import { buildTracerRolloutApp } from '../../examples/tracer-rollout';
import { EnforcementMode, Imdsv2Aspect, Imdsv2RuleId } from '../../src';
import { scanJson } from '../cli/run-cli';

// Issue #17: `cdk-imdsv2 scan cdk.out` on the example apps finds every open resource the
// aspect sees, including those of product stacks and template file assets.

const PRODUCT = 'AWS::ServiceCatalog::CloudFormationProduct';

function checkout(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aws-imds-packet-analyzer-'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(path.join(dir, 'src', 'imds_snoop.py'), '');
  return dir;
}

const APPS: Array<[string, (outdir: string) => App]> = [
  ['example-app', (outdir) => buildExampleApp(outdir)],
  ['tracer-rollout', (outdir) => buildTracerRolloutApp(checkout(), outdir)],
  ['service-catalog-app', (outdir) => buildServiceCatalogApp(outdir)],
];

describe.each(APPS)('%s: the aspect (REPORT) and cdk-imdsv2 scan of its cdk.out', (_name, build) => {
  test('find the same resources open to IMDSv1', async () => {
    // GIVEN
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-agrees-'));
    const app = build(outdir);
    const aspect = Imdsv2Aspect.applyTo(app, { mode: EnforcementMode.REPORT });
    const assembly = app.synth();
    // the aspect: its own resources, and what it says is open inside a product's file
    const open = aspect.entries.filter((e) => e.ruleIds.includes(Imdsv2RuleId.TOKENS_REQUIRED));
    const seenByAspect = new Set(open.filter((e) => e.resourceType !== PRODUCT).map((e) => e.logicalId));
    for (const stack of assembly.stacks) {
      for (const m of stack.messages) {
        const inFile = / in it, (\S+) (\S+): .*\[ack: Imdsv2-TokensRequired\]$/.exec(String(m.entry.data));
        if (inFile) seenByAspect.add(inFile[2]);
      }
    }
    // WHEN
    const { code, out: scan } = await scanJson(outdir);
    // THEN
    expect(code).toBe(seenByAspect.size > 0 ? 1 : 0);
    const seenByScan = new Set<string>(scan.findings.filter((f: any) => f.ruleId === Imdsv2RuleId.TOKENS_REQUIRED).map((f: any) => f.logicalId));
    expect([...seenByScan].sort()).toEqual([...seenByAspect].sort());
    expect(scan.resourcesChecked).toBeGreaterThanOrEqual(aspect.entries.filter((e) => e.resourceType !== PRODUCT).length);
  });
});

test('the Service Catalog example has an open resource in its product stack and in its file asset (the agreement above is not vacuous)', async () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-agrees-'));
  buildServiceCatalogApp(outdir).synth();
  const findings = (await scanJson(outdir)).out.findings.filter((f: any) => f.ruleId === Imdsv2RuleId.TOKENS_REQUIRED);
  expect(findings.some((f: any) => /\.product\.template\.json$/.test(f.template))).toBe(true);
  expect(findings.some((f: any) => f.asset && /^asset\.[0-9a-f]+\.json$/.test(path.basename(f.template)))).toBe(true);
});
