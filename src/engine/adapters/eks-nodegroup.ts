import { ResourceAdapter } from '../adapter';
import { valueAt } from '../json';
import { Impact } from '../model';

/**
 * AWS::EKS::Nodegroup. Without a launch template EKS makes one that leaves IMDSv1 open;
 * adding a launch template later fails in place (the node group must be recreated), so
 * that fix is a replacement. A new template version rolls the nodes.
 */
export const eksNodegroup: ResourceAdapter = {
  type: 'AWS::EKS::Nodegroup',
  properties: ['LaunchTemplate', 'DiskSize', 'RemoteAccess'],
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
    };
  },
  isContainerHost: () => true,
  versionChangeImpact: () => Impact.REFRESH,
};
