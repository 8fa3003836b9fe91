import { ResourceAdapter, namedBy, standardUse } from '../adapter';
import { stringAt, valueAt } from '../json';
import { Impact, ResourceView } from '../model';

// Batch updates the infrastructure of a managed compute environment in place only with
// these allocation strategies; with the others a change to ComputeResources replaces it.
const UPDATABLE = new Set(['BEST_FIT_PROGRESSIVE', 'SPOT_CAPACITY_OPTIMIZED', 'SPOT_PRICE_CAPACITY_OPTIMIZED']);

function runsEc2(view: ResourceView): boolean {
  const type = stringAt(view.properties, ['ComputeResources', 'Type']);
  return valueAt(view.properties, ['ComputeResources']) !== undefined && type !== 'FARGATE' && type !== 'FARGATE_SPOT';
}

function changeImpact(view: ResourceView): Impact {
  const strategy = stringAt(view.properties, ['ComputeResources', 'AllocationStrategy']);
  return typeof strategy === 'string' && UPDATABLE.has(strategy) ? Impact.REFRESH : Impact.REPLACEMENT;
}

/**
 * AWS::Batch::ComputeEnvironment (managed, EC2 or Spot). ComputeResources.LaunchTemplate;
 * without one Batch launches ECS hosts with IMDSv1 open. Fargate and unmanaged
 * environments run no instance of ours and are not IMDS-bearing.
 */
export const batchComputeEnvironment: ResourceAdapter = {
  type: 'AWS::Batch::ComputeEnvironment',
  properties: ['Type', 'ComputeResources', 'ComputeEnvironmentName'],
  launchTemplates: (view) => runsEc2(view) ? standardUse(view, ['ComputeResources', 'LaunchTemplate']) : [],
  withoutLaunchTemplate: (view) => runsEc2(view) ? {
    specPath: ['ComputeResources', 'LaunchTemplate'],
    idKey: 'LaunchTemplateId',
    versionKey: 'Version',
    impact: changeImpact(view),
    serviceDefault: 'Batch launches its hosts with IMDSv1 open',
  } : undefined,
  isContainerHost: () => true,
  versionChangeImpact: changeImpact,
  // Only matters where a change replaces it (allocation strategies Batch cannot update in place).
  customName: namedBy('ComputeEnvironmentName',
    'remove ComputeEnvironmentName (CloudFormation then names it and can replace it), or use an allocation strategy Batch updates in place (BEST_FIT_PROGRESSIVE, SPOT_CAPACITY_OPTIMIZED, SPOT_PRICE_CAPACITY_OPTIMIZED)'),
};
