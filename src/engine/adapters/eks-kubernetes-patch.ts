import { ResourceAdapter, TypeProblem } from '../adapter';
import { Json, isPlainObject } from '../json';
import { hasIntrinsic, readJsonText } from '../json-text';
import { Impact, ResourceView } from '../model';
import { Imdsv2RuleId } from '../rule-id';

/** `ec2nodeclass/default`, `ec2nodeclasses.karpenter.k8s.aws/gpu`, `awsnodetemplate/legacy` (kubectl's resource names). */
const NODE_CLASS_RESOURCE = /^(ec2nodeclass|ec2nodeclasses|awsnodetemplate|awsnodetemplates)(\.karpenter\.k8s\.aws)?\//i;

function props(view: ResourceView): Record<string, Json> {
  return isPlainObject(view.properties) ? view.properties : {};
}

/** True when the patch may touch a node class's metadata options: the name says so (or cannot be read), and so does the patch. */
function patchesNodeClassOptions(view: ResourceView): boolean {
  const { ResourceName: name, ApplyPatchJson: patch } = props(view);
  const target = typeof name === 'string' ? NODE_CLASS_RESOURCE.test(name) : name !== undefined;
  return target && patch !== undefined && (readJsonText(patch) === undefined || JSON.stringify(patch).includes('metadataOptions'));
}

/**
 * Custom::AWSCDK-EKS-KubernetesPatch (aws-eks / aws-eks-v2 `KubernetesPatch`) that patches a
 * Karpenter node class's `spec.metadataOptions`: a patch that sets `httpTokens: optional`
 * re-opens IMDSv1 on every node of the class, whatever its manifest says. Reported, not
 * rewritten (a patch is the user's deliberate change of an object defined elsewhere); one
 * that cannot be read is Imdsv2-Unverifiable. A patch of anything else is not IMDS-bearing.
 * Its hop limit is left to the node class's own manifest.
 */
export const eksKubernetesPatch: ResourceAdapter = {
  type: 'Custom::AWSCDK-EKS-KubernetesPatch',
  properties: ['ResourceName', 'ApplyPatchJson'],
  launchesInstances: patchesNodeClassOptions,
  isContainerHost: () => true,
  versionChangeImpact: () => Impact.NONE,
  extraProblems: (view): TypeProblem[] => {
    const { ResourceName: name, ApplyPatchJson: patch } = props(view);
    const doc = readJsonText(patch);
    const options = doc && isPlainObject(doc.value) && isPlainObject(doc.value.spec) ? doc.value.spec.metadataOptions : undefined;
    const tokens = isPlainObject(options) ? options.httpTokens : undefined;
    const shown = typeof name === 'string' ? `'${name}'` : '(computed at deploy time)';
    if (!doc || typeof name !== 'string' || (typeof tokens === 'string' && hasIntrinsic(tokens)) || (options !== undefined && !isPlainObject(options))) {
      return [{
        ruleId: Imdsv2RuleId.UNVERIFIABLE,
        problem: `the patch of ${shown} may change a Karpenter node class's spec.metadataOptions, and what it sets cannot be read here`,
        remedy: "write the patch literally with spec.metadataOptions.httpTokens: 'required', or acknowledge Imdsv2-Unverifiable",
      }];
    }
    if (typeof tokens === 'string' && tokens.toLowerCase() === 'optional') {
      return [{
        problem: `the patch of ${shown} sets spec.metadataOptions.httpTokens to 'optional', so IMDSv1 is reachable on the node class's nodes`,
        remedy: "patch httpTokens to 'required' (Karpenter then replaces the class's nodes)",
      }];
    }
    return [];
  },
};
