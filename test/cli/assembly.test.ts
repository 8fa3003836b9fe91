import * as fs from 'fs';
import * as path from 'path';
import { Stack, Stage } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { scanJson } from './run-cli';
import { EXIT_FINDINGS } from '../../src/cli/main';
import { newApp, productWithVersions, stackOf, tempDir } from '../templates/fixtures';

// `cdk-imdsv2 scan cdk.out` reads the whole cloud assembly (issue #17 item 6): stacks,
// Stage assemblies, Service Catalog product stacks and templates shipped as file assets.


const OPEN_INSTANCE = { Type: 'AWS::EC2::Instance', Properties: { ImageId: 'ami-1', MetadataOptions: { HttpTokens: 'optional' } } };

describe('cdk-imdsv2 scan on a whole cloud assembly', () => {
  test('GIVEN an app with a ProductStack, templates from assets (JSON and YAML) and a Stage THEN every template is scanned, the asset ones named by their source path', async () => {
    // GIVEN
    const sources = tempDir({
      'product.json': { Resources: { FromJson: OPEN_INSTANCE } },
      'product.yaml': 'Resources:\n  FromYaml:\n    Type: AWS::EC2::Instance\n    Properties:\n      ImageId: ami-1\n      MetadataOptions:\n        HttpTokens: optional\n',
    });
    const app = newApp();
    const portfolio = stackOf(app, 'Portfolio');
    productWithVersions(portfolio, [path.join(sources, 'product.json'), path.join(sources, 'product.yaml')]);
    const stage = new Stage(app, 'Beta');
    new ec2.CfnInstance(new Stack(stage, 'Inner', { env: { account: '111111111111', region: 'eu-west-1' } }), 'StageInstance', {
      imageId: 'ami-1', metadataOptions: { httpTokens: 'optional' },
    });
    const assembly = app.synth();
    // WHEN
    const { code, out, stderr } = await scanJson(assembly.directory);
    // THEN
    expect(stderr).toBe('');
    expect(code).toBe(EXIT_FINDINGS);
    const found = out.findings.filter((f: any) => f.ruleId === 'Imdsv2-TokensRequired')
      .map((f: any) => [path.relative(assembly.directory, f.template), f.logicalId, f.asset]);
    expect(found).toEqual(expect.arrayContaining([
      [expect.stringMatching(/^assembly-Beta[/\\].*\.template\.json$/), 'StageInstance', undefined],
      [expect.stringMatching(/\.product\.template\.json$/), expect.stringMatching(/^Web[0-9A-F]{8}$/), expect.stringContaining('of stack Portfolio')],
      [expect.stringMatching(/^asset\.[0-9a-f]+\.json$/), 'FromJson', expect.stringContaining('of stack Portfolio')],
      [expect.stringMatching(/^asset\.[0-9a-f]+\.yaml$/), 'FromYaml', expect.stringContaining('of stack Portfolio')],
    ]));
    expect(found).toHaveLength(4);
    // the product's template and the asset copies are where the finding says
    for (const f of out.findings) expect(fs.existsSync(path.resolve(f.template))).toBe(true);
  });

  test('GIVEN a stack with no resources beside one with an open instance THEN the instance is reported and the empty stack listed as skipped, not an error', async () => {
    // GIVEN a placeholder stack: CloudFormation would refuse its template, the CDK CLI skips it
    const app = newApp();
    new Stack(app, 'Placeholder');
    new ec2.CfnInstance(stackOf(app, 'Web'), 'Open', { imageId: 'ami-1', metadataOptions: { httpTokens: 'optional' } });
    const assembly = app.synth();
    // WHEN
    const { code, out, stderr } = await scanJson(assembly.directory);
    // THEN
    expect(stderr).toBe('');
    expect(code).toBe(EXIT_FINDINGS);
    expect(out.findings.map((f: any) => [f.ruleId, f.logicalId])).toEqual([['Imdsv2-TokensRequired', 'Open']]);
    expect(out.problems).toEqual([expect.objectContaining({
      kind: 'skipped',
      message: expect.stringMatching(/Placeholder\.template\.json' is a stack with no resources: CDK does not deploy it, so there is nothing to check$/),
    })]);
  });

  test.each([
    // a model or an archive: binary, told from its first bytes; reading it whole would fail past 2 GiB
    ['a binary file asset of 2.5 GiB', 'model.bin', 'x', 2.5 * 2 ** 30],
    // a data dump: text at its start, more than Node can hold as one string
    ['a text file asset of 600 MB', 'data.csv', 'Resources,count\n'.repeat(1024), 600 * 2 ** 20],
  ])('GIVEN %s THEN it is ignored without being read whole, not an error', async (_what, file, content, size) => {
    // GIVEN the asset grown to its size after staging (sparse: it takes no disk)
    const sources = tempDir({ [file]: content });
    const app = newApp();
    const stack = stackOf(app, 'Data');
    new s3assets.Asset(stack, 'Data', { path: path.join(sources, file) });
    new ec2.CfnInstance(stack, 'Open', { imageId: 'ami-1', metadataOptions: { httpTokens: 'optional' } });
    const assembly = app.synth();
    const staged = fs.readdirSync(assembly.directory).filter((n) => n.startsWith('asset.') && n.endsWith(path.extname(file)));
    expect(staged).toHaveLength(1);
    fs.truncateSync(path.join(assembly.directory, staged[0]), size);
    // WHEN
    const { code, out, stderr } = await scanJson(assembly.directory);
    // THEN
    expect(stderr).toBe('');
    expect(code).toBe(EXIT_FINDINGS);
    expect(out.findings.map((f: any) => f.logicalId)).toEqual(['Open']);
    expect(out.problems).toEqual([]);
  });
});
