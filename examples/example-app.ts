import * as path from 'path';
import { App, Stack, StackProps } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as include from 'aws-cdk-lib/cloudformation-include';
import { Construct } from 'constructs';

/**
 * A realistic app as teams write it, with no thought of IMDS: a VPC, instances, a launch
 * template, an Auto Scaling group on its own launch template, an EKS cluster with a
 * managed node group, and a legacy CloudFormation template pulled in with CfnInclude.
 */
export class ExampleStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const machineImage = ec2.MachineImage.latestAmazonLinux2023();

    new ec2.BastionHostLinux(this, 'Bastion', { vpc });

    new ec2.Instance(this, 'AppServer', {
      vpc,
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.SMALL),
      machineImage,
    });

    // A second server whose metadata options were tuned by hand through an escape hatch.
    const reporting = new ec2.Instance(this, 'ReportingServer', {
      vpc,
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.SMALL),
      machineImage,
    });
    (reporting.node.defaultChild as ec2.CfnInstance).addPropertyOverride('MetadataOptions.HttpPutResponseHopLimit', 4);

    const workerTemplate = new ec2.LaunchTemplate(this, 'WorkerTemplate', {
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.C6I, ec2.InstanceSize.LARGE),
      machineImage,
    });
    new autoscaling.AutoScalingGroup(this, 'Workers', {
      vpc,
      launchTemplate: workerTemplate,
      minCapacity: 1,
      maxCapacity: 4,
    });

    const cluster = new eks.Cluster(this, 'Cluster', {
      vpc,
      version: eks.KubernetesVersion.V1_32,
      defaultCapacityType: eks.DefaultCapacityType.EC2,
      defaultCapacity: 0,
    });
    cluster.addNodegroupCapacity('Apps', {
      instanceTypes: [new ec2.InstanceType('m6i.large')],
      minSize: 2,
    });

    new include.CfnInclude(this, 'LegacyFleet', {
      templateFile: path.join(__dirname, 'legacy-fleet.json'),
    });
  }
}

/** The example app: one stack, no AWS account needed to synthesize it. */
export function buildExampleApp(outdir?: string): App {
  const app = new App({ outdir });
  new ExampleStack(app, 'ExampleStack', { env: { account: '111111111111', region: 'eu-west-1' } });
  return app;
}
