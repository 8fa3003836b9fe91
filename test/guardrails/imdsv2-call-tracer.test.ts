import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { checkSdkCall, clientFor } from './sdk-model';
import { flattenIntrinsics } from './support/cfn-text';
import { LogEvent, runLogsInsightsQuery } from './support/logs-insights';
import { matchTextPattern } from './support/text-filter-pattern';
import { Imdsv2Alarms, Imdsv2CallTracer, Imdsv2CallTracerProps, Imdsv2CallTracerSource, Imdsv2CallTracerTargets } from '../../src/guardrails';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const COMMIT = '0123456789abcdef0123456789abcdef01234567';

function fixture(props: Partial<Imdsv2CallTracerProps> = {}) {
  const stack = new Stack(new App(), 'Stack', { env: ENV });
  const bucket = s3.Bucket.fromBucketName(stack, 'Vendor', 'vendor-bucket');
  const tracer = new Imdsv2CallTracer(stack, 'Tracer', {
    source: Imdsv2CallTracerSource.fromBucket(bucket, 'tools/aws-imds-packet-analyzer.zip'),
    ...props,
  });
  return { stack, tracer };
}

/** The one resource of `type`, with intrinsics turned into placeholder text. */
function only(template: Template, type: string): Record<string, any> {
  const found = Object.values(template.findResources(type));
  expect(found).toHaveLength(1);
  return flattenIntrinsics(found[0].Properties) as Record<string, any>;
}

/** The documents of the template: [install, removal], in the order the construct makes them. */
function documents(template: Template): Array<Record<string, any>> {
  return Object.values(template.findResources('AWS::SSM::Document')).map(d => flattenIntrinsics(d.Properties) as Record<string, any>);
}

/** Every shell script of a document, by step name. */
function shellScripts(document: Record<string, any>): Record<string, string> {
  return Object.fromEntries((document.Content.mainSteps as any[])
    .filter(step => step.action === 'aws:runShellScript')
    .map(step => [step.name, (step.inputs.runCommand as string[]).join('\n')]));
}

describe('Imdsv2CallTracer: what it deploys', () => {
  test('an install document (Command, schema 2.2): refusals for Windows and macOS, then Linux steps in order', () => {
    // GIVEN / WHEN
    const { stack } = fixture();

    // THEN
    const [install] = documents(Template.fromStack(stack));
    expect(install.DocumentType).toBe('Command');
    expect(install.Content.schemaVersion).toBe('2.2');
    expect((install.Content.mainSteps as any[]).map(s => [s.name, s.action, s.precondition.StringEquals[1]])).toEqual([
      ['RefuseWindows', 'aws:runPowerShellScript', 'Windows'],
      ['RefuseMacOS', 'aws:runShellScript', 'MacOS'],
      ['Prepare', 'aws:runShellScript', 'Linux'],
      ['DownloadAnalyzer', 'aws:downloadContent', 'Linux'],
      ['InstallTracer', 'aws:runShellScript', 'Linux'],
      ['InstallCloudWatchAgent', 'aws:runDocument', 'Linux'],
      ['ShipTrace', 'aws:runShellScript', 'Linux'],
    ]);
    const steps = Object.fromEntries((install.Content.mainSteps as any[]).map(s => [s.name, s]));
    expect(steps.RefuseWindows.inputs.runCommand.join('\n')).toMatch(/does not support Windows.*exit 1/);
    expect(steps.DownloadAnalyzer.inputs).toEqual({
      sourceType: 'S3',
      sourceInfo: '{"path":"https://s3.AWSRegion.AWSURLSuffix/vendor-bucket/tools/aws-imds-packet-analyzer.zip"}',
      destinationPath: '/var/lib/imdsv2-call-tracer/download/',
    });
    expect(steps.InstallCloudWatchAgent.inputs).toEqual({
      documentType: 'SSMDocument',
      documentPath: 'AWS-ConfigureAWSPackage',
      documentParameters: { action: 'Install', name: 'AmazonCloudWatchAgent' },
    });
    const scripts = shellScripts(install);
    expect(scripts.InstallTracer).toContain("source_id='s3://vendor-bucket/tools/aws-imds-packet-analyzer.zip'");
    expect(scripts.InstallTracer).toContain('bash ./activate-tracer-service.sh');
    expect(scripts.ShipTrace).toContain('ctl=/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl');
    expect(scripts.ShipTrace).toMatch(/"\$ctl" -a append-config -m ec2 -c 'ssm:TracerAgentConfiguration[0-9A-F]+' -s/);
  });

  test('a git source is cloned at its commit', () => {
    const { stack } = fixture({ source: Imdsv2CallTracerSource.fromGit('https://github.com/aws/aws-imds-packet-analyzer.git', COMMIT) });
    const [install] = documents(Template.fromStack(stack));
    const download = (install.Content.mainSteps as any[]).find(s => s.name === 'DownloadAnalyzer');
    expect(download.inputs).toEqual({
      sourceType: 'Git',
      sourceInfo: `{"repository":"https://github.com/aws/aws-imds-packet-analyzer.git","getOptions":"commitID:${COMMIT}"}`,
      destinationPath: '/var/lib/imdsv2-call-tracer/download',
    });
    expect(shellScripts(install).InstallTracer).toContain(`source_id='https://github.com/aws/aws-imds-packet-analyzer.git@${COMMIT}'`);
  });

  test('a removal document runs the analyzer\'s deactivate-tracer-service.sh and removes the agent configuration', () => {
    const { stack } = fixture();
    const [, removal] = documents(Template.fromStack(stack));
    expect(removal.DocumentType).toBe('Command');
    const script = shellScripts(removal).RemoveTracer;
    expect(script).toContain('bash ./deactivate-tracer-service.sh');
    expect(script).toMatch(/-a remove-config -m ec2 -c 'ssm:TracerAgentConfiguration[0-9A-F]+' -s/);
  });

  test('the association: by tag imdsv2-trace=true, daily, 10% at once, stop at 10% errors, by default', () => {
    const { stack } = fixture();
    expect(only(Template.fromStack(stack), 'AWS::SSM::Association')).toEqual({
      Name: expect.stringMatching(/^TracerInstallDocument/),
      Targets: [{ Key: 'tag:imdsv2-trace', Values: ['true'] }],
      ScheduleExpression: 'rate(1 day)',
      MaxConcurrency: '10%',
      MaxErrors: '10%',
      ComplianceSeverity: 'MEDIUM',
    });
  });

  test.each([
    [Imdsv2CallTracerTargets.byTag('team', 'payments'), { Key: 'tag:team', Values: ['payments'] }],
    [Imdsv2CallTracerTargets.instanceIds(['i-0123456789abcdef0', 'i-12345678']), { Key: 'InstanceIds', Values: ['i-0123456789abcdef0', 'i-12345678'] }],
    [Imdsv2CallTracerTargets.resourceGroup('legacy-fleet'), { Key: 'resource-groups:Name', Values: ['legacy-fleet'] }],
  ])('targets %#', (targets, expected) => {
    const { stack } = fixture({ targets, scheduleExpression: 'rate(12 hours)', maxConcurrency: '5', maxErrors: '1' });
    expect(only(Template.fromStack(stack), 'AWS::SSM::Association')).toMatchObject({
      Targets: [expected], ScheduleExpression: 'rate(12 hours)', MaxConcurrency: '5', MaxErrors: '1',
    });
  });

  test('the agent configuration: the trace log to the tracer\'s log group, one stream per instance', () => {
    const { stack } = fixture();
    const template = Template.fromStack(stack);
    const parameter = only(template, 'AWS::SSM::Parameter');
    expect(JSON.parse(parameter.Value)).toEqual({
      logs: {
        logs_collected: {
          files: {
            collect_list: [{
              file_path: '/var/log/imds/imds-trace.log',
              log_group_name: expect.stringMatching(/^TracerTraces/),
              log_stream_name: '{instance_id}',
              timestamp_format: '%Y-%m-%dT%H:%M:%S',
            }],
          },
        },
      },
    });
    expect(only(template, 'AWS::Logs::LogGroup')).toEqual({ RetentionInDays: 30 });
  });

  test('metric filters per instance, an alarm over every instance, the saved query', () => {
    const { stack, tracer } = fixture({ metricNamespace: 'Platform/Imds' });
    const template = Template.fromStack(stack);
    const filters = Object.values(template.findResources('AWS::Logs::MetricFilter')).map(f => flattenIntrinsics(f.Properties) as any);
    expect(filters).toEqual([
      {
        LogGroupName: expect.stringMatching(/^TracerTraces/),
        FilterPattern: '[time, level = WARNING, instance, call = IMDSv1*, ...]',
        MetricTransformations: [{ MetricName: 'Imdsv1Calls', MetricNamespace: 'Platform/Imds', MetricValue: '1', Dimensions: [{ Key: 'InstanceId', Value: '$instance' }] }],
      },
      {
        LogGroupName: expect.stringMatching(/^TracerTraces/),
        FilterPattern: '[time, level = ERROR, instance, ...]',
        MetricTransformations: [{ MetricName: 'UnclassifiedImdsCalls', MetricNamespace: 'Platform/Imds', MetricValue: '1', Dimensions: [{ Key: 'InstanceId', Value: '$instance' }] }],
      },
    ]);
    const alarm = only(template, 'AWS::CloudWatch::Alarm');
    expect(alarm.Metrics).toEqual([expect.objectContaining({ Expression: 'SELECT SUM(Imdsv1Calls) FROM SCHEMA("Platform/Imds", InstanceId)', Period: 300 })]);
    expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
    const query = only(template, 'AWS::Logs::QueryDefinition');
    expect(query.LogGroupNames).toEqual([expect.stringMatching(/^TracerTraces/)]);
    expect(query.QueryString).toMatch(/^fields @timestamp, @logStream, @message\n\| parse @message/);
    expect(tracer.metricNamespace).toBe('Platform/Imds');
  });

  test('Imdsv2Alarms.addTracerWidgets puts the tracer on the dashboard; without a dashboard it says so', () => {
    const { stack, tracer } = fixture();
    const alarms = new Imdsv2Alarms(stack, 'Alarms', { accountWide: false });
    alarms.addTracerWidgets(tracer);
    const body = JSON.stringify(Template.fromStack(stack).toJSON().Resources);
    expect(body).toContain('GROUP BY InstanceId ORDER BY SUM() DESC LIMIT 10');
    expect(body).toContain('IMDSv1 callers by process and parent chain');

    const quiet = new Imdsv2Alarms(stack, 'Quiet', { dashboard: false });
    expect(() => quiet.addTracerWidgets(tracer)).toThrow('Imdsv2Alarms Stack/Quiet: dashboard is false, expected a dashboard to add the widgets of Stack/Tracer to');
  });
});

describe('Imdsv2CallTracer: least privilege for the instances', () => {
  function statementsOf(template: Template): unknown[] {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    return (flattenIntrinsics(policies[0].Properties) as any).PolicyDocument.Statement;
  }

  test('S3 source: the one object (and a listing of "<key>/", which aws:downloadContent makes first), the log group, the parameter', () => {
    // GIVEN
    const { stack, tracer } = fixture();
    const role = new iam.Role(stack, 'FleetRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });

    // WHEN
    tracer.grantToInstances(role);

    // THEN
    expect(statementsOf(Template.fromStack(stack))).toEqual([
      { Action: 's3:GetObject', Effect: 'Allow', Resource: 'arn:AWSPartition:s3:::vendor-bucket/tools/aws-imds-packet-analyzer.zip' },
      {
        Action: 's3:ListBucket',
        Effect: 'Allow',
        Resource: 'arn:AWSPartition:s3:::vendor-bucket',
        Condition: { StringEquals: { 's3:prefix': 'tools/aws-imds-packet-analyzer.zip/' } },
      },
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: expect.stringMatching(/^TracerTraces[0-9A-F]+\.Arn$/) },
      { Action: 'ssm:GetParameter', Effect: 'Allow', Resource: expect.stringMatching(/^arn:AWSPartition:ssm:eu-west-1:111111111111:parameter\/TracerAgentConfiguration[0-9A-F]+$/) },
    ]);
  });

  test('git source: nothing in S3; no resource is "*"', () => {
    const { stack, tracer } = fixture({ source: Imdsv2CallTracerSource.fromGit('https://github.com/aws/aws-imds-packet-analyzer.git', COMMIT) });
    const role = new iam.Role(stack, 'FleetRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    tracer.grantToInstances(role);
    const statements = statementsOf(Template.fromStack(stack)) as Array<{ Action: string | string[]; Resource: string }>;
    expect(statements.map(s => s.Action)).toEqual([['logs:CreateLogStream', 'logs:PutLogEvents'], 'ssm:GetParameter']);
    expect(statements.map(s => s.Resource)).not.toContain('*');
  });

  test('an asset source reads the asset\'s object', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'analyzer-'));
    fs.writeFileSync(path.join(dir, 'activate-tracer-service.sh'), '#!/bin/bash\n');
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const asset = new s3assets.Asset(stack, 'Analyzer', { path: dir });
    const tracer = new Imdsv2CallTracer(stack, 'Tracer', { source: Imdsv2CallTracerSource.fromAsset(asset) });
    const role = new iam.Role(stack, 'FleetRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    tracer.grantToInstances(role);
    const [getObject] = statementsOf(Template.fromStack(stack)) as Array<{ Resource: string }>;
    expect(getObject.Resource).toBe(`arn:AWSPartition:s3:::cdk-hnb659fds-assets-111111111111-eu-west-1/${asset.s3ObjectKey}`);
    expect(asset.s3ObjectKey).toMatch(/^[0-9a-f]{64}\.zip$/);
  });
});

describe('Imdsv2CallTracer: props errors name the construct and the value', () => {
  test.each([
    [() => Imdsv2CallTracerSource.fromGit('https://github.com/aws/aws-imds-packet-analyzer.git', 'main'),
      'Imdsv2CallTracerSource.fromGit: commit is "main", expected a full 40-character hexadecimal commit id'],
    [() => Imdsv2CallTracerSource.fromGit('https://github.com/aws/aws-imds-packet-analyzer.git', COMMIT.slice(0, 12)),
      `Imdsv2CallTracerSource.fromGit: commit is "${COMMIT.slice(0, 12)}"`],
    [() => Imdsv2CallTracerSource.fromGit('github.com/aws/aws-imds-packet-analyzer', COMMIT),
      'Imdsv2CallTracerSource.fromGit: repositoryUrl is "github.com/aws/aws-imds-packet-analyzer", expected an https:// or ssh:// git URL'],
    [() => Imdsv2CallTracerSource.fromBucket(s3.Bucket.fromBucketName(new Stack(), 'B', 'vendor-bucket'), 'analyzer.rar'),
      'Imdsv2CallTracerSource.fromBucket: objectKey is "analyzer.rar", expected the key of a .zip, .tar.gz, .tgz or .tar archive'],
    [() => Imdsv2CallTracerTargets.instanceIds(['web-1']), 'Imdsv2CallTracerTargets.instanceIds: "web-1" is not an instance id'],
    [() => Imdsv2CallTracerTargets.instanceIds([]), 'Imdsv2CallTracerTargets.instanceIds: 0 ids given, expected 1 to 50'],
    [() => Imdsv2CallTracerTargets.byTag('', 'true'), 'Imdsv2CallTracerTargets.byTag: key is ""'],
    [() => fixture({ maxConcurrency: 'ten' }), 'Imdsv2CallTracer Stack/Tracer: maxConcurrency is "ten", expected a number of instances ("10") or a percentage ("10%")'],
    [() => fixture({ maxErrors: '0' }), 'Imdsv2CallTracer Stack/Tracer: maxErrors is "0"'],
    [() => fixture({ scheduleExpression: 'daily' }), 'Imdsv2CallTracer Stack/Tracer: scheduleExpression is "daily"'],
    [() => fixture({ metricNamespace: 'AWS/EC2' }), 'Imdsv2CallTracer Stack/Tracer: metricNamespace is "AWS/EC2"'],
  ])('%#', (make, message) => {
    expect(make).toThrow(message);
  });
});

describe('Imdsv2CallTracer: the generated shell scripts', () => {
  const shellcheck = spawnSync('shellcheck', ['--version']).status === 0;
  if (!shellcheck && !process.env.CI) {
    // eslint-disable-next-line no-console
    console.log('shellcheck is not installed (apt-get install shellcheck): skipping the shellcheck test');
  }

  function scriptsOfEveryVariant(): Array<[string, string]> {
    const variants: Array<[string, Partial<Imdsv2CallTracerProps>]> = [
      ['s3', {}],
      ['git', { source: Imdsv2CallTracerSource.fromGit('https://github.com/aws/aws-imds-packet-analyzer.git', COMMIT) }],
    ];
    return variants.flatMap(([variant, props]) => documents(Template.fromStack(fixture(props).stack))
      .flatMap(d => Object.entries(shellScripts(d)).map(([step, script]): [string, string] => [`${variant}-${step}`, script])));
  }

  function writeScripts(): string[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-scripts-'));
    return scriptsOfEveryVariant().map(([name, script]) => {
      const file = path.join(dir, `${name}.sh`);
      fs.writeFileSync(file, script.startsWith('#!') ? script : `#!/bin/bash\n${script}\n`);
      return file;
    });
  }

  test('bash -n accepts every script', () => {
    const files = writeScripts();
    expect(files.length).toBe(10);
    for (const file of files) {
      const result = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
      expect({ file: path.basename(file), stderr: result.stderr, status: result.status }).toEqual({ file: path.basename(file), stderr: '', status: 0 });
    }
  });

  (shellcheck || process.env.CI ? test : test.skip)('shellcheck finds nothing, at every severity', () => {
    const result = spawnSync('shellcheck', ['--severity=style', '--shell=bash', '--format=gcc', ...writeScripts()], { encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  /**
   * The install script run for real in a scratch root: paths moved under it, and stand-ins
   * for what only an instance has (BCC, systemd, IMDS). The stand-in tracer logs each IMDS
   * call in the format of the logging.conf it finds in its checkout, as the analyzer does.
   */
  function sandbox(honourLoggingConf = true) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-install-'));
    const bin = path.join(root, 'bin');
    fs.mkdirSync(bin);
    fs.mkdirSync(path.join(root, 'download'));
    fs.writeFileSync(path.join(root, 'os-release'), 'ID="amzn"\nVERSION_ID="2023"\n');
    const exe = (name: string, text: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/bash\n${text}\n`, { mode: 0o755 });
    exe('python3', '[ "$1" = "-c" ] && exit 0\nexec /usr/bin/python3 "$@"');
    exe('systemctl', `case "$1" in is-active) [ -f ${root}/active ] ;; stop) rm -f ${root}/active ;; *) exit 0 ;; esac`);
    exe('curl', [
      'case "$*" in *api/token*) echo TOKEN; exit 0 ;; esac',
      'echo i-0abc1234def567890',
      `[ -f ${root}/active ] || exit 0`,
      honourLoggingConf
        ? `fmt=$(sed -n 's/^format=//p' ${root}/opt/analyzer/logging.conf)`
        : 'fmt=\'[%(asctime)s] [%(levelname)s] %(message)s\'',
      'line=${fmt//%(asctime)s/2022-12-20T11:03:58}; line=${line//%(levelname)s/INFO}',
      `echo "\${line//%(message)s/IMDSv2 (pid:1:curl argv:curl)}" >> ${root}/imds-trace.log`,
    ].join('\n'));
    // A checkout in one top folder, zipped as GitHub's "Download ZIP" makes it.
    const checkout = path.join(root, 'src-zip', 'aws-imds-packet-analyzer-main');
    fs.mkdirSync(path.join(checkout, 'src'), { recursive: true });
    fs.writeFileSync(path.join(checkout, 'src', 'imds_snoop.py'), '');
    fs.writeFileSync(path.join(checkout, 'activate-tracer-service.sh'), `echo "$(pwd)" >> ${root}/activations; touch ${root}/active\n`);
    spawnSync('/usr/bin/python3', ['-m', 'zipfile', '-c', path.join(root, 'download', 'aws-imds-packet-analyzer.zip'), 'aws-imds-packet-analyzer-main'],
      { cwd: path.join(root, 'src-zip') });
    const install = scriptsOfEveryVariant().find(([name]) => name === 's3-InstallTracer')![1]
      .replace(/\/etc\/os-release/g, path.join(root, 'os-release'))
      .replace(/\/var\/lib\/imdsv2-call-tracer\/download/g, path.join(root, 'download'))
      .replace(/\/opt\/imdsv2-call-tracer\/aws-imds-packet-analyzer/g, path.join(root, 'opt', 'analyzer'))
      .replace(/\/var\/log\/imds\/imds-trace.log/g, path.join(root, 'imds-trace.log'))
      .replace(/sleep 5/g, 'sleep 0');
    const run = () => spawnSync('bash', ['-c', install], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    const activations = () => fs.existsSync(path.join(root, 'activations')) ? fs.readFileSync(path.join(root, 'activations'), 'utf8').trim().split('\n') : [];
    return { root, run, activations };
  }

  test('the install script installs the checkout from a zip, configures its log, activates it, checks it logs; a second run does nothing', () => {
    const { root, run, activations } = sandbox();

    const first = run();
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: '' });
    expect(first.stdout).toContain('Imdsv2CallTracer: imds_tracer_tool.service is active and logging to');
    // the analyzer's activate-tracer-service.sh, run from the installed checkout (it uses its working directory)
    expect(activations()).toEqual([path.join(root, 'opt', 'analyzer')]);
    const conf = fs.readFileSync(path.join(root, 'opt', 'analyzer', 'logging.conf'), 'utf8');
    expect(conf).toContain('format=[%(asctime)s] [%(levelname)s] [i-0abc1234def567890] %(message)s');
    expect(conf).toContain(`args=('${path.join(root, 'imds-trace.log')}','a',1048576,5,'UTF-8')`);
    expect(fs.readFileSync(path.join(root, 'opt', 'analyzer', '.imdsv2-call-tracer-source'), 'utf8').trim())
      .toBe('s3://vendor-bucket/tools/aws-imds-packet-analyzer.zip');

    const second = run();
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('s3://vendor-bucket/tools/aws-imds-packet-analyzer.zip is installed and imds_tracer_tool.service is active');
    expect(activations()).toHaveLength(1);
  });

  test('the install script fails the instance when the tracer logs nothing tagged with it (older tagged lines do not count)', () => {
    const { root, run } = sandbox(false);
    fs.writeFileSync(path.join(root, 'imds-trace.log'), `[2022-12-19T10:00:00] [INFO] [i-0abc1234def567890] ${V2_CURL}\n`);
    const result = run();
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Imdsv2CallTracer: imds_tracer_tool.service logged no call to \S+ within 2 minutes/);
  });

  test('the removal script runs the analyzer\'s deactivate script from the checkout, removes it and the agent configuration', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-remove-'));
    const installDir = path.join(root, 'opt', 'analyzer');
    fs.mkdirSync(installDir, { recursive: true });
    fs.writeFileSync(path.join(installDir, 'deactivate-tracer-service.sh'), `echo "$(pwd)" > ${root}/deactivated\n`);
    const ctl = path.join(root, 'amazon-cloudwatch-agent-ctl');
    fs.writeFileSync(ctl, `#!/bin/bash\necho "$*" > ${root}/ctl\n`, { mode: 0o755 });
    const remove = scriptsOfEveryVariant().find(([name]) => name === 's3-RemoveTracer')![1]
      .replace(/\/opt\/imdsv2-call-tracer\/aws-imds-packet-analyzer/g, installDir)
      .replace(/\/opt\/aws\/amazon-cloudwatch-agent\/bin\/amazon-cloudwatch-agent-ctl/g, ctl);

    const first = spawnSync('bash', ['-c', remove], { encoding: 'utf8' });
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: '' });
    expect(fs.readFileSync(path.join(root, 'deactivated'), 'utf8').trim()).toBe(installDir);
    expect(fs.existsSync(installDir)).toBe(false);
    expect(fs.readFileSync(path.join(root, 'ctl'), 'utf8').trim()).toMatch(/^-a remove-config -m ec2 -c ssm:TracerAgentConfiguration[0-9A-F]+ -s$/);

    const again = spawnSync('bash', ['-c', remove], { encoding: 'utf8' });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`Imdsv2CallTracer: no tracer installed in ${installDir}`);
  });

  test('the install script stops before touching anything on an OS the analyzer is not installed on', () => {
    // Run its OS dispatch for real, in a scratch root: /etc/os-release of Debian 12, no bcc module.
    const install = scriptsOfEveryVariant().find(([name]) => name === 's3-InstallTracer')![1];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracer-os-'));
    fs.writeFileSync(path.join(dir, 'os-release'), 'ID=debian\nVERSION_ID="12"\n');
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    // python3 without bcc, systemctl reporting nothing active: the script must reach install_bcc and refuse.
    fs.writeFileSync(path.join(bin, 'python3'), '#!/bin/bash\nexit 1\n', { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'systemctl'), '#!/bin/bash\nexit 3\n', { mode: 0o755 });
    const script = install.replace(/\/etc\/os-release/g, path.join(dir, 'os-release'));
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Imdsv2CallTracer: unsupported OS debian 12: aws-imds-packet-analyzer is installed here on Amazon Linux 2023, Amazon Linux 2, Ubuntu 22.04, RHEL and Fedora');
  });
});

// Sample messages in the analyzer's documented format (its README, "Logging" and "Example
// v1 call"): IMDSv1 at WARNING, IMDSv2 at INFO (token redacted by the analyzer), and an
// unclassifiable call at ERROR, which the analyzer prefixes with {MISSING PAYLOAD} and,
// having no payload to find a token in, also labels IMDSv1(!).
const V1_CURL = 'IMDSv1(!) (pid:1016:curl argv:curl http://169.254.169.254/latest/meta-data/) called by -> '
  + '(pid:1015:makeCalls.sh argv:/bin/bash ./makeCalls.sh) -> (pid:32678:zsh argv:-zsh) -> (pid:32678:sshd argv:sshd: )';
const V1_CURL_AGAIN = V1_CURL.replace('pid:1016', 'pid:1022');
const V1_DAEMON = 'IMDSv1(!) (pid:880:python3 argv:/usr/bin/python3 /opt/legacy/agent.py --poll (60s)) called by -> '
  + '(pid:1:systemd argv:/usr/lib/systemd/systemd --switched-root --system --deserialize 31) '
  + 'Req details: GET /latest/meta-data/iam/security-credentials/ HTTP/1.1, Host: 169.254.169.254';
const V1_NO_ARGV = 'IMDSv1(!) (pid:4242 Unable to get argv information)';
const V2_CURL = 'IMDSv2 (pid:1018:curl argv:curl -H X-aws-ec2-metadata-token: **token redacted** -v http://169.254.169.254/latest/meta-data/) '
  + 'called by -> (pid:1015:makeCalls.sh argv:/bin/bash ./makeCalls.sh) -> (pid:32678:zsh argv:-zsh)';
const MISSING = '{MISSING PAYLOAD} IMDSv1(!) (pid:2211:aws argv:aws s3 ls) called by -> (pid:2200:bash argv:-bash)';

describe('Imdsv2CallTracer: the metric filters and the saved query, on sample traces', () => {
  const { stack } = fixture();
  const template = Template.fromStack(stack);
  const [install] = documents(template);
  const conf = shellScripts(install).InstallTracer;
  // The format and date format the install script writes into the analyzer's logging.conf.
  const format = /^format=(.*)$/m.exec(conf)![1];
  const dateFormat = /^datefmt=(.*)$/m.exec(conf)![1];
  expect(dateFormat).toBe('%Y-%m-%dT%H:%M:%S');

  /** One line as Python's logging writes it with that logging.conf on instance `instanceId`. */
  function line(instanceId: string, level: string, message: string, time = '2022-12-20T11:03:58'): string {
    return format.replace('$instance_id', instanceId).replace('%(asctime)s', time)
      .replace('%(levelname)s', level).replace('%(message)s', message);
  }

  const filters = Object.values(template.findResources('AWS::Logs::MetricFilter')).map(f => f.Properties);
  const [imdsv1Filter, unclassifiedFilter] = filters.map(f => ({
    pattern: f.FilterPattern as string,
    dimension: f.MetricTransformations[0].Dimensions[0].Value as string,
  }));

  test('the configured line is the documented one with the instance id as third field', () => {
    expect(line('i-0abc1234def567890', 'WARNING', V1_CURL)).toBe(`[2022-12-20T11:03:58] [WARNING] [i-0abc1234def567890] ${V1_CURL}`);
  });

  test('Imdsv1Calls counts IMDSv1 lines, with the instance id as dimension, and nothing else', () => {
    const count = (message: string, level: string) => matchTextPattern(imdsv1Filter.pattern, line('i-0abc1234def567890', level, message));
    for (const v1 of [V1_CURL, V1_DAEMON, V1_NO_ARGV]) {
      const m = count(v1, 'WARNING');
      expect(m.matches).toBe(true);
      expect(m.extracted[imdsv1Filter.dimension]).toBe('i-0abc1234def567890');
    }
    expect(count(V2_CURL, 'INFO').matches).toBe(false);
    expect(count(MISSING, 'ERROR').matches).toBe(false);
    // A plain term pattern would count the unclassifiable line as IMDSv1: why the level is matched too.
    expect(matchTextPattern('"IMDSv1(!)"', line('i-0abc1234def567890', 'ERROR', MISSING)).matches).toBe(true);
    // A line without the instance field (an analyzer that ignored logging.conf) is not counted with a wrong
    // dimension: it is not counted (the install step fails instead, not finding its own calls tagged).
    expect(matchTextPattern(imdsv1Filter.pattern, `[2022-12-20T11:03:58] [WARNING] ${V1_CURL}`).matches).toBe(false);
  });

  test('UnclassifiedImdsCalls counts the {MISSING PAYLOAD} lines only', () => {
    const m = matchTextPattern(unclassifiedFilter.pattern, line('i-0abc1234def567890', 'ERROR', MISSING));
    expect(m).toEqual({ matches: true, extracted: expect.objectContaining({ [unclassifiedFilter.dimension]: 'i-0abc1234def567890' }) });
    expect(matchTextPattern(unclassifiedFilter.pattern, line('i-0abc1234def567890', 'WARNING', V1_CURL)).matches).toBe(false);
    expect(matchTextPattern(unclassifiedFilter.pattern, line('i-0abc1234def567890', 'INFO', V2_CURL)).matches).toBe(false);
  });

  test('the saved query lists IMDSv1 callers by instance, process, command line and parent chain', () => {
    const query = (Object.values(template.findResources('AWS::Logs::QueryDefinition'))[0].Properties.QueryString) as string;
    const event = (i: number, instance: string, level: string, message: string): LogEvent =>
      ({ timestamp: 1671534238000 + i * 1000, logStream: instance, message: line(instance, level, message) });
    const rows = runLogsInsightsQuery(query, [
      event(0, 'i-0aaaaaaaaaaaaaaaa', 'WARNING', V1_CURL),
      event(1, 'i-0aaaaaaaaaaaaaaaa', 'INFO', V2_CURL),
      event(2, 'i-0aaaaaaaaaaaaaaaa', 'WARNING', V1_CURL_AGAIN),
      event(3, 'i-0aaaaaaaaaaaaaaaa', 'ERROR', MISSING),
      event(4, 'i-0bbbbbbbbbbbbbbbb', 'WARNING', V1_DAEMON),
      event(5, 'i-0bbbbbbbbbbbbbbbb', 'WARNING', V1_NO_ARGV),
    ]);
    expect(rows).toEqual([
      {
        '@logStream': 'i-0aaaaaaaaaaaaaaaa',
        'process': 'curl',
        'argv': 'curl http://169.254.169.254/latest/meta-data/',
        'parents': '(pid:1015:makeCalls.sh argv:/bin/bash ./makeCalls.sh) -> (pid:32678:zsh argv:-zsh) -> (pid:32678:sshd argv:sshd: )',
        'calls': 2,
        'lastCall': 1671534240000,
      },
      {
        '@logStream': 'i-0bbbbbbbbbbbbbbbb',
        'process': 'python3',
        'argv': '/usr/bin/python3 /opt/legacy/agent.py --poll (60s)',
        'parents': '(pid:1:systemd argv:/usr/lib/systemd/systemd --switched-root --system --deserialize 31)',
        'calls': 1,
        'lastCall': 1671534242000,
      },
      // the analyzer's "Unable to get argv information" form: counted, with no process to name
      { '@logStream': 'i-0bbbbbbbbbbbbbbbb', 'calls': 1, 'lastCall': 1671534243000 },
    ]);
  });
});

describe('Imdsv2CallTracer: names checked against the AWS API models', () => {
  const { stack, tracer } = fixture();
  const role = new iam.Role(stack, 'FleetRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  tracer.grantToInstances(role);
  const template = Template.fromStack(stack);

  test('the association is a valid CreateAssociation request (@aws-sdk/client-ssm)', () => {
    const a = only(template, 'AWS::SSM::Association');
    expect(checkSdkCall({ service: 'SSM', action: 'CreateAssociation', parameters: a })).toEqual([]);
  });

  test('the documents are valid CreateDocument requests', () => {
    for (const d of documents(template)) {
      expect(checkSdkCall({ service: 'SSM', action: 'CreateDocument', parameters: { Name: 'Doc', Content: JSON.stringify(d.Content), DocumentType: d.DocumentType } })).toEqual([]);
    }
  });

  test('the metric filters and the saved query are valid PutMetricFilter / PutQueryDefinition requests (@aws-sdk/client-cloudwatch-logs)', () => {
    for (const f of Object.values(template.findResources('AWS::Logs::MetricFilter')).map(r => flattenIntrinsics(r.Properties) as any)) {
      expect(checkSdkCall({
        service: 'cloudwatch-logs',
        action: 'PutMetricFilter',
        parameters: {
          logGroupName: f.LogGroupName,
          filterName: 'f',
          filterPattern: f.FilterPattern,
          metricTransformations: f.MetricTransformations.map((t: any) => ({
            metricName: t.MetricName,
            metricNamespace: t.MetricNamespace,
            metricValue: t.MetricValue,
            dimensions: Object.fromEntries(t.Dimensions.map((d: any) => [d.Key, d.Value])),
          })),
        },
      })).toEqual([]);
    }
    const q = only(template, 'AWS::Logs::QueryDefinition');
    expect(checkSdkCall({ service: 'cloudwatch-logs', action: 'PutQueryDefinition', parameters: { name: q.Name, queryString: q.QueryString, logGroupNames: q.LogGroupNames } })).toEqual([]);
  });

  test('every IAM action granted is an operation of its service\'s API', () => {
    const statements = (flattenIntrinsics(Object.values(template.findResources('AWS::IAM::Policy'))[0].Properties) as any).PolicyDocument.Statement;
    const actions: string[] = statements.flatMap((s: any) => [s.Action].flat());
    // IAM names the S3 ListObjects(V2) operations s3:ListBucket (Service Authorization Reference, Amazon S3).
    const operationOf: Record<string, string> = { 's3:ListBucket': 'ListObjectsV2' };
    const packageOf: Record<string, string> = { s3: 's3', logs: 'cloudwatch-logs', ssm: 'ssm' };
    expect(actions.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetObject', 's3:ListBucket', 'ssm:GetParameter']);
    for (const action of actions) {
      const [prefix, name] = action.split(':');
      const { module } = clientFor(packageOf[prefix]);
      expect({ action, command: typeof module[`${operationOf[action] ?? name}Command`] }).toEqual({ action, command: 'function' });
    }
  });

  // No AWS SDK model describes what is inside an SSM document or the CloudWatch agent's
  // configuration: these names are checked against the references that define them.
  test('the document plugins and their inputs are the ones SSM documents (no SDK model has them)', () => {
    // AWS Systems Manager User Guide, "Command document plugin reference"; the SSM agent's input
    // structs (agent/plugins/*: runCommand/timeoutSeconds, sourceType/sourceInfo/destinationPath,
    // documentType/documentPath/documentParameters).
    const inputsOf: Record<string, string[]> = {
      'aws:runShellScript': ['runCommand', 'timeoutSeconds', 'workingDirectory'],
      'aws:runPowerShellScript': ['runCommand', 'timeoutSeconds', 'workingDirectory'],
      'aws:downloadContent': ['sourceType', 'sourceInfo', 'destinationPath'],
      'aws:runDocument': ['documentType', 'documentPath', 'documentParameters'],
    };
    const platforms = ['Windows', 'Linux', 'MacOS'];
    for (const d of documents(template)) {
      for (const step of d.Content.mainSteps as any[]) {
        expect(Object.keys(inputsOf)).toContain(step.action);
        expect(inputsOf[step.action]).toEqual(expect.arrayContaining(Object.keys(step.inputs)));
        expect(Object.keys(step.precondition)).toEqual(['StringEquals']);
        expect(step.precondition.StringEquals[0]).toBe('platformType');
        expect(platforms).toContain(step.precondition.StringEquals[1]);
        expect(step.name).toMatch(/^[A-Za-z0-9_.-]+$/);
      }
    }
  });

  test('the agent configuration uses only keys of the CloudWatch agent\'s logs section', () => {
    // Amazon CloudWatch User Guide, "Manually create or edit the CloudWatch agent configuration file", logs section.
    const value = JSON.parse(only(template, 'AWS::SSM::Parameter').Value);
    expect(Object.keys(value)).toEqual(['logs']);
    expect(Object.keys(value.logs)).toEqual(['logs_collected']);
    expect(Object.keys(value.logs.logs_collected)).toEqual(['files']);
    expect(Object.keys(value.logs.logs_collected.files)).toEqual(['collect_list']);
    const documented = ['file_path', 'log_group_name', 'log_stream_name', 'timestamp_format', 'timezone', 'multi_line_start_pattern',
      'encoding', 'retention_in_days', 'filters', 'log_group_class', 'auto_removal', 'publish_multi_logs'];
    for (const entry of value.logs.logs_collected.files.collect_list) expect(documented).toEqual(expect.arrayContaining(Object.keys(entry)));
  });
});
