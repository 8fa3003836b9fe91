import { gzipSync } from 'zlib';
import { ResourceView } from '../../src/engine/model';
import { Imdsv2RuleId } from '../../src/engine/rule-id';
import { imdsV1Calls, userDataFindings } from '../../src/engine/user-data';

const b64 = (text: string) => Buffer.from(text).toString('base64');

function view(type: string, properties: any = {}): ResourceView {
  return { key: 't#R', logicalId: 'R', type, properties, path: 't#R' };
}

describe('imdsV1Calls', () => {
  test.each([
    ['curl', 'ID=$(curl -s http://169.254.169.254/latest/meta-data/instance-id)'],
    ['wget', 'wget -q -O - http://169.254.169.254/latest/meta-data/local-ipv4'],
    ['IPv6 address', 'curl http://[fd00:ec2::254]/latest/meta-data/instance-id'],
    ['instance-data host', 'curl -s http://instance-data/latest/meta-data/instance-id'],
    ['Invoke-RestMethod', '$id = Invoke-RestMethod -uri http://169.254.169.254/latest/meta-data/instance-id'],
    ['Invoke-WebRequest', '$az = (Invoke-WebRequest -UseBasicParsing http://169.254.169.254/latest/meta-data/placement/availability-zone).Content'],
    ['PowerShell curl alias', '$AZ=(curl http://169.254.169.254/latest/meta-data/placement/availability-zone).Content'],
    ['WebClient', '(New-Object System.Net.WebClient).DownloadString("http://169.254.169.254/latest/meta-data/instance-id")'],
  ])('GIVEN a %s call without a token THEN it is flagged with its line', (_, line) => {
    // WHEN
    const calls = imdsV1Calls(`#!/bin/bash\nset -e\n${line}\n`);
    // THEN
    expect(calls).toEqual([expect.objectContaining({ line: 3 })]);
  });

  test('GIVEN the token dance in bash THEN nothing is flagged', () => {
    // GIVEN
    const script = [
      '#!/bin/bash',
      'TOKEN=$(curl -sX PUT "http://169.254.169.254/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 21600")',
      'ID=$(curl -s -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/instance-id)',
      'AZ=$(curl -s -H "X-aws-ec2-metadata-token: ${TOKEN}" \\',
      '  http://169.254.169.254/latest/meta-data/placement/availability-zone)',
      'wget -q --header="X-aws-ec2-metadata-token: $TOKEN" -O - http://169.254.169.254/latest/meta-data/local-ipv4',
    ].join('\n');
    // WHEN / THEN
    expect(imdsV1Calls(script)).toEqual([]);
  });

  test('GIVEN the token dance in PowerShell THEN nothing is flagged', () => {
    const script = [
      '<powershell>',
      '$token = Invoke-RestMethod -Headers @{"X-aws-ec2-metadata-token-ttl-seconds" = "21600"} -Method PUT -Uri http://169.254.169.254/latest/api/token',
      '$headers = @{"X-aws-ec2-metadata-token" = $token}',
      '$id = Invoke-RestMethod -Headers $headers -Uri http://169.254.169.254/latest/meta-data/instance-id',
      '</powershell>',
    ].join('\n');
    expect(imdsV1Calls(script)).toEqual([]);
  });

  test('GIVEN a header kept in a variable THEN a call that uses it is not flagged, one that does not is', () => {
    const script = [
      'H="X-aws-ec2-metadata-token: $(curl -sX PUT http://169.254.169.254/latest/api/token -H \'X-aws-ec2-metadata-token-ttl-seconds: 60\')"',
      'curl -s -H "$H" http://169.254.169.254/latest/meta-data/instance-id',
      'curl -s http://169.254.169.254/latest/meta-data/local-ipv4',
    ].join('\n');
    expect(imdsV1Calls(script).map((c) => c.line)).toEqual([3]);
  });

  test('GIVEN the address kept in a variable THEN a call through it is flagged', () => {
    const script = 'MD=http://169.254.169.254/latest/meta-data\nINSTANCE=$(curl -s $MD/instance-id)\necho $MD';
    expect(imdsV1Calls(script).map((c) => c.line)).toEqual([2]);
  });

  test('GIVEN a call continued over lines THEN it is flagged once, at its first line', () => {
    const script = 'echo start\ncurl -s \\\n  --retry 3 \\\n  http://169.254.169.254/latest/meta-data/instance-id\n';
    expect(imdsV1Calls(script)).toEqual([expect.objectContaining({ line: 2, text: 'curl -s --retry 3 http://169.254.169.254/latest/meta-data/instance-id' })]);
  });

  test.each([
    ['a comment', '# curl http://169.254.169.254/latest/meta-data/instance-id'],
    ['an iptables rule that blocks IMDS', 'iptables -A OUTPUT -d 169.254.169.254 -j DROP'],
    ['the AWS CLI', 'aws ec2 describe-instances --region us-east-1'],
    ['ec2-metadata (fetches a token itself on current AMIs)', 'ec2-metadata --instance-id'],
    ['a curl to another host', 'curl -s https://example.com/install.sh | bash'],
  ])('GIVEN %s THEN nothing is flagged', (_, line) => {
    expect(imdsV1Calls(`#!/bin/bash\n${line}\n`)).toEqual([]);
  });

  test('GIVEN a PowerShell call THEN it is marked PowerShell, a bash one is not', () => {
    const calls = imdsV1Calls('Invoke-RestMethod -Uri http://169.254.169.254/latest/meta-data/instance-id\ncurl http://169.254.169.254/latest/meta-data/instance-id');
    expect(calls.map((c) => c.powershell)).toEqual([true, false]);
  });
});

describe('userDataFindings', () => {
  const V1 = 'curl http://169.254.169.254/latest/meta-data/instance-id';

  test('GIVEN an instance whose user data is Fn::Base64 of Fn::Join THEN the call is flagged with its line', () => {
    // GIVEN
    const properties = { UserData: { 'Fn::Base64': { 'Fn::Join': ['', ['#!/bin/bash\n', 'REGION=', { Ref: 'AWS::Region' }, '\n', V1, '\n']] } } };
    // WHEN
    const findings = userDataFindings(view('AWS::EC2::Instance'), { properties });
    // THEN
    expect(findings).toEqual([expect.objectContaining({
      ruleId: Imdsv2RuleId.USER_DATA_V1,
      fixable: false,
      problem: expect.stringMatching(/^user data line 3 calls the instance metadata service without a token \(curl http:\/\/169\.254\.169\.254/),
    })]);
  });

  test('GIVEN a launch template whose user data is Fn::Base64 of Fn::Sub THEN the call is flagged', () => {
    const properties = { LaunchTemplateData: { UserData: { 'Fn::Base64': { 'Fn::Sub': `#!/bin/bash\necho \${AWS::StackName}\n${V1}\n` } } } };
    expect(userDataFindings(view('AWS::EC2::LaunchTemplate', properties)).map((f) => f.problem)).toEqual([
      expect.stringContaining('user data line 3'),
    ]);
  });

  test('GIVEN base64-encoded and gzipped user data literals THEN they are decoded and scanned', () => {
    const plain = userDataFindings(view('AWS::AutoScaling::LaunchConfiguration'), { properties: { UserData: b64(`#!/bin/bash\n${V1}\n`) } });
    const gzipped = userDataFindings(view('AWS::AutoScaling::LaunchConfiguration'), { properties: { UserData: gzipSync(`#!/bin/bash\n\n${V1}\n`).toString('base64') } });
    expect(plain.map((f) => f.problem)).toEqual([expect.stringContaining('line 2')]);
    expect(gzipped.map((f) => f.problem)).toEqual([expect.stringContaining('line 3')]);
  });

  test('GIVEN a MIME multipart user data with a Fn::Base64 part (aws-cdk-lib MultipartUserData) THEN the part is scanned', () => {
    const properties = {
      UserData: {
        'Fn::Base64': {
          'Fn::Join': ['', [
            'Content-Type: multipart/mixed; boundary="b"\nMIME-Version: 1.0\n\n--b\nContent-Type: text/x-shellscript; charset="utf-8"\nContent-Transfer-Encoding: base64\n\n',
            { 'Fn::Base64': `#!/bin/bash\n${V1}` },
            '\n--b--\n',
          ]],
        },
      },
    };
    expect(userDataFindings(view('AWS::EC2::Instance'), { properties })).toHaveLength(1);
  });

  test('GIVEN Fn::If user data THEN each branch is scanned and named', () => {
    const properties = { UserData: { 'Fn::Base64': { 'Fn::If': ['IsProd', '#!/bin/bash\necho prod', `#!/bin/bash\n${V1}`] } } };
    expect(userDataFindings(view('AWS::EC2::Instance'), { properties }).map((f) => f.problem)).toEqual([
      expect.stringContaining('user data (Fn::If IsProd false) line 2'),
    ]);
  });

  test('GIVEN cfn-init commands and files THEN each is scanned and named, JSON file content is not', () => {
    // GIVEN
    const metadata = {
      'AWS::CloudFormation::Init': {
        configSets: { default: ['setup'] },
        setup: {
          commands: {
            '01_id': { command: V1 },
            '02_ok': { command: ['curl', '-H', 'X-aws-ec2-metadata-token: $T', 'http://169.254.169.254/latest/meta-data/'] },
          },
          files: {
            '/opt/boot.sh': { content: { 'Fn::Join': ['\n', ['#!/bin/bash', 'set -e', V1]] }, mode: '000755' },
            '/etc/app.json': { content: { url: 'http://169.254.169.254/latest/meta-data/' } },
          },
        },
      },
    };
    // WHEN
    const problems = userDataFindings(view('AWS::EC2::Instance'), { properties: {}, metadata }).map((f) => f.problem);
    // THEN
    expect(problems).toEqual([
      expect.stringMatching(/^cfn-init config 'setup' command '01_id' line 1 /),
      expect.stringMatching(/^cfn-init config 'setup' file '\/opt\/boot.sh' line 3 /),
    ]);
  });

  test('GIVEN spot fleet launch specifications THEN their user data is scanned', () => {
    const properties = { SpotFleetRequestConfigData: { LaunchSpecifications: [{ UserData: b64('echo ok') }, { UserData: b64(V1) }] } };
    expect(userDataFindings(view('AWS::EC2::SpotFleet', properties)).map((f) => f.problem)).toEqual([
      expect.stringContaining('LaunchSpecifications[1] user data line 1'),
    ]);
  });

  test('GIVEN user data that is a parameter THEN nothing can be scanned and nothing is flagged', () => {
    expect(userDataFindings(view('AWS::EC2::Instance'), { properties: { UserData: { Ref: 'UserDataParam' } } })).toEqual([]);
  });

  test('GIVEN a PowerShell call THEN the remedy is PowerShell', () => {
    const findings = userDataFindings(view('AWS::EC2::Instance'), { properties: { UserData: { 'Fn::Base64': '<powershell>\nInvoke-RestMethod -Uri http://169.254.169.254/latest/meta-data/instance-id\n</powershell>' } } });
    expect(findings[0].remedy).toContain('-Headers');
  });
});
