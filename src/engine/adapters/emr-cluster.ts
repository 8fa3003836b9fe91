import { ResourceAdapter, TypeProblem } from '../adapter';
import { valueAt } from '../json';
import { Impact } from '../model';
import { Imdsv2RuleId } from '../rule-id';

const FIX = "an AWS::EMR::SecurityConfiguration (emr.CfnSecurityConfiguration) whose document has InstanceMetadataServiceConfiguration { MinimumInstanceMetadataServiceVersion: 2, HttpPutResponseHopLimit: 1 }, named in the cluster's SecurityConfiguration (setting it replaces the cluster)";

/**
 * AWS::EMR::Cluster. Its instances' IMDS settings come from its security configuration
 * (see emr-security-configuration.ts): without one EMR leaves IMDSv1 reachable, which only
 * a new security configuration fixes, and adding it replaces the cluster: reported, never
 * rewritten. One defined in the app is judged there; one named by a literal or a parameter
 * cannot be seen here.
 */
export const emrCluster: ResourceAdapter = {
  type: 'AWS::EMR::Cluster',
  properties: ['SecurityConfiguration'],
  isContainerHost: () => false,
  versionChangeImpact: () => Impact.REPLACEMENT,
  extraProblems: (view, lookup): TypeProblem[] => {
    const named = valueAt(view.properties, ['SecurityConfiguration']);
    if (named === undefined || named === null) {
      return [{
        problem: 'it has no security configuration, so EMR leaves IMDSv1 reachable on its instances (only a security configuration requires IMDSv2)',
        remedy: `give it ${FIX}`,
      }, {
        // Like a node group without a launch template: the fix exists, and it replaces the cluster.
        ruleId: Imdsv2RuleId.REPLACEMENT,
        problem: 'giving it a security configuration replaces the cluster (SecurityConfiguration requires replacement), so it is not done here',
        remedy: 'add the security configuration in code when the cluster may be recreated',
      }];
    }
    if (lookup.resourceAt(view, ['SecurityConfiguration'])) return []; // judged where it is defined
    return [{
      ruleId: Imdsv2RuleId.UNVERIFIABLE,
      problem: `its security configuration ${typeof named === 'string' ? `'${named}'` : '(computed at deploy time)'} is not defined in the app or template set, so whether it requires IMDSv2 cannot be seen`,
      remedy: `define it in the app (${FIX}), or acknowledge Imdsv2-Unverifiable with the reason it is known to require IMDSv2`,
    }];
  },
};
