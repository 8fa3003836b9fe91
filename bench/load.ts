/**
 * What loading cdk-imdsv2 costs an EC2 app: CPU time of a fresh `node` process that loads
 * what an EC2 app loads anyway (aws-cdk-lib, and touches the App, Stack, EC2, Auto Scaling
 * and EKS classes it would use), against the same plus `require('cdk-imdsv2')` and touching
 * `Imdsv2Aspect`, as users load it: the compiled package (lib/, its index made lazy by
 * build-tools/lazy-index.js). Also which heavy modules each loads (cdk-nag, the guardrails'
 * aws-cdk-lib modules).
 *
 *   load.ts <app|aspect|checks> <result.json>     (one process: bench/run.ts starts it)
 *
 * CPU time is `process.cpuUsage()` from the first line of this script to the end (Node's
 * own start-up, the same for both, is left out).
 */
import * as fs from 'fs';
import * as path from 'path';

/** What a load process does: the EC2 app alone, plus the aspect, plus Imdsv2Checks (cdk-nag). */
export type LoadMode = 'app' | 'aspect' | 'checks';
export const LOAD_MODES: readonly LoadMode[] = ['app', 'aspect', 'checks'];

export interface LoadResult {
  readonly mode: LoadMode;
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly cdkNagLoaded: boolean;
  /** aws-cdk-lib modules only the guardrails use, loaded by the process. */
  readonly guardrailModules: string[];
  readonly modulesLoaded: number;
}

/** aws-cdk-lib modules that only our guardrails need: none should load for the aspect. */
const GUARDRAIL_MODULES = ['custom-resources', 'aws-lambda', 'aws-config', 'aws-organizations', 'aws-cloudwatch'];

function main(): void {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const [mode, out] = process.argv.slice(2) as [LoadMode, string];
  const root = process.env.CDK_IMDSV2_BENCH_ROOT ?? path.resolve(__dirname, '..', '..', '..');
  /* eslint-disable @typescript-eslint/no-require-imports */
  // What an EC2 app loads and touches anyway (aws-cdk-lib's own modules are lazy: touching counts).
  const cdk = require('aws-cdk-lib');
  const ec2 = require('aws-cdk-lib/aws-ec2');
  const autoscaling = require('aws-cdk-lib/aws-autoscaling');
  const eks = require('aws-cdk-lib/aws-eks');
  const iam = require('aws-cdk-lib/aws-iam');
  const touched = [cdk.App, cdk.Stack, cdk.CfnResource, cdk.Aspects, cdk.Annotations, cdk.Tags, ec2.Instance, ec2.LaunchTemplate,
    ec2.CfnLaunchTemplate, ec2.Vpc, ec2.SecurityGroup, ec2.MachineImage, autoscaling.AutoScalingGroup, eks.Nodegroup, eks.Cluster, iam.Role];
  if (touched.some((t) => t === undefined)) throw new Error('bench: an aws-cdk-lib class is missing');
  if (mode !== 'app') {
    const ours = require(path.join(root, 'lib', 'index.js'));
    if (ours.Imdsv2Aspect === undefined || ours.EnforcementMode === undefined) throw new Error('bench: no Imdsv2Aspect in lib/');
    if (mode === 'checks' && ours.Imdsv2Checks === undefined) throw new Error('bench: no Imdsv2Checks in lib/');
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
  const cpu = process.cpuUsage(cpu0);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const loaded = Object.keys(require.cache);
  const result: LoadResult = {
    mode,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs,
    cdkNagLoaded: loaded.some((f) => f.includes(`${path.sep}node_modules${path.sep}cdk-nag${path.sep}`)),
    guardrailModules: GUARDRAIL_MODULES.filter((m) => loaded.some((f) => f.includes(`${path.sep}aws-cdk-lib${path.sep}${m}${path.sep}`))),
    modulesLoaded: loaded.length,
  };
  fs.writeFileSync(out, JSON.stringify(result));
}

if (require.main === module) main();
