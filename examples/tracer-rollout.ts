import { App, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { EnforcementMode, Imdsv2Alarms, Imdsv2Aspect, Imdsv2CallTracer, Imdsv2CallTracerSource } from '../src';

/** Properties of `TracerRolloutStack`. */
export interface TracerRolloutStackProps extends StackProps {
  /** A checkout of aws-imds-packet-analyzer on the machine that synthesizes (uploaded as an S3 asset). */
  readonly analyzerCheckout: string;
}

/**
 * Stage 1 of a rollout on a legacy fleet that still may call IMDSv1: nothing is enforced
 * yet (the aspect only reports), the fleet's instances are tagged for the tracer, which
 * finds the processes that call IMDSv1, and the alarms' dashboard shows them.
 */
export class TracerRolloutStack extends Stack {
  constructor(scope: Construct, id: string, props: TracerRolloutStackProps) {
    super(scope, id, props);

    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const role = new iam.Role(this, 'FleetRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      // The instances must be SSM managed nodes for State Manager to reach them.
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    const fleet = new autoscaling.AutoScalingGroup(this, 'LegacyFleet', {
      vpc,
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MEDIUM),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      role,
      minCapacity: 2,
      maxCapacity: 6,
    });
    // The tracer's default target: every instance with imdsv2-trace=true, new ones included.
    Tags.of(fleet).add('imdsv2-trace', 'true', { applyToLaunchedInstances: true });

    const analyzer = new s3assets.Asset(this, 'Analyzer', { path: props.analyzerCheckout });
    const tracer = new Imdsv2CallTracer(this, 'Tracer', {
      source: Imdsv2CallTracerSource.fromAsset(analyzer),
    });
    tracer.grantToInstances(role);

    const alarms = new Imdsv2Alarms(this, 'ImdsAlarms', { autoScalingGroups: [fleet] });
    alarms.addTracerWidgets(tracer);
  }
}

/**
 * The tracer rollout app: one stack, the aspect in REPORT mode (the fleet is not closed
 * before its IMDSv1 callers are known).
 *
 * @param analyzerCheckout a checkout of aws-imds-packet-analyzer
 */
export function buildTracerRolloutApp(analyzerCheckout: string, outdir?: string): App {
  const app = new App({ outdir });
  new TracerRolloutStack(app, 'TracerRollout', { env: { account: '111111111111', region: 'eu-west-1' }, analyzerCheckout });
  Imdsv2Aspect.applyTo(app, { mode: EnforcementMode.REPORT });
  return app;
}

if (require.main === module) {
  const checkout = process.env.ANALYZER_CHECKOUT;
  if (checkout === undefined) {
    throw new Error('set ANALYZER_CHECKOUT to a checkout of https://github.com/aws/aws-imds-packet-analyzer');
  }
  buildTracerRolloutApp(checkout).synth();
}
