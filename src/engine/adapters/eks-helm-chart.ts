import { ResourceAdapter } from '../adapter';
import { Json, isPlainObject } from '../json';
import { Impact, ResourceView } from '../model';
import { Imdsv2RuleId } from '../rule-id';

/**
 * What marks a Helm chart as one that may create Karpenter EC2NodeClasses: its name
 * (`karpenter-nodeclass`, `ec2-node-classes`, …) or its values mention a node class
 * (`EC2NodeClass`, `nodeClass`, `ec2NodeClasses`, the v1alpha1 `AWSNodeTemplate`). The
 * Karpenter controller chart itself (`karpenter`, values such as `settings.clusterName`)
 * creates none, nor does any other chart: flagging every chart would be a false alarm.
 */
const NODE_CLASS = /ec2[-_ ]?node[-_ ]?class|node[-_ ]?class(es)?\b|nodeclass|awsnodetemplate/i;

function mentionsNodeClass(view: ResourceView): boolean {
  const p: Record<string, Json> = isPlainObject(view.properties) ? view.properties : {};
  return [p.Chart, p.Values, p.Release].some((v) => v !== undefined && NODE_CLASS.test(typeof v === 'string' ? v : JSON.stringify(v)));
}

function chartName(view: ResourceView): string {
  const chart = isPlainObject(view.properties) ? view.properties.Chart : undefined;
  return typeof chart === 'string' ? `'${chart}'` : '(computed at deploy time)';
}

/**
 * Custom::AWSCDK-EKS-HelmChart (aws-eks and aws-eks-v2 `cluster.addHelmChart()` /
 * `new HelmChart()`). What a chart installs is rendered by Helm at deploy time, so an
 * EC2NodeClass in it cannot be read here: a chart that mentions node classes is reported
 * Imdsv2-Unverifiable, any other chart is not IMDS-bearing.
 */
export const eksHelmChart: ResourceAdapter = {
  type: 'Custom::AWSCDK-EKS-HelmChart',
  properties: ['Chart', 'Values', 'Release'],
  launchesInstances: mentionsNodeClass,
  isContainerHost: () => true,
  versionChangeImpact: () => Impact.NONE,
  extraProblems: (view) => [{
    ruleId: Imdsv2RuleId.UNVERIFIABLE,
    problem: `Helm chart ${chartName(view)} mentions a Karpenter node class, and the EC2NodeClasses a chart renders cannot be read here: their spec.metadataOptions may leave IMDSv1 reachable`,
    remedy: "apply the EC2NodeClass with cluster.addManifest() (checked and fixed here), or make sure the chart sets spec.metadataOptions.httpTokens: 'required' and acknowledge Imdsv2-Unverifiable",
  }],
};
