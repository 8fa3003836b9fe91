import { ResourceAdapter } from './adapter';
import { appStreamFleet } from './adapters/appstream-fleet';
import { appStreamImageBuilder } from './adapters/appstream-image-builder';
import { autoScalingGroup } from './adapters/autoscaling-auto-scaling-group';
import { autoScalingLaunchConfiguration } from './adapters/autoscaling-launch-configuration';
import { batchComputeEnvironment } from './adapters/batch-compute-environment';
import { ec2Fleet } from './adapters/ec2-ec2-fleet';
import { ec2Instance } from './adapters/ec2-instance';
import { ec2LaunchTemplate } from './adapters/ec2-launch-template';
import { ec2SpotFleet } from './adapters/ec2-spot-fleet';
import { eksNodegroup } from './adapters/eks-nodegroup';
import { elasticBeanstalkConfigurationTemplate } from './adapters/elasticbeanstalk-configuration-template';
import { elasticBeanstalkEnvironment } from './adapters/elasticbeanstalk-environment';
import { imageBuilderInfrastructureConfiguration } from './adapters/imagebuilder-infrastructure-configuration';
import { sageMakerNotebookInstance } from './adapters/sagemaker-notebook-instance';

/**
 * Every IMDS-bearing CloudFormation resource type, and the adapter that reads and patches
 * it (one file each in ./adapters). A front door filters resources on this map first:
 * one lookup per resource decides whether the engine looks at it at all.
 */
export const RESOURCE_TABLE: ReadonlyMap<string, ResourceAdapter> = new Map([
  ec2Instance,
  ec2LaunchTemplate,
  autoScalingLaunchConfiguration,
  autoScalingGroup,
  eksNodegroup,
  ec2Fleet,
  ec2SpotFleet,
  batchComputeEnvironment,
  imageBuilderInfrastructureConfiguration,
  sageMakerNotebookInstance,
  appStreamFleet,
  appStreamImageBuilder,
  elasticBeanstalkEnvironment,
  elasticBeanstalkConfigurationTemplate,
].map((a) => [a.type, a]));

export function adapterFor(type: string): ResourceAdapter | undefined {
  return RESOURCE_TABLE.get(type);
}
