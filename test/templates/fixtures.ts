import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';

/** A fresh temporary directory with `files` (name → text, or an object written as JSON). */
export function tempDir(files: Record<string, string | object> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-imdsv2-'));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, undefined, 2));
  }
  return dir;
}

/** A template with these resources. */
export function template(resources: Record<string, object>, extra: object = {}): object {
  return { AWSTemplateFormatVersion: '2010-09-09', Resources: resources, ...extra };
}

export const LT_OPTIONAL = { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'optional' } } } };
export const LT_REQUIRED = { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } } } };

/** An Auto Scaling group that launches from the launch template `id` (a value: Ref, ImportValue, …). */
export function asg(id: unknown, version: unknown = { 'Fn::GetAtt': ['LT', 'LatestVersionNumber'] }): object {
  return { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: { MinSize: '1', MaxSize: '1', LaunchTemplate: { LaunchTemplateId: id, Version: version } } };
}

/** A new App writing its cloud assembly to a temporary directory, with stable stack synthesis. */
export function newApp(): App {
  return new App({ outdir: tempDir(), context: { '@aws-cdk/core:failSynthOnValidationErrors': false } });
}

/** The template paths of the app's stacks after synthesis (what CDK hands a validation plugin). */
export function synthTemplatePaths(app: App): string[] {
  const assembly = app.synth();
  return assembly.stacks.map((s) => s.templateFullPath);
}

export function stackOf(app: App, id: string): Stack {
  return new Stack(app, id, { env: { account: '111111111111', region: 'eu-west-1' } });
}
