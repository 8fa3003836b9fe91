import * as path from 'path';
import { CfnResource, NestedStack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { LT_OPTIONAL, newApp, stackOf, tempDir, template } from './fixtures';
import { TemplateLoadError, loadAssemblyTemplates, loadInputs, parseTemplateText } from '../../src/templates/load-templates';

describe('parseTemplateText: YAML short forms', () => {
  test('GIVEN every short-form tag THEN each becomes its long form', () => {
    // GIVEN
    const yaml = `
Resources:
  R:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      Ref: !Ref Param
      GetAttDot: !GetAtt LT.LatestVersionNumber
      GetAttNested: !GetAtt Nested.Outputs.LtId
      GetAttList: !GetAtt [LT, DefaultVersionNumber]
      Sub: !Sub "\${AWS::StackName}-x"
      SubList: !Sub ["\${A}", { A: !Ref B }]
      If: !If [IsProd, required, optional]
      Join: !Join ["", [a, !Ref B]]
      Base64: !Base64 { "Fn::Sub": "echo hi" }
      ImportValue: !ImportValue shared-lt-id
      Select: !Select [0, !GetAZs ""]
      Split: !Split [",", "a,b"]
      FindInMap: !FindInMap [M, K, V]
      Cidr: !Cidr [10.0.0.0/16, 4, 8]
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Condition NotProd]
  Either: !Or [!Condition IsProd, !Condition NotProd]
`;
    // WHEN
    const t = parseTemplateText(yaml, 't.yaml');
    // THEN
    expect(t.Resources.R.Properties).toEqual({
      Ref: { Ref: 'Param' },
      GetAttDot: { 'Fn::GetAtt': ['LT', 'LatestVersionNumber'] },
      GetAttNested: { 'Fn::GetAtt': ['Nested', 'Outputs.LtId'] },
      GetAttList: { 'Fn::GetAtt': ['LT', 'DefaultVersionNumber'] },
      Sub: { 'Fn::Sub': '${AWS::StackName}-x' },
      SubList: { 'Fn::Sub': ['${A}', { A: { Ref: 'B' } }] },
      If: { 'Fn::If': ['IsProd', 'required', 'optional'] },
      Join: { 'Fn::Join': ['', ['a', { Ref: 'B' }]] },
      Base64: { 'Fn::Base64': { 'Fn::Sub': 'echo hi' } },
      ImportValue: { 'Fn::ImportValue': 'shared-lt-id' },
      Select: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] },
      Split: { 'Fn::Split': [',', 'a,b'] },
      FindInMap: { 'Fn::FindInMap': ['M', 'K', 'V'] },
      Cidr: { 'Fn::Cidr': ['10.0.0.0/16', 4, 8] },
    });
    expect(t.Conditions).toEqual({
      IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] },
      NotProd: { 'Fn::Not': [{ Condition: 'IsProd' }] },
      Both: { 'Fn::And': [{ Condition: 'IsProd' }, { Condition: 'NotProd' }] },
      Either: { 'Fn::Or': [{ Condition: 'IsProd' }, { Condition: 'NotProd' }] },
    });
  });

  test('GIVEN !Base64 on a block scalar THEN the text is kept with its lines', () => {
    const t = parseTemplateText('Resources:\n  R:\n    Type: X\n    Properties:\n      UserData: !Base64 |\n        #!/bin/bash\n        echo hi\n', 't.yml');
    expect(t.Resources.R.Properties.UserData).toEqual({ 'Fn::Base64': '#!/bin/bash\necho hi\n' });
  });

  test('GIVEN YAML text in a .template file that starts with { THEN it is read as JSON', () => {
    expect(parseTemplateText('{"Resources": {}}', 'x.template')).toEqual({ Resources: {} });
  });
});

describe('loading: bad input is one clear line', () => {
  test.each([
    ['a missing file', () => loadInputs(['/no/such/template.json']), /^cannot read '\/no\/such\/template\.json': no such file or directory$/],
    ['invalid JSON', () => loadInputs([path.join(tempDir({ 'bad.json': '{"Resources": {' }), 'bad.json')]), /^cannot parse '.*bad\.json' as JSON: .+/],
    ['invalid YAML', () => loadInputs([path.join(tempDir({ 'bad.yaml': 'Resources:\n  R: [1, 2\n  S: 3\n' }), 'bad.yaml')]), /^cannot parse '.*bad\.yaml' as YAML: .+ at line \d+, column \d+$/],
    ['a template without Resources', () => loadInputs([path.join(tempDir({ 'p.json': { Parameters: {} } }), 'p.json')]), /^'.*p\.json' is not a CloudFormation template: expected a Resources section, got none$/],
    ['a JSON list', () => loadInputs([path.join(tempDir({ 'l.json': [1] }), 'l.json')]), /^'.*l\.json' is not a CloudFormation template: expected a Resources section, got a list$/],
    ['a directory without templates', () => loadInputs([tempDir({ 'notes.txt': 'hello' })]), /^no CloudFormation template found in '.*'$/],
  ])('GIVEN %s THEN a TemplateLoadError with a one-line message', (_, load, message) => {
    let error: unknown;
    try {
      load();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TemplateLoadError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('loadInputs: nested stack templates', () => {
  test('GIVEN a TemplateURL that is a local path THEN the nested template is loaded with its parent', () => {
    // GIVEN
    const dir = tempDir({
      'parent.yaml': 'Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ./nested/child.json\n',
      'nested/child.json': template({ LT: LT_OPTIONAL }),
    });
    // WHEN
    const loaded = loadInputs([path.join(dir, 'parent.yaml')]);
    // THEN
    expect(loaded.map((t) => path.relative(dir, t.file))).toEqual(['parent.yaml', path.join('nested', 'child.json')]);
    expect(loaded[1].parent).toEqual({ template: loaded[0], logicalId: 'Child' });
  });

  test('GIVEN an S3 TemplateURL that no local file matches THEN only the parent is loaded', () => {
    const dir = tempDir({ 'parent.json': template({ Child: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: 'https://s3.amazonaws.com/bucket/child.json' } } }) });
    expect(loadInputs([path.join(dir, 'parent.json')])).toHaveLength(1);
  });

  test('GIVEN the same file twice THEN it is loaded once', () => {
    const dir = tempDir({ 't.json': template({ LT: LT_OPTIONAL }) });
    expect(loadInputs([path.join(dir, 't.json'), path.join(dir, 't.json')])).toHaveLength(1);
  });
});

describe('cloud assemblies', () => {
  function synthApp() {
    const app = newApp();
    const stack = stackOf(app, 'Parent');
    const nested = new NestedStack(stack, 'Nested');
    const lt = new ec2.CfnLaunchTemplate(nested, 'LT', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    Validations.of(lt).acknowledge({ id: 'Imdsv2-TokensRequired', reason: 'test' });
    new CfnResource(stack, 'ASG', { type: 'AWS::AutoScaling::AutoScalingGroup', properties: { MinSize: '1', MaxSize: '1', LaunchTemplate: { LaunchTemplateId: lt.ref, Version: lt.attrLatestVersionNumber } } });
    const assembly = app.synth();
    return { app, assembly };
  }

  test('GIVEN a cdk.out directory THEN its stack templates and the nested stack template (found through the asset manifest) are loaded', () => {
    // GIVEN
    const { assembly } = synthApp();
    // WHEN
    const loaded = loadInputs([assembly.directory]);
    // THEN
    expect(loaded.map((t) => path.basename(t.file))).toEqual(['Parent.template.json', expect.stringMatching(/^ParentNested.*\.nested\.template\.json$/)]);
    expect(loaded[0].stackName).toBe('Parent');
    expect(loaded[1].parent?.template).toBe(loaded[0]);
  });

  test('GIVEN template paths from a validation context THEN the manifest metadata (acknowledgements, logical ids) comes along, nested stacks included', () => {
    const { assembly } = synthApp();
    const loaded = loadAssemblyTemplates(assembly.stacks.map((s) => s.templateFullPath));
    expect(loaded).toHaveLength(2);
    const metadata = loaded[1].assembly!;
    expect(metadata.pathsByLogicalId.get('LT')).toEqual(['/Parent/Nested/LT']);
    // As recorded: 'annotation::Imdsv2-TokensRequired' (aws-cdk-lib 2.257) or 'Annotation::…' (newer).
    expect(metadata.acknowledged.get('/Parent/Nested/LT')).toEqual([expect.stringMatching(/^annotation::Imdsv2-TokensRequired$/i)]);
  });

  test('GIVEN a cdk.out whose manifest is not JSON THEN a TemplateLoadError', () => {
    const dir = tempDir({ 'manifest.json': '{nope' });
    expect(() => loadInputs([dir])).toThrow(/^cannot parse '.*manifest\.json' as JSON: /);
  });
});
