/**
 * Issue #19: a new resource type is one adapter and one row of the resource table, nothing
 * else. A made-up CloudFormation type, Toy::Compute::Host, is registered at test time (one
 * adapter object, one row through `withAdaptersForTest`) and every front door that reads
 * templates handles it: the CLI finds it open and says where, the engine plans its patch,
 * follows its launch template (stale version, hidden cascade) and scans its user data, and
 * the aspect rewrites it in an app. No file of src/ knows the type.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { main } from '../../src/cli/main';
import { ResourceAdapter, metadataOptionsCarrier, standardUse, userDataAt } from '../../src/engine/adapter';
import { analyze } from '../../src/engine/analyze';
import { valueAt } from '../../src/engine/json';
import { Impact, ResourceVerdict } from '../../src/engine/model';
import { RESOURCE_TABLE, withAdaptersForTest } from '../../src/engine/resource-table';
import { userDataFindings } from '../../src/engine/user-data';
import { TemplateFile } from '../../src/templates/load-templates';
import { TemplateResources } from '../../src/templates/template-resources';
import { propsOf, synth } from '../aspects/helpers';

const TOY = 'Toy::Compute::Host';

/**
 * The whole of what the engine is told about the toy type. Its own IMDS settings sit in
 * `Imds` (MetadataOptions' fields), it may launch from an EC2 launch template (`Template`),
 * its boot script is `BootScript`, and moving it to another template version rolls it
 * (Rolling: true) or replaces it.
 */
const toyHost: ResourceAdapter = {
  type: TOY,
  properties: ['Imds', 'Template', 'Rolling', 'BootScript'],
  settings: metadataOptionsCarrier(['Imds'], Impact.NO_INTERRUPTION),
  launchTemplates: (view) => standardUse(view, ['Template']),
  isContainerHost: () => false,
  versionChangeImpact: (view) => valueAt(view.properties, ['Rolling']) === true ? Impact.REFRESH : Impact.REPLACEMENT,
  scripts: userDataAt(['BootScript']),
};

const OPEN_LT = { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'optional' } } } };

function host(properties: object): object {
  return { Type: TOY, Properties: properties };
}

function templateFile(resources: Record<string, object>): TemplateFile {
  const template = { AWSTemplateFormatVersion: '2010-09-09', Resources: resources };
  return { file: '/toy/template.json', name: 'template.json', template, text: JSON.stringify(template) };
}

/** The engine over one template, the way the CLI runs it. */
function verdicts(resources: Record<string, object>): Record<string, ResourceVerdict> {
  const lookup = new TemplateResources([templateFile(resources)]);
  const out: Record<string, ResourceVerdict> = {};
  for (const v of analyze(lookup.views, lookup, { containerHopLimit: 2, allowReplacement: false })) out[v.resource.logicalId] = v;
  return out;
}

/** `cdk-imdsv2 scan --format json` over one template. */
async function scan(resources: Record<string, object>): Promise<{ code: number; json: any }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-imdsv2-toy-'));
  const file = path.join(dir, 'template.json');
  fs.writeFileSync(file, JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: resources }));
  let stdout = '';
  const code = await main(['scan', '--format', 'json', file], { stdout: (t) => { stdout += t; }, stderr: () => undefined });
  return { code, json: JSON.parse(stdout) };
}

const ruleIds = (v: ResourceVerdict) => v.findings.map((f) => f.ruleId).sort();

describe('a new resource type is one adapter and one row (#19)', () => {
  test('GIVEN no row for the type THEN no front door looks at it', async () => {
    const run = await scan({ Web: host({ Imds: { HttpTokens: 'optional' } }) });
    expect(run.json.resourcesChecked).toBe(0);
    expect(run.json.findings).toEqual([]);
  });

  test('GIVEN its own settings open THEN the CLI finds it, says where, and the engine plans the patch', () => withAdaptersForTest([toyHost], async () => {
    const resources = { Web: host({ Imds: { HttpTokens: 'optional', HttpPutResponseHopLimit: 5 } }) };
    // WHEN
    const run = await scan(resources);
    const web = verdicts(resources).Web;
    // THEN
    expect(run.code).toBe(1);
    expect(run.json.findings.map((f: any) => [f.ruleId, f.resourceType, f.logicalId, f.location])).toEqual([
      ['Imdsv2-TokensRequired', TOY, 'Web', 'Properties/Imds/HttpTokens'],
      ['Imdsv2-HopLimit', TOY, 'Web', 'Properties/Imds/HttpPutResponseHopLimit'],
    ]);
    expect(web.compliantAsWritten).toBe(false);
    expect(web.compliantAfter).toBe(true);
    expect(web.impact).toBe(Impact.NO_INTERRUPTION);
    expect(web.patches.map((p) => p.kind === 'set' && [p.path.join('.'), p.value])).toEqual([
      ['Imds.HttpTokens', 'required'],
      ['Imds.HttpPutResponseHopLimit', 2],
    ]);
  }));

  test('GIVEN it pins a version of an open launch template THEN the template is fixed and the host moved to its latest version', () => withAdaptersForTest([toyHost], async () => {
    const resources = { LT: OPEN_LT, Web: host({ Rolling: true, Template: { LaunchTemplateId: { Ref: 'LT' }, Version: '1' } }) };
    // WHEN
    const found = verdicts(resources);
    const run = await scan(resources);
    // THEN
    expect(ruleIds(found.LT)).toEqual(['Imdsv2-TokensRequired']);
    expect(ruleIds(found.Web)).toEqual(['Imdsv2-StaleVersion']);
    expect(found.Web.patches).toEqual([expect.objectContaining({ kind: 'follow-latest', path: ['Template', 'Version'] })]);
    expect(found.Web.impact).toBe(Impact.REFRESH);
    expect(found.Web.compliantAfter).toBe(true);
    expect(run.json.findings.map((f: any) => [f.ruleId, f.logicalId, f.location])).toContainEqual(
      ['Imdsv2-StaleVersion', 'Web', 'Properties/Template/Version']);
  }));

  test('GIVEN it follows LatestVersionNumber and a new version replaces it THEN the template change is withdrawn (hidden cascade)', () => withAdaptersForTest([toyHost], () => {
    const resources = { LT: OPEN_LT, Web: host({ Template: { LaunchTemplateId: { Ref: 'LT' }, Version: { 'Fn::GetAtt': ['LT', 'LatestVersionNumber'] } } }) };
    // WHEN
    const found = verdicts(resources);
    // THEN
    expect(ruleIds(found.LT)).toEqual(['Imdsv2-Replacement', 'Imdsv2-TokensRequired']);
    expect(found.LT.patches).toEqual([]);
    expect(found.LT.compliantAfter).toBe(false);
    expect(found.LT.findings.find((f) => f.ruleId === 'Imdsv2-Replacement')!.problem).toContain(`${TOY} Web follows its LatestVersionNumber`);
    expect(found.Web.compliantAfter).toBe(false);
  }));

  test('GIVEN a boot script that calls IMDS without a token THEN the user-data rule reads it where the adapter says', () => withAdaptersForTest([toyHost], async () => {
    const script = '#!/bin/bash\ncurl -s http://169.254.169.254/latest/meta-data/instance-id\n';
    const resources = { Web: host({ Imds: { HttpTokens: 'required' }, BootScript: { 'Fn::Base64': script } }) };
    // WHEN
    const run = await scan(resources);
    const lookup = new TemplateResources([templateFile(resources)]);
    const view = lookup.views[0];
    // THEN
    expect(run.json.findings.map((f: any) => [f.ruleId, f.location])).toEqual([['Imdsv2-UserDataV1', 'Properties/BootScript']]);
    expect(userDataFindings(view, lookup.scriptsOf(view))[0].problem).toMatch(/^user data line 2 calls the instance metadata service without a token/);
  }));

  test('GIVEN it in a CDK app THEN the aspect rewrites its own settings', () => withAdaptersForTest([toyHost], () => {
    // WHEN
    const { json, warnings } = synth((stack) => {
      new CfnResource(stack, 'Web', { type: TOY, properties: { Imds: { HttpTokens: 'optional', HttpEndpoint: 'enabled' } } });
    });
    // THEN
    expect(propsOf(json, TOY).Imds).toEqual({ HttpTokens: 'required', HttpEndpoint: 'enabled' });
    expect(warnings).toEqual([]);
  }));

  test('GIVEN the test is over THEN the table is as shipped, and a shipped row cannot be replaced', () => {
    expect(RESOURCE_TABLE.has(TOY)).toBe(false);
    const impostor = { ...toyHost, type: 'AWS::EC2::Instance' };
    expect(() => withAdaptersForTest([impostor], () => undefined)).toThrow(/in the resource table already/);
    expect(RESOURCE_TABLE.get('AWS::EC2::Instance')).not.toBe(impostor);
  });
});
