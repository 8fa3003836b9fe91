import { LabelledUserData, ResourceAdapter, usesInArray } from '../adapter';
import { UNRESOLVED, arrayAt, isPlainObject } from '../json';
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
  // Launch specifications carry user data of their own (launch templates carry theirs).
  scripts: {
    properties: ['SpotFleetRequestConfigData'],
    location: 'SpotFleetRequestConfigData/LaunchSpecifications',
    userData: (properties) => {
      const config = properties.SpotFleetRequestConfigData;
      const specs = isPlainObject(config) ? config.LaunchSpecifications : undefined;
      const found: LabelledUserData[] = [];
      if (Array.isArray(specs)) {
        specs.forEach((s, i) => {
          if (isPlainObject(s)) found.push({ label: `LaunchSpecifications[${i}] user data`, value: s.UserData });
        });
      }
      return found;
    },
  },
  extraProblems: (view) => {
    const specs = arrayAt(view.properties, [...CONFIG, 'LaunchSpecifications']);
    if (specs === UNRESOLVED || specs.length === 0) return [];
    return [{
      problem: `${specs.length} LaunchSpecifications launch with IMDSv1 open: a launch specification has no IMDS setting`,
      remedy: 'replace LaunchSpecifications with LaunchTemplateConfigs whose launch template requires tokens',
    }];
  },
};
