import { ResourcePlan, report } from './plan';
import { UNRESOLVED } from '../json';
import { EnginePolicy, MetadataState, ResourceLookup } from '../model';
import { Imdsv2RuleId as Rule } from '../rule-id';

/**
 * Plans the hop limit of a resource with settings of its own: reports what is outside the
 * policy and writes the limit to set into `change` (applied by the caller with the rest).
 */
export function planHopLimit(
  plan: ResourcePlan, state: MetadataState, container: boolean, change: { hopLimit?: number },
  deferToTemplate: boolean, lookup: ResourceLookup, policy: EnginePolicy,
): void {
  if (state.hopLimit === undefined && deferToTemplate) return;
  if (state.hopLimit === UNRESOLVED) {
    plan.compliantAsWritten = false;
    report(plan, lookup, {
      ruleId: Rule.UNVERIFIABLE,
      fixable: false,
      problem: 'HttpPutResponseHopLimit is decided at deploy time',
      remedy: 'write the hop limit literally, or acknowledge Imdsv2-Unverifiable',
    });
    return;
  }
  const current = state.hopLimit ?? 1; // EC2's default (unset stays unset: nothing to lower)
  const shown = state.hopLimit ?? '(unset, so 1)';
  if (container) planContainerHop(plan, current, shown, change, lookup, policy);
  else planPlainHostHop(plan, current, shown, change, lookup, policy);
}

function planContainerHop(
  plan: ResourcePlan, current: number, shown: number | string, change: { hopLimit?: number },
  lookup: ResourceLookup, policy: EnginePolicy,
): void {
  if (current === policy.containerHopLimit) return;
  // A lower limit the launcher itself chose to keep pods off IMDS (Karpenter) is not widened.
  if (current < policy.containerHopLimit && plan.adapter.settings?.acceptsLowerHopLimit) return;
  plan.compliantAsWritten = false;
  if (report(plan, lookup, {
    ruleId: Rule.HOP_LIMIT,
    fixable: true,
    problem: `HttpPutResponseHopLimit is ${shown}: a container host needs ${policy.containerHopLimit} (containers reach IMDS through one more hop)`,
    remedy: `set HttpPutResponseHopLimit to ${policy.containerHopLimit}`,
  })) {
    change.hopLimit = policy.containerHopLimit;
  }
}

/**
 * A plain host. Lowering it to 1 is a policy the user chooses (hostHopLimit): hop limit 2
 * with tokens required is what EC2 gives instances of IMDSv2-only AMIs and what Docker's
 * bridge network needs, and nothing here can tell whether containers run on the host.
 * Without that policy only limits no container needs (above containerHopLimit) are lowered.
 */
function planPlainHostHop(
  plan: ResourcePlan, current: number, shown: number | string, change: { hopLimit?: number },
  lookup: ResourceLookup, policy: EnginePolicy,
): void {
  const limit = policy.hostHopLimit ?? policy.containerHopLimit;
  if (current > limit) {
    plan.compliantAsWritten = false;
    if (report(plan, lookup, {
      ruleId: Rule.HOP_LIMIT,
      fixable: true,
      problem: policy.hostHopLimit === undefined
        ? `HttpPutResponseHopLimit is ${shown}: more than even a container host needs (${limit}), so tokens can travel beyond the host and its containers`
        : `HttpPutResponseHopLimit is ${shown}: a plain host needs at most ${limit} (a higher limit lets tokens leave the host)`,
      remedy: `set HttpPutResponseHopLimit to ${limit}`,
    })) {
      change.hopLimit = limit;
    }
    return;
  }
  if (policy.hostHopLimit !== undefined || current <= 1) return;
  // Advice only: IMDSv1 stays closed, so it neither counts against compliance nor is changed,
  // and no front door makes it an error.
  report(plan, lookup, {
    ruleId: Rule.HOP_LIMIT,
    fixable: false,
    advisory: true,
    problem: `HttpPutResponseHopLimit is ${current} on a plain host: a token can travel ${current - 1} hop${current === 2 ? '' : 's'} beyond it, which only containers on it need (advisory: IMDSv1 stays closed; EC2 sets 2 for IMDSv2-only AMIs)`,
    remedy: 'keep it if containers on this host call IMDS; else set HttpPutResponseHopLimit to 1, or hostHopLimit: 1 for every plain host, or acknowledge Imdsv2-HopLimit',
  });
}
