import { ResourceAdapter, metadataOptionsCarrier, standardUse, userDataAt } from '../adapter';
import { Impact } from '../model';

/**
 * AWS::EC2::Instance. Closed through its own MetadataOptions (an update with no
 * interruption). Its own settings win over those of a launch template it names, so an
 * imported or stale template cannot leave it open; changing which template version it
 * uses replaces it.
 */
export const ec2Instance: ResourceAdapter = {
  type: 'AWS::EC2::Instance',
  properties: ['MetadataOptions', 'LaunchTemplate'],
  settings: metadataOptionsCarrier(['MetadataOptions'], Impact.NO_INTERRUPTION),
  launchTemplates: (view) => standardUse(view, ['LaunchTemplate']),
  ownSettingsWinOverTemplate: true,
  scripts: userDataAt(['UserData']),
  isContainerHost: () => false,
  versionChangeImpact: () => Impact.REPLACEMENT,
};
