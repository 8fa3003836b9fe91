import { ResourceAdapter, namedBy } from '../adapter';
import { valueAt } from '../json';
import { Impact } from '../model';

/**
 * AWS::EKS::Nodegroup. Without a launch template EKS makes one that leaves IMDSv1 open;
 * adding a launch template later fails in place (the node group must be recreated), so
 * that fix is a replacement. A new template version rolls the nodes.
 */
export const eksNodegroup: ResourceAdapter = {
  type: 'AWS::EKS::Nodegroup',
  properties: ['LaunchTemplate', 'DiskSize', 'RemoteAccess', 'NodegroupName'],
  launchTemplates: (view) => {
    const spec = valueAt(view.properties, ['LaunchTemplate']);
    if (spec === undefined || spec === null) return [];
    return [{ specPath: ['LaunchTemplate'], idKey: 'Id', nameKey: 'Name', versionKey: 'Version' }];
  },
  withoutLaunchTemplate: (view) => {
    const conflicts = ['DiskSize', 'RemoteAccess'].filter((p) => valueAt(view.properties, [p]) !== undefined);
    return {
      specPath: ['LaunchTemplate'],
      idKey: 'Id',
      versionKey: 'Version',
      impact: Impact.REPLACEMENT,
      blocker: conflicts.length > 0
        ? `${conflicts.join(' and ')} cannot be combined with a launch template: move ${conflicts.length > 1 ? 'them' : 'it'} into one`
        : undefined,
      serviceDefault: 'EKS creates a launch template that leaves IMDSv1 open',
      replacedHow: 'cannot be done in place: the node group must be recreated',
      // EKS cannot add a launch template to a node group in place: a new logical id
      // makes CloudFormation create the new group before it deletes the old one.
      needsNewLogicalId: true,
    };
  },
  isContainerHost: () => true,
  versionChangeImpact: () => Impact.REFRESH,
  // Recreating a named node group (even under a new logical id) makes CloudFormation create
  // the new group, with the same name, before deleting the old one: EKS refuses the name.
  // Dropping or changing the name is not done for the user either: kubectl contexts, the
  // cluster autoscaler and IAM policies may refer to it. So it is reported, never applied.
  customName: namedBy('NodegroupName',
    'create a node group with a launch template that requires tokens under another name (e.g. an Imdsv2EksNodegroup), move the workloads, then delete this one; or remove NodegroupName and set allowReplacement: true'),
};
