import { spawnSync } from 'child_process';
import * as path from 'path';
// SARIF output is checked against the SARIF 2.1.0 JSON schema (draft-04; the copy that
// @microsoft/jest-sarif ships, MIT) with ajv 6.
import Ajv from 'ajv';
import DRAFT_04 from 'ajv/lib/refs/json-schema-draft-04.json';
import { CfnResource, NestedStack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { runCli } from './run-cli';
import SARIF_SCHEMA from './sarif-2.1.0-rtm.5.json';
import { EXIT_BAD_INPUT, EXIT_CLEAN, EXIT_FINDINGS } from '../../src/cli/main';
import { LT_OPTIONAL, LT_REQUIRED, asg, newApp, stackOf, tempDir, template } from '../templates/fixtures';

const cli = runCli;

const OPEN = template({ LT: LT_OPTIONAL, ASG: asg({ Ref: 'LT' }) });
const CLOSED = template({ LT: LT_REQUIRED, ASG: asg({ Ref: 'LT' }) });
const YAML_OPEN = [
  'AWSTemplateFormatVersion: "2010-09-09"',
  'Resources:',
  '  Web:',
  '    Type: AWS::EC2::Instance',
  '    Properties:',
  '      ImageId: ami-1',
  '      UserData: !Base64',
  '        Fn::Sub: |',
  '          #!/bin/bash',
  '          curl -s http://169.254.169.254/latest/meta-data/instance-id',
].join('\n');

describe('cdk-imdsv2 scan: formats and exit codes', () => {
  test('GIVEN a clean template THEN exit 0 and a one-line summary', async () => {
    const dir = tempDir({ 'closed.json': CLOSED });
    const run = await cli('scan', path.join(dir, 'closed.json'));
    expect(run).toEqual({ code: EXIT_CLEAN, stdout: 'no findings: 2 IMDS-bearing resources checked in 1 template\n', stderr: '' });
  });

  test('GIVEN findings THEN exit 1 and a table with the rule, severity, resource, type, problem and fix', async () => {
    // GIVEN
    const dir = tempDir({ 'open.json': OPEN, 'web.yaml': YAML_OPEN });
    // WHEN
    const run = await cli('scan', path.join(dir, 'open.json'), path.join(dir, 'web.yaml'));
    // THEN
    expect(run.code).toBe(EXIT_FINDINGS);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^RULE\s+SEVERITY\s+RESOURCE\s+TYPE$/);
    expect(lines[1]).toMatch(/^Imdsv2-TokensRequired\s+error\s+\S*open\.json#LT\s+AWS::EC2::LaunchTemplate$/);
    expect(lines[2]).toBe("    problem:   HttpTokens is 'optional', so IMDSv1 is reachable");
    expect(lines[3]).toBe("    fix:       set HttpTokens to 'required' (other metadata options kept)");
    expect(run.stdout).toMatch(/Imdsv2-UserDataV1\s+warning\s+\S*web\.yaml#Web\s+AWS::EC2::Instance/);
    expect(lines[lines.length - 2]).toBe('3 findings (2 error, 1 warning, 0 note) in 2 of 3 IMDS-bearing resources, 2 templates');
  });

  test('GIVEN --format json THEN exit 1 and one object per finding', async () => {
    const dir = tempDir({ 'open.json': OPEN });
    const run = await cli('scan', '--format', 'json', path.join(dir, 'open.json'));
    expect(run.code).toBe(EXIT_FINDINGS);
    const out = JSON.parse(run.stdout);
    expect(out).toEqual(expect.objectContaining({ tool: 'cdk-imdsv2', resourcesChecked: 2, summary: { error: 1, warning: 0, note: 0 } }));
    expect(out.findings).toEqual([expect.objectContaining({
      ruleId: 'Imdsv2-TokensRequired',
      severity: 'error',
      logicalId: 'LT',
      resourceType: 'AWS::EC2::LaunchTemplate',
      location: 'Properties/LaunchTemplateData/MetadataOptions/HttpTokens',
      // the line of "HttpTokens": "optional", not the resource's
      line: 9,
    })]);
  });

  test('GIVEN --format=json on a clean template THEN exit 0 and no findings', async () => {
    const dir = tempDir({ 'closed.json': CLOSED });
    const run = await cli('scan', '--format=json', path.join(dir, 'closed.json'));
    expect(run.code).toBe(EXIT_CLEAN);
    expect(JSON.parse(run.stdout).findings).toEqual([]);
  });

  test('GIVEN --format sarif THEN a SARIF 2.1.0 log that validates against the schema, one result per finding', async () => {
    // GIVEN
    const dir = tempDir({ 'open.json': OPEN, 'web.yaml': YAML_OPEN });
    // WHEN
    const run = await cli('scan', '--format', 'sarif', path.join(dir, 'open.json'), path.join(dir, 'web.yaml'));
    // THEN
    expect(run.code).toBe(EXIT_FINDINGS);
    const log = JSON.parse(run.stdout);
    expect(sarifErrors(log)).toEqual([]);
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0].tool.driver.rules.map((r: any) => r.id)).toEqual([
      'Imdsv2-TokensRequired', 'Imdsv2-HopLimit', 'Imdsv2-Unverifiable', 'Imdsv2-StaleVersion', 'Imdsv2-UserDataV1', 'Imdsv2-Replacement',
    ]);
    expect(log.runs[0].results.map((r: any) => [r.ruleId, r.ruleIndex, r.level, r.locations[0].physicalLocation.region.startLine])).toEqual([
      // HttpTokens: optional; Properties of the instance that has no MetadataOptions; its UserData
      ['Imdsv2-TokensRequired', 0, 'error', 9],
      ['Imdsv2-TokensRequired', 0, 'error', 5],
      ['Imdsv2-UserDataV1', 4, 'warning', 7],
    ]);
    expect(log.runs[0].results[2].locations[0].physicalLocation.artifactLocation.uri).toMatch(/web\.yaml$/);
  });

  test('GIVEN a folder with a broken template and a file that is no template THEN the SARIF log validates, with both as tool notifications and the run marked unsuccessful', async () => {
    const dir = tempDir({ 'open.json': OPEN, 'broken.json': '{"Resources": {"LT": ', 'notes.md': '# Resources\n' });
    const run = await cli('scan', '--format', 'sarif', dir);
    expect(run.code).toBe(EXIT_BAD_INPUT);
    const log = JSON.parse(run.stdout);
    expect(sarifErrors(log)).toEqual([]);
    expect(log.runs[0].results).toHaveLength(1);
    const invocation = log.runs[0].invocations[0];
    expect(invocation.executionSuccessful).toBe(false);
    expect(invocation.toolExecutionNotifications.map((n: any) => [n.level, n.locations[0].physicalLocation.artifactLocation.uri.split('/').pop()])).toEqual([
      ['error', 'broken.json'],
      ['note', 'notes.md'],
    ]);
  });

  test('GIVEN a SARIF log on a clean template THEN it validates with no results', async () => {
    const dir = tempDir({ 'closed.json': CLOSED });
    const run = await cli('scan', '--format', 'sarif', path.join(dir, 'closed.json'));
    expect(run.code).toBe(EXIT_CLEAN);
    const log = JSON.parse(run.stdout);
    expect(sarifErrors(log)).toEqual([]);
    expect(log.runs[0].results).toEqual([]);
  });

  test('GIVEN the schema check THEN it rejects a log that breaks SARIF (the check can fail)', () => {
    expect(sarifErrors({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'fatal' }] }] })).not.toEqual([]);
  });

  test('GIVEN --rules and hop limits THEN they decide what is reported', async () => {
    const dir = tempDir({ 'hop.json': template({ LT: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 2 } } } } }) });
    const rules = async (...args: string[]) => JSON.parse((await cli('scan', '--format', 'json', ...args, path.join(dir, 'hop.json'))).stdout).findings.map((f: any) => f.ruleId);
    expect(await rules()).toEqual(['Imdsv2-TokensRequired', 'Imdsv2-HopLimit']);
    expect(await rules('--rules', 'Imdsv2-HopLimit')).toEqual(['Imdsv2-HopLimit']);
    expect(await rules('--host-hop-limit', '2')).toEqual(['Imdsv2-TokensRequired']);
  });

  test('GIVEN plain hosts at hop 2 and 5 with no --host-hop-limit THEN 2 is an advisory warning and 5 is to be lowered to 2; --host-hop-limit 1 asks 1 of both', async () => {
    const lt = (hop: number) => ({ Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: hop } } } });
    const dir = tempDir({ 'hosts.json': template({ Two: lt(2), Five: lt(5) }) });
    const findings = async (...args: string[]) => JSON.parse((await cli('scan', '--format', 'json', ...args, path.join(dir, 'hosts.json'))).stdout).findings
      .map((f: any) => [f.logicalId, f.severity, f.remedy]);
    expect(await findings()).toEqual([
      ['Two', 'warning', expect.stringMatching(/^keep it if containers on this host call IMDS; .*hostHopLimit: 1/)],
      ['Five', 'warning', 'set HttpPutResponseHopLimit to 2'],
    ]);
    expect(await findings('--host-hop-limit', '1')).toEqual([
      ['Two', 'warning', 'set HttpPutResponseHopLimit to 1'],
      ['Five', 'warning', 'set HttpPutResponseHopLimit to 1'],
    ]);
  });

  test('GIVEN a cdk.out directory THEN its stacks and nested stack templates are scanned, with construct paths', async () => {
    // GIVEN
    const app = newApp();
    const stack = stackOf(app, 'Parent');
    const nested = new NestedStack(stack, 'Nested');
    const lt = new ec2.CfnLaunchTemplate(nested, 'LT', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    new CfnResource(stack, 'ASG', { type: 'AWS::AutoScaling::AutoScalingGroup', properties: { MinSize: '1', MaxSize: '1', LaunchTemplate: { LaunchTemplateId: lt.ref, Version: lt.attrLatestVersionNumber } } });
    const assembly = app.synth();
    // WHEN
    const run = await cli('scan', '--format', 'json', assembly.directory);
    // THEN
    expect(run.code).toBe(EXIT_FINDINGS);
    expect(JSON.parse(run.stdout).findings.map((f: any) => [f.ruleId, f.stackName, f.constructPath])).toEqual([
      ['Imdsv2-TokensRequired', 'Parent', 'Parent/Nested/LT'],
    ]);
  });
});

describe('cdk-imdsv2: bad input is exit 2 and one line on stderr', () => {
  const dir = tempDir({
    'bad.json': '{"Resources": {"LT": }',
    'bad.yaml': 'Resources:\n  LT: [a, b\n  ASG: c\n',
    'params.json': { Parameters: { P: { Type: 'String' } } },
    'ok.json': CLOSED,
  });
  test.each([
    ['a missing file', ['scan', path.join(dir, 'missing.json')], /^cdk-imdsv2: cannot read '.*missing\.json': no such file or directory$/],
    ['invalid JSON', ['scan', path.join(dir, 'bad.json')], /^cdk-imdsv2: cannot parse '.*bad\.json' as JSON: /],
    ['invalid YAML', ['scan', path.join(dir, 'bad.yaml')], /^cdk-imdsv2: cannot parse '.*bad\.yaml' as YAML: .* at line \d+, column \d+$/],
    ['a template without Resources', ['scan', path.join(dir, 'params.json')], /^cdk-imdsv2: '.*params\.json' is not a CloudFormation template: expected a Resources section, got none$/],
    ['an unknown format', ['scan', '--format', 'xml', path.join(dir, 'ok.json')], /^cdk-imdsv2: unknown format 'xml': expected one of table, json, sarif$/],
    ['an unknown rule', ['scan', '--rules', 'Imdsv2-Nope', path.join(dir, 'ok.json')], /^cdk-imdsv2: unknown rule id 'Imdsv2-Nope' in rules: expected one of /],
    ['an empty rule list', ['scan', '--rules', ',', path.join(dir, 'ok.json')], /^cdk-imdsv2: rules is empty, expected at least one of Imdsv2-TokensRequired, /],
    ['a bad hop limit', ['scan', '--host-hop-limit', '0', path.join(dir, 'ok.json')], /^cdk-imdsv2: --host-hop-limit must be an integer from 1 to 64, got 0$/],
    ['a hop limit that is no number', ['scan', '--container-hop-limit', 'two', path.join(dir, 'ok.json')], /^cdk-imdsv2: --container-hop-limit must be an integer from 1 to 64, got 'two'$/],
    ['an unknown option', ['scan', '--strict', path.join(dir, 'ok.json')], /^cdk-imdsv2: unknown option '--strict'/],
    ['an unknown command', ['check', path.join(dir, 'ok.json')], /^cdk-imdsv2: unknown command 'check': expected 'scan'$/],
    ['nothing to scan', ['scan'], /^cdk-imdsv2: nothing to scan: expected a cdk\.out directory or template files$/],
    ['an option without its value', ['scan', path.join(dir, 'ok.json'), '--format'], /^cdk-imdsv2: --format needs a value$/],
  ])('GIVEN %s THEN exit 2', async (_, argv, message) => {
    const run = await cli(...argv);
    expect(run.code).toBe(EXIT_BAD_INPUT);
    // bad usage prints nothing on stdout; an input that cannot be checked is counted in the summary
    expect(run.stdout).toMatch(/^$|^no findings: 0 IMDS-bearing resources checked in 0 templates; 1 input not checked \(see the errors\)\n$/);
    expect(run.stderr.endsWith('\n')).toBe(true);
    expect(run.stderr.trimEnd()).toMatch(message);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  test('GIVEN no arguments THEN the usage on stderr and exit 2; --help THEN the usage on stdout and exit 0', async () => {
    const none = await cli();
    expect(none.code).toBe(EXIT_BAD_INPUT);
    expect(none.stderr).toMatch(/^usage: cdk-imdsv2 scan/);
    const help = await cli('scan', '--help');
    expect(help.code).toBe(EXIT_CLEAN);
    expect(help.stdout).toMatch(/^usage: cdk-imdsv2 scan/);
  });
});

describe('cdk-imdsv2 as a process', () => {
  /** Run `run()` of src/cli/main.ts in a child node (what bin/cdk-imdsv2 does with the compiled lib/). */
  function processRun(...argv: string[]) {
    const root = path.resolve(__dirname, '../..');
    const bin = path.join(tempDir({
      'cdk-imdsv2.js': `require(${JSON.stringify(require.resolve('ts-node', { paths: [root] }))}).register({ transpileOnly: true, compilerOptions: { module: 'commonjs', ignoreDeprecations: '6.0' } });\n`
        + `require(${JSON.stringify(path.join(root, 'src/cli/main.ts'))}).run();\n`,
    }), 'cdk-imdsv2.js');
    return spawnSync(process.execPath, [bin, ...argv], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  }

  test('GIVEN findings and bad input THEN the process exit codes are 1 and 2, with no stack trace', () => {
    const dir = tempDir({ 'open.json': OPEN, 'bad.json': '{' });
    const findings = processRun('scan', path.join(dir, 'open.json'));
    expect(findings.status).toBe(EXIT_FINDINGS);
    expect(findings.stdout).toContain('Imdsv2-TokensRequired');
    const bad = processRun('scan', path.join(dir, 'bad.json'));
    expect(bad.status).toBe(EXIT_BAD_INPUT);
    expect(bad.stderr).toMatch(/^cdk-imdsv2: cannot parse '.*bad\.json' as JSON: [^\n]*\n$/);
  });
});

function sarifErrors(log: unknown): unknown[] {
  const ajv = new Ajv({ schemaId: 'auto', allErrors: true });
  ajv.addMetaSchema(DRAFT_04);
  const validate = ajv.compile(SARIF_SCHEMA);
  return validate(log) ? [] : validate.errors ?? [];
}
