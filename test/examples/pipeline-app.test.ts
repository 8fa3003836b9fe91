import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { buildPipelineApp } from '../../examples/pipeline-app';
import { Imdsv2Aspect } from '../../src';

// examples/pipeline-app.ts: a CDK Pipelines app whose stages are nested Stages (synthesized
// before the App's aspects run). Imdsv2Aspect.applyTo(app) must reach every one.
describe('the CDK Pipelines example', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'imdsv2-pipeline-'));
  const { app, aspect } = buildPipelineApp(outdir);
  const assembly = app.synth();

  function templatesOf(stage: string): any[] {
    const nested = assembly.getNestedAssembly(`assembly-PipelineStack-${stage}`);
    return nested.stacks.map((s) => s.template);
  }

  test.each([['Beta'], ['Prod']])('every IMDS setting in stage %s requires tokens', (stage) => {
    const resources = templatesOf(stage).flatMap((t) => Object.values(t.Resources as Record<string, any>));
    const templates = resources.filter((r) => r.Type === 'AWS::EC2::LaunchTemplate');
    const instances = resources.filter((r) => r.Type === 'AWS::EC2::Instance');
    expect(templates.length).toBeGreaterThan(0);
    expect(instances.length).toBeGreaterThan(0);
    for (const lt of templates) expect(lt.Properties.LaunchTemplateData.MetadataOptions.HttpTokens).toBe('required');
    for (const i of instances) expect(i.Properties.MetadataOptions.HttpTokens).toBe('required');
  });

  test.each([['Beta'], ['Prod']])('stage %s has its own report, listing its resources as fixed', (stage) => {
    const report = JSON.parse(fs.readFileSync(path.join(outdir, `assembly-PipelineStack-${stage}`, Imdsv2Aspect.REPORT_FILE_NAME), 'utf-8'));
    expect(report.resources.length).toBeGreaterThan(0);
    for (const r of report.resources) expect(r.path).toMatch(new RegExp(`^PipelineStack/${stage}/`));
    expect(report.resources.filter((r: any) => r.action === 'fixed').length).toBeGreaterThan(0);
  });

  test('nothing is replaced, in any stage', () => {
    for (const stage of ['Beta', 'Prod']) {
      const report = JSON.parse(fs.readFileSync(path.join(outdir, `assembly-PipelineStack-${stage}`, Imdsv2Aspect.REPORT_FILE_NAME), 'utf-8'));
      expect(report.resources.filter((r: any) => r.impact === 'replacement')).toEqual([]);
    }
    void aspect;
  });
});

test('GIVEN a pipeline stage that does not apply the aspect itself WHEN the app synthesizes THEN it fails naming the stage', () => {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'imdsv2-pipeline-')) });
  const env = { account: '111111111111', region: 'eu-west-1' };
  const ps = new Stack(app, 'PipelineStack', { env });
  const pipeline = new pipelines.CodePipeline(ps, 'Pipeline', {
    synth: new pipelines.ShellStep('Synth', { input: pipelines.CodePipelineSource.gitHub('o/r', 'main'), commands: ['npx cdk synth'] }),
  });
  const stage = new Stage(ps, 'Prod', { env });
  new ec2.CfnInstance(new Stack(stage, 'Web'), 'Box', { imageId: 'ami-1' });
  pipeline.addStage(stage);
  Imdsv2Aspect.applyTo(app);
  expect(() => app.synth()).toThrow(/cannot reach Stage 'PipelineStack\/Prod'.*applyTo\(stage, props\) before pipeline\.addStage\(stage\)/);
});
