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
import { eksHelmChart } from './adapters/eks-helm-chart';
import { eksKubernetesManifest } from './adapters/eks-kubernetes-manifest';
import { eksKubernetesPatch } from './adapters/eks-kubernetes-patch';
import { eksNodegroup } from './adapters/eks-nodegroup';
import { elasticBeanstalkConfigurationTemplate } from './adapters/elasticbeanstalk-configuration-template';
import { elasticBeanstalkEnvironment } from './adapters/elasticbeanstalk-environment';
import { emrCluster } from './adapters/emr-cluster';
import { emrSecurityConfiguration } from './adapters/emr-security-configuration';
import { imageBuilderInfrastructureConfiguration } from './adapters/imagebuilder-infrastructure-configuration';
import { sageMakerNotebookInstance } from './adapters/sagemaker-notebook-instance';

/**
 * Every IMDS-bearing CloudFormation resource type, and the adapter that reads and patches
 * it (one file each in ./adapters). A front door filters resources on this map first:
 * one lookup per resource decides whether the engine looks at it at all.
 */
const TABLE = new Map<string, ResourceAdapter>([
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
  eksKubernetesManifest,
  eksKubernetesPatch,
  eksHelmChart,
  emrSecurityConfiguration,
  emrCluster,
].map((a) => [a.type, a]));

export const RESOURCE_TABLE: ReadonlyMap<string, ResourceAdapter> = TABLE;

export function adapterFor(type: string): ResourceAdapter | undefined {
  return RESOURCE_TABLE.get(type);
}

/**
 * Runs `fn` with `adapters` in the table, each as one more row, then takes them out again
 * (also when `fn` throws or its promise rejects). For tests only: it proves that a new
 * resource type is one adapter and one row (test/engine/toy-adapter.test.ts). Not part of
 * the package's API (src/index.ts does not export the engine), and it refuses to replace
 * a real row, so a test cannot change what a shipped type does.
 *
 * @internal
 */
export function withAdaptersForTest<T>(adapters: readonly ResourceAdapter[], fn: () => T): T {
  for (const a of adapters) {
    if (TABLE.has(a.type)) throw new Error(`${a.type} is in the resource table already`);
  }
  for (const a of adapters) TABLE.set(a.type, a);
  const restore = () => adapters.forEach((a) => TABLE.delete(a.type));
  let result: T;
  try {
    result = fn();
  } catch (e) {
    restore();
    throw e;
  }
  if (result instanceof Promise) return result.finally(restore) as unknown as T;
  restore();
  return result;
}
