import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// Which aws-cdk-lib the suite runs against: the lock file's (our declared minimum) under
// `npm test`, the newest the registry serves under build-tools/test-newest-cdk.sh. A wrong
// mapping would otherwise pass silently by testing the old version twice.

const ROOT = path.resolve(__dirname, '..');
/* eslint-disable @typescript-eslint/no-require-imports */
const loaded = {
  'aws-cdk-lib': require('aws-cdk-lib/package.json').version as string,
  'cdk-nag': require('cdk-nag/package.json').version as string,
  'constructs': require('constructs/package.json').version as string,
};
/* eslint-enable @typescript-eslint/no-require-imports */

function versionIn(dir: string, name: string): string {
  return JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
}

describe('the aws-cdk-lib under test', () => {
  const scratch = process.env.CDK_IMDSV2_EXPECT_NEWEST_CDK;

  test('is the one this run is meant to test', () => {
    // eslint-disable-next-line no-console
    console.log(`testing against aws-cdk-lib ${loaded['aws-cdk-lib']}, cdk-nag ${loaded['cdk-nag']}, constructs ${loaded.constructs}`);
    const dir = scratch ? path.resolve(ROOT, scratch) : ROOT;
    for (const name of Object.keys(loaded) as (keyof typeof loaded)[]) {
      expect({ name, version: loaded[name] }).toEqual({ name, version: versionIn(dir, name) });
    }
    if (!scratch) {
      // The lock file pins the declared minimum (see .projenrc.ts CDK_VERSION).
      const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
      expect(loaded['aws-cdk-lib']).toBe(lock.packages['node_modules/aws-cdk-lib'].version);
    }
  });

  test('resolves aws-cdk-lib and cdk-nag from the same node_modules (the lock file one, or the scratch install)', () => {
    const expected = scratch ? path.resolve(ROOT, scratch, 'node_modules') : path.join(ROOT, 'node_modules');
    expect(path.dirname(path.dirname(require.resolve('aws-cdk-lib')))).toBe(expected);
    expect(require.resolve('cdk-nag').startsWith(path.join(expected, 'cdk-nag'))).toBe(true);
  });
});

// aws-cdk-lib >= 2.262 checks every template against the CloudFormation schemas on synth.
// The newest-cdk run turns that off (CDK_VALIDATION=false: it costs a second per test file
// and prints a warning per hard-coded AMI), except here: what the aspect writes must pass it.
const [major, minor] = loaded['aws-cdk-lib'].split('.').map(Number);
const hasBuiltinValidation = major > 2 || (major === 2 && minor >= 262);

(hasBuiltinValidation ? test : test.skip)('what Imdsv2Aspect writes adds no finding of aws-cdk-lib\'s built-in CloudFormation validation', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { App, Stack } = require('aws-cdk-lib');
  const ec2 = require('aws-cdk-lib/aws-ec2');
  const autoscaling = require('aws-cdk-lib/aws-autoscaling');
  const { Imdsv2Aspect } = require('../src');
  const { pluginReport } = require('./validation-report');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const saved = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'true';
  try {
    const findings = (withAspect: boolean): string[] => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'imdsv2-cfn-validate-'));
      const app = new App({ outdir });
      const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
      const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
      new ec2.Instance(stack, 'Box', { vpc, instanceType: new ec2.InstanceType('t3.micro'), machineImage: ec2.MachineImage.latestAmazonLinux2023() });
      new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 5 } } });
      // 'ami-1' is not an image id: a finding the validation always reports, so it is seen to run.
      new ec2.CfnInstance(stack, 'Raw', { imageId: 'ami-1', metadataOptions: { httpTokens: 'optional' } });
      new autoscaling.AutoScalingGroup(stack, 'Asg', {
        vpc, instanceType: new ec2.InstanceType('t3.micro'), machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      });
      if (withAspect) Imdsv2Aspect.applyTo(app);
      app.synth();
      const report = pluginReport(outdir, 'CloudFormation Validate');
      return report.violations.map((v: { ruleName: string; constructPath?: string }) => `${v.ruleName} ${v.constructPath}`).sort();
    };
    const without = findings(false);
    expect(without).toContain('E1152 S/Raw');
    expect(findings(true)).toEqual(without);
  } finally {
    if (saved === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = saved;
  }
});
