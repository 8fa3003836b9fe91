import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';

export const ENV = { account: '111111111111', region: 'eu-west-1' };

/** A stack with a small VPC (public and private subnets, one NAT gateway). */
export function stackWithVpc(): { stack: Stack; vpc: ec2.Vpc } {
  const stack = new Stack(new App(), 'Stack', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    ],
  });
  return { stack, vpc };
}

/** An imported aws-eks cluster: enough for `new Nodegroup`, and fast. */
export function importedEksCluster(stack: Stack, vpc: ec2.IVpc): eks.ICluster {
  return eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'prod', vpc });
}

/** An imported aws-eks-v2 cluster. */
export function importedEksV2Cluster(stack: Stack, vpc: ec2.IVpc): eksv2.ICluster {
  return eksv2.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'prod', vpc });
}

/**
 * A real aws-eks cluster, for `cluster.addNodegroupCapacity`. aws-eks needs a kubectl
 * layer in 2.257; a layer stub from an S3 object is enough to synthesize.
 */
export function eksCluster(stack: Stack, vpc: ec2.IVpc): eks.Cluster {
  const kubectlLayer = new lambda.LayerVersion(stack, 'KubectlLayer', {
    code: lambda.Code.fromBucket(s3.Bucket.fromBucketName(stack, 'LayerBucket', 'layers'), 'kubectl.zip', 'v1'),
  });
  return new eks.Cluster(stack, 'Cluster', {
    vpc,
    version: eks.KubernetesVersion.V1_33,
    defaultCapacity: 0,
    kubectlLayer,
  });
}

/** A real aws-eks-v2 cluster with no default capacity. */
export function eksV2Cluster(stack: Stack, vpc: ec2.IVpc): eksv2.Cluster {
  return new eksv2.Cluster(stack, 'Cluster', {
    vpc,
    version: eksv2.KubernetesVersion.V1_33,
    defaultCapacityType: eksv2.DefaultCapacityType.NODEGROUP,
    defaultCapacity: 0,
  });
}
