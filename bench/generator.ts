/**
 * Synthetic CDK apps for the benchmark: N IMDS-bearing units, rotating five kinds that
 * real apps have (see DESIGN.md "What real apps look like"), none of them IMDSv2-only as
 * written:
 *
 * 0. `ec2.Instance` (L2), no launch template, IMDSv1 left to the AMI default
 * 1. `ec2.LaunchTemplate` (L2) on its own, `httpTokens` not set
 * 2. `autoscaling.AutoScalingGroup` with its own `ec2.LaunchTemplate` (the case
 *    aws-cdk-lib's `AutoScalingGroupRequireImdsv2Aspect` throws on)
 * 3. a raw `CfnLaunchTemplate` with `HttpTokens: optional` (IMDSv1 on)
 * 4. an `eks.Nodegroup` (L2) without a launch template, on a cluster imported with
 *    `eks.Cluster.fromClusterAttributes` (a real `eks.Cluster` would add the kubectl
 *    provider, a custom resource and its Lambda functions to every stack, which is noise
 *    for what is measured here)
 *
 * Each stack imports its VPC (`Vpc.fromVpcAttributes`, no lookups) and shares one
 * instance role, one security group and one node role between its units, so that a unit
 * is the resource a user writes plus what its L2 makes on its own.
 */
import { App, AppProps, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';

/** How the units are spread over stacks. */
export type Layout = 'one-stack' | 'stacks';

/**
 * Which units the app rotates through:
 * - `fixable`: kinds 0-3 only (instances, L2 launch templates, groups on their own launch
 *   template, raw IMDSv1 launch templates), every one of which REWRITE fixes in place, so
 *   that what the variants cost beyond plain synth is our own cost, not the report of what
 *   is left open: the headline;
 * - `mixed`: all five kinds, node groups too (REWRITE leaves each node group open, as it
 *   would replace it), so the plugins report thousands of findings: aws-cdk-lib's report
 *   floor (`report-floor` variant) is measured beside it.
 */
export type AppKind = 'fixable' | 'mixed';
export const APP_KINDS: readonly AppKind[] = ['fixable', 'mixed'];

/** Units per stack in the `stacks` layout (about 250 CloudFormation resources a stack). */
export const UNITS_PER_STACK = 100;

export const KINDS = ['Instance', 'LaunchTemplate', 'AutoScalingGroup', 'CfnLaunchTemplateV1', 'EksNodegroup'] as const;

const ENV = { account: '123456789012', region: 'us-east-1' };
const AMI = ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-0123456789abcdef0' });
const INSTANCE_TYPE = new ec2.InstanceType('t3.micro');

/** The number of stacks `layout` spreads `n` units over. */
export function stackCount(n: number, layout: Layout): number {
  return layout === 'one-stack' ? 1 : Math.max(2, Math.ceil(n / UNITS_PER_STACK));
}

/** Set (to anything) for apps made as `cdk synth` makes them, with `aws:cdk:path` metadata. */
export const PATH_METADATA_ENV = 'CDK_IMDSV2_BENCH_PATH_METADATA';

/** Set (to anything) for a warm process: each worker synthesizes the same app once, untimed, before the timed one. */
export const WARM_ENV = 'CDK_IMDSV2_BENCH_WARM';

/**
 * A new App, with what every variant shares: no built-in CloudFormation validation, no
 * 500-resource limit per stack (N = 6,000 in one stack is the point), no version reporting.
 */
export function newApp(outdir: string): App {
  const props: AppProps & { readonly builtinCloudFormationValidation?: boolean } = {
    outdir,
    // aws-cdk-lib >= 2.262 runs a "CloudFormation Validate" plugin on every synth; off for
    // every variant. (2.257, our pinned minimum, does not have it: the prop is then ignored.)
    builtinCloudFormationValidation: false,
    analyticsReporting: false,
    context: {
      '@aws-cdk/core:stackResourceLimit': '0',
      // `npm run bench -- --path-metadata`: what the CDK CLI sets by default
      ...(process.env[PATH_METADATA_ENV] ? { 'aws:cdk:enable-path-metadata': true } : {}),
    },
  };
  return new App(props);
}

/** Add `n` units to `app`, spread over stacks by `layout`. Returns the stacks. */
export function generate(app: App, n: number, layout: Layout, kind: AppKind = 'mixed'): Stack[] {
  const count = stackCount(n, layout);
  const stacks: Stack[] = [];
  let made = 0;
  for (let s = 0; s < count; s++) {
    const units = Math.floor(n / count) + (s < n % count ? 1 : 0);
    stacks.push(fillStack(new Stack(app, `Bench${s}`, { env: ENV }), made, units, kind === 'fixable' ? KINDS.length - 1 : KINDS.length));
    made += units;
  }
  return stacks;
}

/** `kinds`: how many of KINDS to rotate through (4 leaves the node groups out). */
function fillStack(stack: Stack, first: number, units: number, kinds: number): Stack {
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    publicSubnetIds: ['subnet-0000000000000000a', 'subnet-0000000000000000b'],
    privateSubnetIds: ['subnet-0000000000000000c', 'subnet-0000000000000000d'],
  });
  const securityGroup = new ec2.SecurityGroup(stack, 'Sg', { vpc });
  const role = new iam.Role(stack, 'InstanceRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  const withNodegroups = kinds === KINDS.length;
  const nodeRole = withNodegroups ? new iam.Role(stack, 'NodeRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') }) : undefined;
  const cluster = withNodegroups ? eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'bench', vpc }) : undefined;
  for (let i = first; i < first + units; i++) {
    const id = `U${i}`;
    switch (i % kinds) {
      case 0:
        new ec2.Instance(stack, id, { vpc, securityGroup, role, machineImage: AMI, instanceType: INSTANCE_TYPE });
        break;
      case 1:
        new ec2.LaunchTemplate(stack, id, { machineImage: AMI, instanceType: INSTANCE_TYPE });
        break;
      case 2: {
        const launchTemplate = new ec2.LaunchTemplate(stack, `${id}Lt`, {
          machineImage: AMI, instanceType: INSTANCE_TYPE, securityGroup, role,
        });
        new autoscaling.AutoScalingGroup(stack, id, { vpc, launchTemplate, minCapacity: 1, maxCapacity: 2 });
        break;
      }
      case 3:
        new ec2.CfnLaunchTemplate(stack, id, {
          launchTemplateData: {
            imageId: 'ami-0123456789abcdef0',
            instanceType: 't3.micro',
            metadataOptions: { httpTokens: 'optional', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1 },
          },
        });
        break;
      default:
        new eks.Nodegroup(stack, id, { cluster: cluster!, nodeRole: nodeRole!, minSize: 1, maxSize: 2 });
    }
  }
  return stack;
}
