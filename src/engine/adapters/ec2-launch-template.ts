import { ResourceAdapter, hasClusterTag, joinsContainerCluster, metadataOptionsCarrier, userDataAt } from '../adapter';
import { valueAt } from '../json';
import { Impact } from '../model';

/**
 * AWS::EC2::LaunchTemplate. LaunchTemplateData.MetadataOptions; an update makes a new
 * version, which re-versions every consumer that follows LatestVersionNumber.
 */
export const ec2LaunchTemplate: ResourceAdapter = {
  type: 'AWS::EC2::LaunchTemplate',
  properties: ['LaunchTemplateData', 'LaunchTemplateName', 'TagSpecifications'],
  // MetadataOptions (the settings), UserData (container hosts, the user-data rule), TagSpecifications (cluster tags)
  fieldsRead: { LaunchTemplateData: ['MetadataOptions', 'UserData', 'TagSpecifications'] },
  settings: metadataOptionsCarrier(['LaunchTemplateData', 'MetadataOptions'], Impact.NEW_VERSION),
  // Consumers name it by id or by LaunchTemplateName; a change makes a new version (the cascade).
  launchSource: { kind: 'launch-template', namePath: ['LaunchTemplateName'] },
  scripts: userDataAt(['LaunchTemplateData', 'UserData']),
  // Container hosts are mostly known from the consumers (node groups, Batch, cluster ASGs);
  // a template can also say so itself through its user data or instance tags.
  isContainerHost: (view) => {
    if (joinsContainerCluster(valueAt(view.properties, ['LaunchTemplateData', 'UserData']))) return true;
    const specs = valueAt(view.properties, ['LaunchTemplateData', 'TagSpecifications']);
    return Array.isArray(specs) && specs.some((s) => hasClusterTag(s?.Tags));
  },
  versionChangeImpact: () => Impact.NONE,
};
