import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { runCli, scanJson } from './run-cli';
import { EXIT_BAD_INPUT, EXIT_CLEAN, EXIT_FINDINGS } from '../../src/cli/main';
import { parseTemplateText } from '../../src/templates/load-templates';
import * as templateText from '../../src/templates/template-text';
import { linesOf } from '../../src/templates/template-text';
import { LT_OPTIONAL, LT_REQUIRED, tempDir, template } from '../templates/fixtures';

// `cdk-imdsv2 scan` on template collections as people keep them (issue #17 item 7): folders
// searched by content, one bad file reported and the rest still scanned, what CloudFormation
// parses parsed, and SARIF/JSON lines at the offending property.

const cli = runCli;

const json = scanJson;

const INSTANCE_OPEN_YAML = [
  'Resources:',
  '  Web:',
  '    Type: AWS::EC2::Instance',
  '    Properties:',
  '      ImageId: ami-1',
  '      MetadataOptions:',
  '        HttpTokens: optional',
  '',
].join('\n');

const OPEN_INSTANCE_JSON = { Type: 'AWS::EC2::Instance', Properties: { ImageId: 'ami-1', MetadataOptions: { HttpTokens: 'optional' } } };

describe('folders of templates', () => {
  test('GIVEN a folder THEN templates are found recursively by content, other files skipped and listed, a broken template is an error and the rest is still reported', async () => {
    // GIVEN
    const dir = tempDir({
      'stacks/web.cfn': INSTANCE_OPEN_YAML, // not named .yaml: recognised by content
      'stacks/deep/lt.json': template({ LT: LT_OPTIONAL }),
      'stacks/ok.template': template({ LT: LT_REQUIRED }),
      'README.md': '# Templates\n\nSome text.\n',
      'package.json': { name: 'x', version: '1.0.0' },
      'broken.yaml': 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  A: [1, 2\n  B: 3\n',
      'node_modules/dep/t.json': template({ LT: LT_OPTIONAL }),
    });
    fs.writeFileSync(path.join(dir, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0xff, 0xfe]));
    // WHEN
    const { code, out, stderr } = await json(dir);
    // THEN
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(out.templates.map((t: string) => path.relative(dir, t)).sort()).toEqual(['stacks/deep/lt.json', 'stacks/ok.template', 'stacks/web.cfn']);
    expect(out.findings.map((f: any) => [path.relative(dir, f.template), f.logicalId, f.ruleId])).toEqual([
      ['stacks/deep/lt.json', 'LT', 'Imdsv2-TokensRequired'],
      ['stacks/web.cfn', 'Web', 'Imdsv2-TokensRequired'],
    ]);
    const problems = out.problems.map((p: any) => [p.kind, path.relative(dir, p.file)]);
    expect(problems).toEqual(expect.arrayContaining([['error', 'broken.yaml'], ['skipped', 'README.md'], ['skipped', 'logo.png'], ['skipped', 'package.json']]));
    expect(problems).toHaveLength(4);
    expect(stderr).toMatch(/^cdk-imdsv2: cannot parse '.*broken\.yaml' as YAML: .* at line 4, column \d+\n$/);
  });

  test('GIVEN a template file list with one file that is no template THEN the others are scanned and reported, that one is an error, exit 2', async () => {
    const dir = tempDir({ 'a.json': template({ LT: LT_OPTIONAL }), 'params.json': { Parameters: {} }, 'b.yaml': INSTANCE_OPEN_YAML });
    const run = await cli('scan', path.join(dir, 'a.json'), path.join(dir, 'params.json'), path.join(dir, 'b.yaml'));
    expect(run.code).toBe(EXIT_BAD_INPUT);
    expect(run.stdout).toMatch(/a\.json#LT/);
    expect(run.stdout).toMatch(/b\.yaml#Web/);
    expect(run.stdout).toMatch(/2 findings .* 2 templates; 1 input not checked \(see the errors\)\n$/);
    expect(run.stderr).toMatch(/^cdk-imdsv2: '.*params\.json' is not a CloudFormation template: expected a Resources section, got none\n$/);
  });

  test('GIVEN a folder with a disk image of more than 2 GiB beside a template THEN the image is skipped as binary from its first bytes, not read whole', async () => {
    // GIVEN (sparse: it takes no disk; reading it whole would fail past 2 GiB)
    const dir = tempDir({ 'lt.json': template({ LT: LT_OPTIONAL }) });
    fs.writeFileSync(path.join(dir, 'disk.img'), '');
    fs.truncateSync(path.join(dir, 'disk.img'), 2.5 * 2 ** 30);
    // WHEN
    const { code, out, stderr } = await json(dir);
    // THEN
    expect(stderr).toBe('');
    expect(code).toBe(EXIT_FINDINGS);
    expect(out.findings.map((f: any) => f.logicalId)).toEqual(['LT']);
    expect(out.problems.map((p: any) => [p.kind, path.relative(dir, p.file), p.message])).toEqual([
      ['skipped', 'disk.img', expect.stringMatching(/disk\.img' is a binary file, not a CloudFormation template/)],
    ]);
  });

  test('GIVEN a text file too large for one string (a data dump) THEN found in a folder it is skipped and listed; named it is an error naming its size', async () => {
    // GIVEN text at its start, then a sparse hole: 600 MB, more than Node can hold as a string
    const dir = tempDir({ 'lt.json': template({ LT: LT_OPTIONAL }) });
    const dump = path.join(dir, 'dump.csv');
    fs.writeFileSync(dump, 'Resources,count\n'.repeat(1024));
    fs.truncateSync(dump, 600 * 2 ** 20);
    // WHEN found in a folder
    const found = await json(dir);
    // THEN
    expect(found.stderr).toBe('');
    expect(found.code).toBe(EXIT_FINDINGS);
    expect(found.out.findings.map((f: any) => f.logicalId)).toEqual(['LT']);
    expect(found.out.problems.map((p: any) => [p.kind, path.relative(dir, p.file), p.message])).toEqual([
      ['skipped', 'dump.csv', expect.stringMatching(/dump\.csv' is too large to read as text \(600 MB\), so it is no CloudFormation template/)],
    ]);
    // WHEN named
    const named = await cli('scan', dump);
    // THEN
    expect(named.code).toBe(EXIT_BAD_INPUT);
    expect(named.stderr).toMatch(/^cdk-imdsv2: '.*dump\.csv' is too large to read as text \(600 MB\), so it is no CloudFormation template \(CloudFormation takes at most 1 MB\)\n$/);
  });

  test('GIVEN a folder with no template THEN exit 2 and say so', async () => {
    const run = await cli('scan', tempDir({ 'notes.txt': 'nothing here' }));
    expect(run.code).toBe(EXIT_BAD_INPUT);
    expect(run.stderr).toMatch(/^cdk-imdsv2: no CloudFormation template found in '.*'\n$/);
  });
});

describe('parsing what CloudFormation parses', () => {
  test.each([
    ['a duplicate YAML key (the last wins, as in CloudFormation)', 't.yaml', INSTANCE_OPEN_YAML.replace('        HttpTokens: optional', '        HttpTokens: required\n        HttpTokens: optional')],
    ['a trailing document start marker (an empty document)', 't.yaml', `${INSTANCE_OPEN_YAML}---\n`],
    ['a document end marker', 't.yaml', `---\n${INSTANCE_OPEN_YAML}...\n`],
    ['a UTF-8 byte order mark in YAML', 't.yaml', `\ufeff${INSTANCE_OPEN_YAML}`],
    ['a UTF-8 byte order mark in JSON', 't.json', `\ufeff${JSON.stringify(template({ Web: { Type: 'AWS::EC2::Instance', Properties: { MetadataOptions: { HttpTokens: 'optional' } } } }))}`],
    ['a duplicate JSON key (the last wins)', 't.json', '{"Resources": {"Web": {"Type": "AWS::EC2::Instance", "Properties": {"MetadataOptions": {"HttpTokens": "required", "HttpTokens": "optional"}}}}}'],
    ['an unquoted template version date', 't.yaml', `AWSTemplateFormatVersion: 2010-09-09\n${INSTANCE_OPEN_YAML}`],
  ])('GIVEN %s THEN the template is scanned and its IMDSv1 instance reported', async (_, file, text) => {
    const dir = tempDir({ [file]: text });
    const { code, out, stderr } = await json(path.join(dir, file));
    expect(stderr).toBe('');
    expect(code).toBe(EXIT_FINDINGS);
    expect(out.findings.map((f: any) => [f.logicalId, f.ruleId])).toEqual([['Web', 'Imdsv2-TokensRequired']]);
  });

  test('GIVEN two YAML documents THEN an error: a template is one', async () => {
    const dir = tempDir({ 't.yaml': `${INSTANCE_OPEN_YAML}---\n${INSTANCE_OPEN_YAML}` });
    const run = await cli('scan', path.join(dir, 't.yaml'));
    expect(run.code).toBe(EXIT_BAD_INPUT);
    expect(run.stderr).toMatch(/^cdk-imdsv2: cannot parse '.*t\.yaml' as YAML: it holds 2 YAML documents, a template is one\n$/);
  });

  test('GIVEN a duplicate key whose last value is required THEN no finding (the last wins both ways)', async () => {
    const dir = tempDir({ 't.yaml': INSTANCE_OPEN_YAML.replace('        HttpTokens: optional', '        HttpTokens: optional\n        HttpTokens: required') });
    expect((await cli('scan', path.join(dir, 't.yaml'))).code).toBe(EXIT_CLEAN);
  });

  test.each([
    ['in a resource (Fn::Transform named AWS::Include)', [
      'Resources:',
      '  Web:',
      '    Type: AWS::EC2::Instance',
      '    Properties:',
      '      ImageId: ami-1',
      '      MetadataOptions:',
      '        HttpTokens: required',
      '      Fn::Transform:',
      '        Name: AWS::Include',
      '        Parameters:',
      '          Location: s3://bucket/snippet.yaml',
    ], ['Web', 'AWS::EC2::Instance', 'Properties/Fn::Transform', 8]],
    ['at the top (Transform: AWS::Include)', [
      'Transform: AWS::Include',
      'Resources:',
      '  Topic:',
      '    Type: AWS::SNS::Topic',
    ], ['Transform', 'AWS::Include', 'Transform', 1]],
    ['among the resources', [
      'Resources:',
      '  Topic:',
      '    Type: AWS::SNS::Topic',
      '  Fn::Transform:',
      '    Name: AWS::Include',
      '    Parameters: {Location: "s3://bucket/more.yaml"}',
    ], ['Fn::Transform', 'AWS::Include', 'Fn::Transform', 4]],
  ])('GIVEN an unresolved AWS::Include %s THEN an Imdsv2-Unverifiable finding at it, never silence', async (_, lines, expected) => {
    const dir = tempDir({ 't.yaml': lines.join('\n') });
    const { code, out } = await json(path.join(dir, 't.yaml'));
    expect(code).toBe(EXIT_FINDINGS);
    expect(out.findings.map((f: any) => [f.logicalId, f.resourceType, f.location, f.line])).toEqual([expected]);
    expect(out.findings[0]).toEqual(expect.objectContaining({ ruleId: 'Imdsv2-Unverifiable', problem: expect.stringContaining('AWS::Include') }));
  });

  test('GIVEN resources a preprocessor or a transform makes (a Rain module Type, an Fn::ForEach loop of instances) THEN Imdsv2-Unverifiable, not silence', async () => {
    const dir = tempDir({
      't.json': template({
        'Network': { Type: { 'Rain::Module': './vpc.yml' }, Properties: { Name: 'n' } },
        'Fn::ForEach::Hosts': ['Name', ['A', 'B'], { 'Host${Name}': OPEN_INSTANCE_JSON }],
        'Fn::ForEach::Topics': ['Name', ['A', 'B'], { 'Topic${Name}': { Type: 'AWS::SNS::Topic' } }],
      }, { Transform: 'AWS::LanguageExtensions' }),
    });
    const { code, out } = await json(path.join(dir, 't.json'));
    expect(code).toBe(EXIT_FINDINGS);
    expect(out.findings.map((f: any) => [f.ruleId, f.logicalId, f.problem])).toEqual([
      ['Imdsv2-Unverifiable', 'Network', expect.stringContaining('Rain::Module')],
      ['Imdsv2-Unverifiable', 'Fn::ForEach::Hosts', expect.stringContaining('makes AWS::EC2::Instance resources')],
    ]);
  });

  test('GIVEN a resource without Type THEN an error naming it (exit 2), the other resources still checked', async () => {
    const dir = tempDir({ 't.json': template({ LT: LT_OPTIONAL, Broken: { Properties: { ImageId: 'ami-1' } } }) });
    const run = await cli('scan', path.join(dir, 't.json'));
    expect(run.code).toBe(EXIT_BAD_INPUT);
    expect(run.stdout).toMatch(/t\.json#LT/);
    expect(run.stderr).toMatch(/^cdk-imdsv2: '.*t\.json': resource 'Broken' has no Type: CloudFormation rejects the template, so it is not checked\n$/);
  });

  test('GIVEN a binary file THEN a short error without its bytes', async () => {
    const dir = tempDir();
    const bytes = Buffer.alloc(10_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    fs.writeFileSync(path.join(dir, 'image.json'), bytes);
    const run = await cli('scan', path.join(dir, 'image.json'));
    expect(run.code).toBe(EXIT_BAD_INPUT);
    expect(run.stderr).toMatch(/^cdk-imdsv2: '.*image\.json' is a binary file, not a CloudFormation template \(JSON or YAML in UTF-8\)\n$/);
    expect(run.stderr.length).toBeLessThan(300);
  });

  test('GIVEN text that is not JSON with a long line THEN the echoed message is capped', async () => {
    const dir = tempDir({ 'long.json': `{"Resources": ${'x'.repeat(20_000)}}` });
    const run = await cli('scan', path.join(dir, 'long.json'));
    expect(run.code).toBe(EXIT_BAD_INPUT);
    expect(run.stderr.length).toBeLessThan(400);
  });

  test('GIVEN a YAML alias bomb THEN a clear error naming the file, no internal error, quickly', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const dir = tempDir({ 'bomb.yaml': `${levels.join('\n')}\nResources:\n  Web:\n    Type: AWS::EC2::Instance\n    Properties:\n      UserData: *l\n` });
    const started = Date.now();
    const run = await cli('scan', path.join(dir, 'bomb.yaml'));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.code).toBe(EXIT_BAD_INPUT);
    expect(run.stderr).toMatch(/^cdk-imdsv2: cannot parse '.*bomb\.yaml' as YAML: its aliases expand to more than \d+ nodes \(an alias bomb\?\)\n$/);
  });

  test('GIVEN aliases used normally THEN they are expanded', async () => {
    const dir = tempDir({ 't.yaml': 'Resources:\n  Web:\n    Type: AWS::EC2::Instance\n    Properties:\n      MetadataOptions: &open\n        HttpTokens: optional\n  Web2:\n    Type: AWS::EC2::Instance\n    Properties:\n      MetadataOptions: *open\n' });
    const { out } = await json(path.join(dir, 't.yaml'));
    expect(out.findings.map((f: any) => f.logicalId)).toEqual(['Web', 'Web2']);
  });
});

describe('where a finding is: the offending property', () => {
  const YAML = [
    'Resources:', //                               1
    '  Settings:', //                              2
    '    Type: AWS::SSM::Parameter', //            3
    '    Metadata:', //                            4
    '      Web: {}', //                            5  the id of a resource below, as a key
    '      Closed: {}', //                         6
    '    Properties: {Type: String, Value: x}', // 7
    '  Closed:', //                                8
    '    Type: AWS::EC2::Instance', //             9
    '    Properties:', //                         10
    '      MetadataOptions:', //                  11
    '        HttpTokens: required', //            12
    '        HttpPutResponseHopLimit: 5', //      13
    '  Web:', //                                  14
    '    Type: AWS::EC2::Instance', //            15
    '    Properties:', //                         16
    '      ImageId: ami-1', //                    17
    '      MetadataOptions:', //                  18
    '        HttpEndpoint: enabled', //           19
    '        HttpTokens: optional', //            20
    '  Bare:', //                                 21
    '    Type: AWS::EC2::Instance', //            22
    '    Properties:', //                         23
    '      ImageId: ami-1', //                    24
    '  Unset:', //                                25
    '    Type: AWS::EC2::Instance', //            26
    '    Properties:', //                         27
    '      MetadataOptions:', //                  28
    '        HttpEndpoint: enabled', //           29
  ].join('\n');

  test.each([
    ['YAML', 't.yaml', YAML],
    ['JSON', 't.json', JSON.stringify(yaml.load(YAML), undefined, 2)],
  ])('GIVEN %s THEN SARIF points at HttpTokens, the hop limit, MetadataOptions or Properties, at the right resource', async (_, file, text) => {
    const dir = tempDir({ [file]: text });
    const run = await cli('scan', '--format', 'sarif', '--host-hop-limit', '2', path.join(dir, file));
    const results = JSON.parse(run.stdout).runs[0].results;
    const lines = text.split('\n');
    const at = (r: any) => lines[r.locations[0].physicalLocation.region.startLine - 1].trim();
    expect(results.map((r: any) => [r.locations[0].logicalLocations[0].name, r.ruleId, at(r)])).toEqual([
      ['Closed', 'Imdsv2-HopLimit', expect.stringMatching(/^"?HttpPutResponseHopLimit"?: 5/)],
      ['Web', 'Imdsv2-TokensRequired', expect.stringMatching(/^"?HttpTokens"?: "?optional/)],
      ['Bare', 'Imdsv2-TokensRequired', expect.stringMatching(/^"?Properties"?:/)],
      ['Unset', 'Imdsv2-TokensRequired', expect.stringMatching(/^"?MetadataOptions"?:/)],
    ]);
  });

  test.each([['JSON', 'json'], ['YAML', 'yaml']])('GIVEN a %s template with 600 open launch templates THEN every finding has its own HttpTokens line (lines worked out once per template)', async (_, ext) => {
    const resources: Record<string, object> = {};
    for (let i = 0; i < 600; i++) resources[`LT${i}`] = i % 3 === 0 ? LT_REQUIRED : LT_OPTIONAL;
    const doc = template(resources);
    const text = ext === 'json' ? JSON.stringify(doc, undefined, 1) : yaml.dump(doc, { noRefs: true });
    const dir = tempDir({ [`many.${ext}`]: text });
    const { out } = await json(path.join(dir, `many.${ext}`));
    expect(out.findings).toHaveLength(400);
    // the expected line: the first HttpTokens line after the resource's own key
    const lines: string[] = text.split('\n');
    const keyLine = new Map<string, number>();
    lines.forEach((l, i) => {
      const m = /^\s*"?(LT\d+)"?:/.exec(l);
      if (m) keyLine.set(m[1], i);
    });
    for (const f of out.findings) {
      const from = keyLine.get(f.logicalId)!;
      const expected = lines.findIndex((l, i) => i > from && /HttpTokens/.test(l)) + 1;
      expect([f.logicalId, f.line]).toEqual([f.logicalId, expected]);
    }
  });
});

describe('lines are worked out once per template', () => {
  afterEach(() => jest.restoreAllMocks());

  test.each([['json'], ['sarif']])('GIVEN two templates with 200 findings each THEN --format %s works out lines in one pass per template', async (format) => {
    const resources: Record<string, object> = {};
    for (let i = 0; i < 200; i++) resources[`LT${i}`] = LT_OPTIONAL;
    const dir = tempDir({ 'a.json': template(resources), 'b.yaml': yaml.dump(template(resources), { noRefs: true }) });
    const spy = jest.spyOn(templateText, 'linesOf');
    const run = await cli('scan', '--format', format, path.join(dir, 'a.json'), path.join(dir, 'b.yaml'));
    expect(run.code).toBe(EXIT_FINDINGS);
    expect(spy).toHaveBeenCalledTimes(2);
    expect(spy.mock.calls.map((c) => c[2].length)).toEqual([200, 200]);
  });
});

describe('linesOf', () => {
  const text = 'Resources:\n  A:\n    Type: AWS::EC2::Instance\n    Properties:\n      MetadataOptions:\n        HttpTokens: optional\n';
  test.each([[true], [false]])('GIVEN YAML parsed with keyLines %s THEN the same lines (parsed again when not recorded)', (keyLines) => {
    const doc = parseTemplateText(text, 't.yaml', { keyLines });
    expect(linesOf(doc, text, [['Resources', 'A', 'Properties', 'MetadataOptions', 'HttpTokens'], ['Resources', 'A', 'Metadata'], ['Nope']])).toEqual([6, 2, 1]);
  });
});
