import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AspectPriority, Aspects, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import { Construct } from 'constructs';
import { synth } from './helpers';
import { EnforcementMode, Imdsv2Action, Imdsv2Aspect, Imdsv2RuleId } from '../../src';

/**
 * Service Catalog products (issue #17, item 6, the aspect's side). A template shipped as a
 * file asset (`CloudFormationTemplate.fromAsset`) is uploaded as it is: the aspect cannot
 * rewrite it, so it reads it and reports what is in it on the product (REJECT fails on it);
 * a file it cannot read is Imdsv2-Unverifiable, naming the file. A `ProductStack` is in the
 * construct tree: rewritten and reported like any stack.
 */
const DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-imdsv2-sc-'));

function file(name: string, text: string): string {
  const full = path.join(DIR, name);
  fs.writeFileSync(full, text);
  return full;
}

const OPEN_JSON = file('open.json', JSON.stringify({
  Resources: { Web: { Type: 'AWS::EC2::Instance', Properties: { ImageId: 'ami-1', InstanceType: 't3.micro' } } },
}));
const CLOSED_YAML = file('closed.yaml', [
  'Resources:',
  '  Web:',
  '    Type: AWS::EC2::Instance',
  '    Properties:',
  '      ImageId: !Ref AWS::NoValue',
  '      MetadataOptions:',
  '        HttpTokens: required',
].join('\n'));
const NOT_A_TEMPLATE = file('notes.txt', 'hello: world\n');

function productOf(s: Stack, templateFile: string): servicecatalog.CloudFormationProduct {
  return new servicecatalog.CloudFormationProduct(s, 'Product', {
    productName: 'web',
    owner: 'platform',
    productVersions: [{ productVersionName: 'v1', cloudFormationTemplate: servicecatalog.CloudFormationTemplate.fromAsset(templateFile) }],
  });
}

describe('a product version whose template is a file asset', () => {
  test('GIVEN an IMDSv1 instance in the file THEN REPORT warns on the product, naming the file, the resource and the rule', () => {
    const { warnings, aspect } = synth((s) => productOf(s, OPEN_JSON), { mode: EnforcementMode.REPORT });
    expect(warnings).toEqual([expect.stringMatching(new RegExp(
      `^AWS::ServiceCatalog::CloudFormationProduct Product\\w+: version 'v1' ships the template file ${OPEN_JSON} as a file asset, `
      + 'which cannot be rewritten in the app; in it, AWS::EC2::Instance Web: HttpTokens is \\(unset\\).*\\[ack: Imdsv2-TokensRequired\\]$'))]);
    expect(aspect.entries).toEqual([expect.objectContaining({
      resourceType: 'AWS::ServiceCatalog::CloudFormationProduct', action: Imdsv2Action.REPORTED, ruleIds: [Imdsv2RuleId.TOKENS_REQUIRED],
    })]);
  });

  test('GIVEN the same THEN REJECT fails synthesis on the product', () => {
    const { errors } = synth((s) => productOf(s, OPEN_JSON), { mode: EnforcementMode.REJECT });
    expect(errors).toEqual([expect.stringMatching(/^\[Imdsv2-TokensRequired\] AWS::ServiceCatalog::CloudFormationProduct .*open\.json as a file asset.*edit the file/)]);
  });

  test('GIVEN the same THEN REWRITE leaves the file as it is and says it is not fixed', () => {
    const before = fs.readFileSync(OPEN_JSON, 'utf8');
    const { warnings, aspect } = synth((s) => productOf(s, OPEN_JSON));
    expect(warnings).toEqual([expect.stringMatching(/cannot be rewritten in the app; in it, AWS::EC2::Instance Web: .*not fixed: edit the file/)]);
    expect(fs.readFileSync(OPEN_JSON, 'utf8')).toEqual(before);
    expect(aspect.entries.map((e) => e.action)).toEqual([Imdsv2Action.REPORTED]);
  });

  test('GIVEN a YAML file whose instance requires tokens THEN nothing is reported and REJECT passes', () => {
    const { warnings, errors, aspect } = synth((s) => productOf(s, CLOSED_YAML), { mode: EnforcementMode.REJECT });
    expect([...warnings, ...errors]).toEqual([]);
    expect(aspect.entries).toEqual([expect.objectContaining({ action: Imdsv2Action.COMPLIANT, before: `version 'v1' from file asset ${CLOSED_YAML}` })]);
  });

  test('GIVEN a file that is no template THEN Imdsv2-Unverifiable names the file, and REJECT fails', () => {
    const { errors } = synth((s) => productOf(s, NOT_A_TEMPLATE), { mode: EnforcementMode.REJECT });
    expect(errors).toEqual([expect.stringMatching(new RegExp(
      `^\\[Imdsv2-Unverifiable\\] .*version 'v1' ships the template file ${NOT_A_TEMPLATE} as a file asset, which cannot be read as a CloudFormation template`))]);
  });

  test('GIVEN Imdsv2-TokensRequired acknowledged on the product THEN REJECT passes', () => {
    const { errors } = synth((s) => {
      const product = productOf(s, OPEN_JSON);
      Validations.of(product).acknowledge({ id: Imdsv2RuleId.TOKENS_REQUIRED, reason: 'legacy catalogue, retired in Q3' });
    }, { mode: EnforcementMode.REJECT });
    expect(errors).toEqual([]);
  });

  test('GIVEN an L1 CfnCloudFormationProduct on an s3_assets.Asset URL THEN the file is read the same way', () => {
    const { errors } = synth((s) => {
      const asset = new s3assets.Asset(s, 'Template', { path: OPEN_JSON });
      new servicecatalog.CfnCloudFormationProduct(s, 'Product', {
        name: 'web', owner: 'platform', provisioningArtifactParameters: [{ name: 'v2', info: { LoadTemplateFromURL: asset.httpUrl } }],
      });
    }, { mode: EnforcementMode.REJECT });
    expect(errors).toEqual([expect.stringMatching(/^\[Imdsv2-TokensRequired\] .*Product: version 'v2' ships the template file .*open\.json/)]);
  });
});

class WebProductStack extends servicecatalog.ProductStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-1'] });
    new ec2.Instance(this, 'Web', { vpc, instanceType: new ec2.InstanceType('t3.micro'), machineImage: new ec2.GenericLinuxImage({ 'eu-west-1': 'ami-1' }) });
    new ec2.CfnLaunchTemplate(this, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
  }
}

/** The app with a ProductStack and the aspect; the product stack's template as written to the assembly. */
function productStackApp(mode: EnforcementMode): { template: any; warnings: string[]; errors: string[]; aspect: Imdsv2Aspect } {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
  new servicecatalog.CloudFormationProduct(stack, 'Product', {
    productName: 'web',
    owner: 'platform',
    productVersions: [{
      productVersionName: 'v1',
      cloudFormationTemplate: servicecatalog.CloudFormationTemplate.fromProductStack(new WebProductStack(stack, 'Web')),
    }],
  });
  const aspect = new Imdsv2Aspect({ mode });
  Aspects.of(app).add(aspect, { priority: AspectPriority.MUTATING });
  const assembly = app.synth();
  const templateFile = fs.readdirSync(assembly.directory).find((f) => f.endsWith('.product.template.json'))!;
  const template = JSON.parse(fs.readFileSync(path.join(assembly.directory, templateFile), 'utf8'));
  const all = assembly.getStackArtifact(stack.artifactId).messages;
  const messages = (level: string) => all.filter((m) => m.level === level).map((m) => String(m.entry.data));
  return { template, warnings: messages('warning'), errors: messages('error'), aspect };
}

function ofType(template: any, type: string): any {
  return Object.values(template.Resources as Record<string, any>).find((r) => r.Type === type).Properties;
}

describe('a servicecatalog.ProductStack (in the construct tree)', () => {
  test('GIVEN REJECT THEN synthesis fails on its open resources (the errors are not lost with the product stack)', () => {
    const { errors } = productStackApp(EnforcementMode.REJECT);
    expect(errors).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\[Imdsv2-TokensRequired\] in ProductStack Stack\/Web, AWS::EC2::Instance Web\w+: HttpTokens is \(unset\)/),
      expect.stringMatching(/^\[Imdsv2-TokensRequired\] in ProductStack Stack\/Web, AWS::EC2::LaunchTemplate Lt: HttpTokens is 'optional'/),
    ]));
  });

  test('GIVEN REWRITE THEN the product template written to the assembly requires tokens', () => {
    const { template } = productStackApp(EnforcementMode.REWRITE);
    expect(ofType(template, 'AWS::EC2::Instance').MetadataOptions).toEqual({ HttpTokens: 'required' });
    expect(ofType(template, 'AWS::EC2::LaunchTemplate').LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'required' });
  });

  test('GIVEN REPORT THEN its findings are reported, with its resources in the report, and the template is left as written', () => {
    const { template, warnings, aspect } = productStackApp(EnforcementMode.REPORT);
    expect(ofType(template, 'AWS::EC2::Instance').MetadataOptions).toBeUndefined();
    // aws-cdk-lib drops the messages of a product stack's constructs: they are shown on its parent, naming it.
    expect(warnings.join('\n')).toMatch(/in ProductStack Stack\/Web, AWS::EC2::Instance Web\w+: HttpTokens is \(unset\).*\[ack: Imdsv2-TokensRequired\]/);
    expect(warnings.join('\n')).toMatch(/in ProductStack Stack\/Web, AWS::EC2::LaunchTemplate Lt: HttpTokens is 'optional'.*\[ack: Imdsv2-TokensRequired\]/);
    expect(aspect.entries.map((e) => e.path).sort()).toEqual(['Stack/Web/Lt', 'Stack/Web/Web/Resource']);
  });
});
