import { ResourceAdapter, TypeProblem, usesInArray } from '../adapter';
import { UNRESOLVED, arrayAt, stringAt } from '../json';
import { Impact } from '../model';

/**
 * AWS::EC2::EC2Fleet. LaunchTemplateConfigs[].LaunchTemplateSpecification, and
 * Overrides[].MetadataOptions that can re-open IMDSv1 per override. Any change to
 * LaunchTemplateConfigs, a new version included, replaces the fleet.
 */
export const ec2Fleet: ResourceAdapter = {
  type: 'AWS::EC2::EC2Fleet',
  properties: ['LaunchTemplateConfigs'],
  launchTemplates: (view) => usesInArray(view, ['LaunchTemplateConfigs'], 'LaunchTemplateSpecification'),
  isContainerHost: () => false,
  versionChangeImpact: () => Impact.REPLACEMENT,
  extraProblems: (view) => {
    const problems: TypeProblem[] = [];
    const configs = arrayAt(view.properties, ['LaunchTemplateConfigs']);
    if (configs === UNRESOLVED) return problems;
    configs.forEach((_, i) => {
      const overrides = arrayAt(view.properties, ['LaunchTemplateConfigs', String(i), 'Overrides']);
      if (overrides === UNRESOLVED) return;
      overrides.forEach((__, j) => {
        const tokens = stringAt(view.properties, ['LaunchTemplateConfigs', String(i), 'Overrides', String(j), 'MetadataOptions', 'HttpTokens']);
        if (tokens === 'optional') {
          problems.push({
            problem: `LaunchTemplateConfigs[${i}].Overrides[${j}].MetadataOptions.HttpTokens is 'optional', which re-opens IMDSv1 for that override`,
            remedy: "set it to 'required' (changing LaunchTemplateConfigs replaces the fleet)",
          });
        }
      });
    });
    return problems;
  },
};
