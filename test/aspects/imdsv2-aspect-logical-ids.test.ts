import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AspectPriority, Aspects, CfnResource, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { EnforcementMode, Imdsv2Aspect, Imdsv2RuleId } from '../../src';
import { Imdsv2Checks } from '../../src/nag/imdsv2-checks';

// Every front door names a resource by the logical id it is deployed under: the one in the
// synthesized template, whichever way it was given (overrideLogicalId, a stack rename, an
// aspect that renames after ours has run). The aspect and the nag pack work it out from the
// construct tree, not from the template, so a wrong id there would name a resource the
// template does not have (and the pack would lose its finding).

interface Built {
  readonly app: App;
  readonly stack: Stack;
  readonly outdir: string;
}

/** Three open instances: one overridden, one renamed by the stack, one overridden by an aspect after ours. */
function build(mode: EnforcementMode): Built {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'logical-ids-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'S');
  const open = (id: string) => new ec2.CfnInstance(stack, id, { imageId: 'ami-1', metadataOptions: { httpTokens: 'optional' } });
  open('Overridden').overrideLogicalId('OverriddenByUser');
  const renamed = open('Renamed');
  stack.renameLogicalId(stack.resolve(renamed.logicalId), 'RenamedByStack');
  const late = open('Late');
  Imdsv2Aspect.applyTo(app, { mode });
  // Runs after ours (MUTATING): the final check must read the id it leaves.
  Aspects.of(app).add({ visit: (c: IConstruct) => { if (c === late) late.overrideLogicalId('OverriddenLater'); } },
    { priority: AspectPriority.MUTATING + 1 });
  return { app, stack, outdir };
}

const EXPECTED_IDS = ['OverriddenByUser', 'OverriddenLater', 'RenamedByStack'];

describe('logical ids as deployed', () => {
  test('GIVEN instances with overridden and renamed logical ids WHEN synthesized THEN the template has exactly those ids', () => {
    const { app, stack } = build(EnforcementMode.REPORT);
    const template = app.synth().getStackArtifact(stack.artifactId).template;
    expect(Object.keys(template.Resources).sort()).toEqual(EXPECTED_IDS);
  });

  test.each([EnforcementMode.REWRITE, EnforcementMode.REPORT])(
    'GIVEN them WHEN Imdsv2Aspect (%s) runs THEN its report and its warnings name the ids in the template', (mode) => {
      // GIVEN
      const { app, stack, outdir } = build(mode);
      // WHEN
      const artifact = app.synth().getStackArtifact(stack.artifactId);
      const report = JSON.parse(fs.readFileSync(path.join(outdir, Imdsv2Aspect.REPORT_FILE_NAME), 'utf8'));
      // THEN
      expect(report.resources.map((r: { logicalId: string }) => r.logicalId).sort()).toEqual(EXPECTED_IDS);
      expect(report.resources.map((r: { action: string }) => r.action)).toEqual(mode === EnforcementMode.REWRITE
        ? ['fixed', 'fixed', 'fixed'] : ['reported', 'reported', 'reported']);
      const warnings = artifact.messages.filter((m) => m.level === 'warning').map((m) => String(m.entry.data));
      for (const id of mode === EnforcementMode.REPORT ? EXPECTED_IDS : []) {
        expect(warnings.some((w) => w.includes(`AWS::EC2::Instance ${id}: `))).toBe(true);
      }
      if (mode === EnforcementMode.REWRITE) {
        for (const id of EXPECTED_IDS) expect(artifact.template.Resources[id].Properties.MetadataOptions.HttpTokens).toBe('required');
      }
    });

  test('GIVEN them WHEN Imdsv2Checks validates THEN each instance is a finding under its construct path', () => {
    // GIVEN
    const { app, stack } = build(EnforcementMode.REPORT);
    const assembly = app.synth();
    const pack = new Imdsv2Checks(app, { rules: [Imdsv2RuleId.TOKENS_REQUIRED] });
    // WHEN: read from the tree (validateScope) and from the synthesized templates (validate)
    const fromTree = pack.validateScope(app);
    const fromTemplates = pack.validate({ templatePaths: [assembly.getStackArtifact(stack.artifactId).templateFullPath] });
    // THEN
    const paths = (r: typeof fromTree) => r.violations.flatMap((v) => v.violatingResources.map((x) => x.constructPath)).sort();
    const instances = stack.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c)).map((c) => c.node.path).sort();
    expect(paths(fromTree)).toEqual(instances);
    expect(paths(fromTemplates)).toEqual(instances);
  });
});
