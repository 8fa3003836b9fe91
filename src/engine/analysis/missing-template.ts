import { ResourcePlan, report, worst } from './plan';
import { EnginePolicy, Impact, ResourceLookup } from '../model';
import { Imdsv2RuleId as Rule } from '../rule-id';

/**
 * A resource that launches from no launch template (an EKS node group, a Batch compute
 * environment): the service's own default applies, so it gets a launch template that
 * requires tokens, unless that replaces or recreates it and the policy does not allow it.
 */
export function planMissingTemplate(plan: ResourcePlan, lookup: ResourceLookup, policy: EnginePolicy): void {
  const missing = plan.adapter.withoutLaunchTemplate!(plan.view);
  if (!missing) return;
  plan.compliantAsWritten = false;
  const container = plan.adapter.isContainerHost(plan.view);
  // Only container hosts (EKS, Batch) come without a launch template today; a plain host with
  // no host policy gets what no container would miss either.
  const metadataOptions = { HttpTokens: 'required', HttpPutResponseHopLimit: container ? policy.containerHopLimit : policy.hostHopLimit ?? policy.containerHopLimit };
  const named = missing.impact === Impact.REPLACEMENT ? plan.adapter.customName?.(plan.view) : undefined;
  const replaces = missing.impact === Impact.REPLACEMENT && (!policy.allowReplacement || named !== undefined);
  const fixable = !replaces && !missing.blocker;
  const reported = report(plan, lookup, {
    ruleId: Rule.TOKENS_REQUIRED,
    fixable,
    problem: `it has no launch template: ${missing.serviceDefault}`,
    remedy: missing.blocker
      ? `give it a launch template that requires tokens; ${missing.blocker}`
      : `give it a launch template with HttpTokens 'required' and hop limit ${metadataOptions.HttpPutResponseHopLimit}${missing.moved ? `; ${missing.moved.description}` : ''}`,
  });
  if (!reported) {
    plan.openAfter = true;
    return;
  }
  if (replaces) {
    const how = `giving it a launch template ${missing.replacedHow ?? 'replaces it on deploy'}`;
    report(plan, lookup, named ? {
      ruleId: Rule.REPLACEMENT,
      fixable: false,
      problem: `${how}, and CloudFormation cannot replace a resource with a custom name (${named.name}): the deploy would fail`,
      remedy: named.remedy,
    } : {
      ruleId: Rule.REPLACEMENT,
      fixable: false,
      problem: how,
      remedy: 'recreate it with a launch template (e.g. under a new id), or set allowReplacement: true',
    });
  }
  if (!fixable) {
    plan.openAfter = true;
    return;
  }
  plan.patches.push({ kind: 'attach-launch-template', resource: plan.view, specPath: missing.specPath, idKey: missing.idKey, versionKey: missing.versionKey, metadataOptions, moved: missing.moved });
  plan.changed = true;
  plan.impact = worst(plan.impact, missing.impact);
}
