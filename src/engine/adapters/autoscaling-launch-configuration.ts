import { ResourceAdapter, joinsContainerCluster, metadataOptionsCarrier, namedBy, userDataAt } from '../adapter';
import { valueAt } from '../json';
import { Impact } from '../model';

/**
 * AWS::AutoScaling::LaunchConfiguration. Any change replaces the launch configuration,
 * which is harmless: the group moves to the new one, and its running instances keep
 * their old settings until they are refreshed. Unless it has a LaunchConfigurationName:
 * CloudFormation cannot replace a resource with a custom name, so the deploy would fail.
 */
export const autoScalingLaunchConfiguration: ResourceAdapter = {
  type: 'AWS::AutoScaling::LaunchConfiguration',
  properties: ['MetadataOptions', 'UserData', 'LaunchConfigurationName'],
  settings: { ...metadataOptionsCarrier(['MetadataOptions'], Impact.REFRESH), replacesResource: true },
  // Groups name it through LaunchConfigurationName (their launchConfigurationPath).
  launchSource: { kind: 'launch-configuration' },
  scripts: userDataAt(['UserData']),
  customName: namedBy('LaunchConfigurationName',
    'remove LaunchConfigurationName (CloudFormation then names the launch configuration and can replace it), or move the group to a launch template'),
  isContainerHost: (view) => joinsContainerCluster(valueAt(view.properties, ['UserData'])),
  versionChangeImpact: () => Impact.NONE,
};
