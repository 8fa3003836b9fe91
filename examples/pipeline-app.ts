import { App, Stack, StackProps, Stage, StageProps } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import { Imdsv2Aspect } from '../src';

/** What each stage deploys: a web tier on a launch template and a bastion. */
class WebStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const machineImage = ec2.MachineImage.latestAmazonLinux2023();
    new autoscaling.AutoScalingGroup(this, 'Web', {
      vpc,
      launchTemplate: new ec2.LaunchTemplate(this, 'WebTemplate', {
        instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.SMALL),
        machineImage,
      }),
      maxCapacity: 4,
    });
    new ec2.BastionHostLinux(this, 'Bastion', { vpc });
  }
}

/** One deployment environment, as CDK Pipelines deploys it: a Stage with the app's stacks. */
class WebStage extends Stage {
  constructor(scope: Construct, id: string, props?: StageProps) {
    super(scope, id, props);
    new WebStack(this, 'Web');
    // CDK Pipelines synthesizes a stage as soon as it is added to the pipeline: the
    // aspect must be on the stage by then, so the stage applies it to itself.
    Imdsv2Aspect.applyTo(this);
  }
}

/** The pipeline stack, with a beta and a prod stage (prod's stage nested in a wave). */
class PipelineStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const pipeline = new pipelines.CodePipeline(this, 'Pipeline', {
      synth: new pipelines.ShellStep('Synth', {
        input: pipelines.CodePipelineSource.gitHub('example-org/web-app', 'main'),
        commands: ['npm ci', 'npx cdk synth'],
      }),
    });
    const env = { account: '111111111111', region: 'eu-west-1' };
    pipeline.addStage(new WebStage(this, 'Beta', { env }));
    pipeline.addWave('Production').addStage(new WebStage(this, 'Prod', { env }));
  }
}

/**
 * Builds the app with the aspect applied the way this library asks for: each stage applies
 * it to itself (before `addStage`), and `Imdsv2Aspect.applyTo(app)` covers the rest of the
 * App; it fails synthesis if a stage was missed.
 */
export function buildPipelineApp(outdir?: string): { app: App; aspect: Imdsv2Aspect } {
  const app = new App({ outdir });
  new PipelineStack(app, 'PipelineStack', { env: { account: '111111111111', region: 'eu-west-1' } });
  const aspect = Imdsv2Aspect.applyTo(app);
  return { app, aspect };
}

if (require.main === module) {
  const { app, aspect } = buildPipelineApp();
  const assembly = app.synth();
  for (const e of aspect.entries) console.log(`${e.path.padEnd(60)} ${e.before.padEnd(28)} ${e.action}`);
  console.log(`Cloud assembly: ${assembly.directory}`);
}
