import { ResourceAdapter, joinsContainerCluster, metadataOptionsCarrier } from '../adapter';
import { valueAt } from '../json';
import { Impact } from '../model';

/**
 * AWS::AutoScaling::LaunchConfiguration. Any change replaces the launch configuration,
 * which is harmless: the group moves to the new one, and its running instances keep
 * their old settings until they are refreshed.
 */
export const autoScalingLaunchConfiguration: ResourceAdapter = {
  type: 'AWS::AutoScaling::LaunchConfiguration',
  properties: ['MetadataOptions', 'UserData'],
  settings: metadataOptionsCarrier(['MetadataOptions'], Impact.REFRESH),
  isContainerHost: (view) => joinsContainerCluster(valueAt(view.properties, ['UserData'])),
  versionChangeImpact: () => Impact.NONE,
};
