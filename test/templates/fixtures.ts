import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import { Construct } from 'constructs';

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

/**
 * A Service Catalog product stack with one IMDSv1-open `ec2.Instance` ('Web'), written with
 * the L2 a user would write (its VPC imported, no lookup).
 */
export class OpenInstanceProduct extends servicecatalog.ProductStack {
  public constructor(scope: Construct, id: string) {
    super(scope, id);
    new ec2.Instance(this, 'Web', {
      vpc: ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-1'] }),
      instanceType: new ec2.InstanceType('t3.micro'),
      machineImage: ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-1' }),
    });
  }
}

/**
 * A Service Catalog product in `portfolio` ('Product') whose first version ('v1') is an
 * `OpenInstanceProduct` ('WebProduct') and each further version ('v2', 'v3', …) a template
 * file shipped as an asset, one per path in `templateFiles`.
 */
export function productWithVersions(portfolio: Stack, templateFiles: readonly string[]): servicecatalog.CloudFormationProduct {
  return new servicecatalog.CloudFormationProduct(portfolio, 'Product', {
    productName: 'web',
    owner: 'platform',
    productVersions: [
      { productVersionName: 'v1', cloudFormationTemplate: servicecatalog.CloudFormationTemplate.fromProductStack(new OpenInstanceProduct(portfolio, 'WebProduct')) },
      ...templateFiles.map((file, i) => ({ productVersionName: `v${i + 2}`, cloudFormationTemplate: servicecatalog.CloudFormationTemplate.fromAsset(file) })),
    ],
  });
}
