import { ResourceAdapter, usesInArray } from '../adapter';
import { UNRESOLVED, arrayAt } from '../json';
import { Impact } from '../model';

const CONFIG = ['SpotFleetRequestConfigData'];

/**
 * AWS::EC2::SpotFleet. Only LaunchTemplateConfigs carry IMDS settings (through the
 * template); LaunchSpecifications have no IMDS field, so a fleet that uses them stays
 * open until it moves to a launch template.
 */
export const ec2SpotFleet: ResourceAdapter = {
  type: 'AWS::EC2::SpotFleet',
  properties: ['SpotFleetRequestConfigData'],
  launchTemplates: (view) => usesInArray(view, [...CONFIG, 'LaunchTemplateConfigs'], 'LaunchTemplateSpecification'),
  isContainerHost: () => false,
  versionChangeImpact: () => Impact.REFRESH,
  extraProblems: (view) => {
    const specs = arrayAt(view.properties, [...CONFIG, 'LaunchSpecifications']);
    if (specs === UNRESOLVED || specs.length === 0) return [];
    return [{
      problem: `${specs.length} LaunchSpecifications launch with IMDSv1 open: a launch specification has no IMDS setting`,
      remedy: 'replace LaunchSpecifications with LaunchTemplateConfigs whose launch template requires tokens',
    }];
  },
};
