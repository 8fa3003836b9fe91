import { closeInstanceThroughOwnOptions, planInstanceLink } from './instance-link';
import { planMissingTemplate } from './missing-template';
import { PlanTable, ResourcePlan, SourceTable, Sources, isAcknowledgedSource, report, worst } from './plan';
import { planConsumerLink } from './template-link';
import { EnginePolicy, Impact, ResourceLookup } from '../model';
import { Imdsv2RuleId as Rule } from '../rule-id';

/**
 * Stage 5: resources whose settings come from what they launch from. Runs after the cascade
 * stage: only then is it final whether each launch template is changed and open after the plan.
 */
export function planConsumers(plans: PlanTable, links: SourceTable, lookup: ResourceLookup, policy: EnginePolicy): void {
  for (const plan of plans.values()) {
    const link = links.get(plan)!;
    // Its own settings win over its template's (an instance): closed through those.
    const isInstance = plan.adapter.ownSettingsWinOverTemplate === true;
    planUnknownTemplates(plan, link, isInstance, lookup, policy);
    for (const l of link.templates) {
      if (isInstance) planInstanceLink(plan, l, lookup, policy);
      else planConsumerLink(plan, l, lookup, policy);
    }
    planConfiguration(plan, link, lookup);
    const hasSource = link.templates.length + link.missingTemplates.length > 0 || link.unresolvedTemplates;
    if (!hasSource && plan.adapter.withoutLaunchTemplate) planMissingTemplate(plan, lookup, policy);
    for (const p of plan.adapter.extraProblems?.(plan.view, lookup) ?? []) {
      plan.compliantAsWritten = false;
      plan.openAfter = true;
      report(plan, lookup, { ruleId: p.ruleId ?? Rule.TOKENS_REQUIRED, fixable: false, problem: p.problem, remedy: p.remedy });
    }
  }
}

/**
 * Launch templates that cannot be read here (a computed specification, or one not in the
 * app): an instance is closed through its own options; anything else cannot be verified.
 */
function planUnknownTemplates(plan: ResourcePlan, link: Sources, isInstance: boolean, lookup: ResourceLookup, policy: EnginePolicy): void {
  if (link.unresolvedTemplates) {
    plan.compliantAsWritten = false;
    if (isInstance) {
      closeInstanceThroughOwnOptions(plan, 'its launch template specification is decided at deploy time', lookup, policy);
    } else {
      plan.openAfter = true;
      report(plan, lookup, {
        ruleId: Rule.UNVERIFIABLE,
        fixable: false,
        problem: 'its launch template specification is decided at deploy time',
        remedy: 'name the launch template literally, or acknowledge Imdsv2-Unverifiable',
      });
    }
  }
  for (const missing of link.missingTemplates) {
    plan.compliantAsWritten = false;
    if (isInstance) {
      closeInstanceThroughOwnOptions(plan, missing, lookup, policy);
    } else {
      plan.openAfter = true;
      report(plan, lookup, {
        ruleId: Rule.UNVERIFIABLE,
        fixable: false,
        problem: `${missing}: its IMDS settings cannot be checked here`,
        remedy: 'define the launch template in the app, or acknowledge Imdsv2-Unverifiable once it is known to require tokens',
      });
    }
  }
}

/** A group's launch configuration: the group is as open as it, and refreshed when it is replaced. */
function planConfiguration(plan: ResourcePlan, link: Sources, lookup: ResourceLookup): void {
  if (link.configuration) {
    const lc = link.configuration;
    if (!lc.compliantAsWritten) plan.compliantAsWritten = false;
    if (isAcknowledgedSource(lc)) plan.acknowledgedThroughSource = true;
    if (lc.openAfter) plan.openAfter = true;
    if (lc.changed) plan.impact = worst(plan.impact, Impact.REFRESH);
  }
  if (link.missingConfiguration) {
    plan.compliantAsWritten = false;
    plan.openAfter = true;
    report(plan, lookup, {
      ruleId: Rule.UNVERIFIABLE,
      fixable: false,
      problem: `${link.missingConfiguration}: its IMDS settings cannot be checked here`,
      remedy: 'define the launch configuration in the app, or acknowledge Imdsv2-Unverifiable',
    });
  }
}
