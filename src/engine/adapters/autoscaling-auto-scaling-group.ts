import { LaunchTemplateUse, ResourceAdapter, hasClusterTag, standardUse } from '../adapter';
import { UNRESOLVED, Unresolved, arrayAt, valueAt } from '../json';
import { Impact } from '../model';

const MIXED = ['MixedInstancesPolicy', 'LaunchTemplate'];

/**
 * AWS::AutoScaling::AutoScalingGroup. Its settings come from what it launches from:
 * LaunchTemplate, MixedInstancesPolicy (the template and any per-override template) or
 * LaunchConfigurationName. Moving it to another version is an update; running instances
 * keep their settings until refreshed.
 */
export const autoScalingGroup: ResourceAdapter = {
  type: 'AWS::AutoScaling::AutoScalingGroup',
  properties: ['LaunchTemplate', 'MixedInstancesPolicy', 'LaunchConfigurationName', 'Tags'],
  launchConfigurationPath: ['LaunchConfigurationName'],
  launchTemplates: (view) => {
    const uses: LaunchTemplateUse[] = [];
    const direct: Array<LaunchTemplateUse[] | Unresolved> = [
      standardUse(view, ['LaunchTemplate']),
      standardUse(view, [...MIXED, 'LaunchTemplateSpecification']),
    ];
    for (const found of direct) {
      if (found === UNRESOLVED) return UNRESOLVED;
      uses.push(...found);
    }
    const overrides = arrayAt(view.properties, [...MIXED, 'Overrides']);
    if (overrides === UNRESOLVED) return UNRESOLVED;
    for (let i = 0; i < overrides.length; i++) {
      const found = standardUse(view, [...MIXED, 'Overrides', String(i), 'LaunchTemplateSpecification']);
      if (found === UNRESOLVED) return UNRESOLVED;
      uses.push(...found);
    }
    return uses;
  },
  isContainerHost: (view) => hasClusterTag(valueAt(view.properties, ['Tags'])),
  versionChangeImpact: () => Impact.REFRESH,
};
