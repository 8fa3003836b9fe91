import { ResourceAdapter, joinsContainerCluster, metadataOptionsCarrier, standardUse, userDataAt } from '../adapter';
import { valueAt } from '../json';
import { Impact } from '../model';

/**
 * AWS::EC2::Instance. Closed through its own MetadataOptions (an update with no
 * interruption). Its own settings win over those of a launch template it names, so an
 * imported or stale template cannot leave it open; changing which template version it
 * uses replaces it.
 */
export const ec2Instance: ResourceAdapter = {
  type: 'AWS::EC2::Instance',
  // UserData: an instance that joins an ECS cluster is a container host (it is rendered for the user-data rule anyway).
  properties: ['MetadataOptions', 'LaunchTemplate', 'UserData'],
  settings: metadataOptionsCarrier(['MetadataOptions'], Impact.NO_INTERRUPTION),
  launchTemplates: (view) => standardUse(view, ['LaunchTemplate']),
  ownSettingsWinOverTemplate: true,
  scripts: userDataAt(['UserData']),
  isContainerHost: (view) => joinsContainerCluster(valueAt(view.properties, ['UserData'])),
  versionChangeImpact: () => Impact.REPLACEMENT,
};
