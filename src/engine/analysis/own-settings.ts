import { planHopLimit } from './hop-limit';
import { PlanTable, ResourcePlan, SourceTable, report, withdrawFixes, worst } from './plan';
import { SettingsCarrier } from '../adapter';
import { UNRESOLVED, show } from '../json';
import { EnginePolicy, Impact, MetadataChange, ResourceLookup } from '../model';
import { Imdsv2RuleId as Rule } from '../rule-id';

const UNVERIFIABLE_REMEDY = "write HttpTokens: 'required' literally, or acknowledge Imdsv2-Unverifiable with the reason it is safe";

/**
 * Stage 3: resources with settings of their own (templates, configurations, instances, …):
 * what is wrong with them, and the change to their own settings that fixes it.
 */
export function planOwnSettingsOfAll(plans: PlanTable, links: SourceTable, lookup: ResourceLookup, policy: EnginePolicy): void {
  for (const plan of plans.values()) {
    const carrier = plan.adapter.settings;
    if (!carrier) continue;
    const link = links.get(plan)!;
    // An instance whose own HttpTokens is unset takes it from its launch template: decided by the consumers stage.
    const deferToTemplate = link.templates.length + link.missingTemplates.length > 0 || link.unresolvedTemplates;
    planOwnSettings(plan, carrier, isContainerHost(plan), deferToTemplate, lookup, policy);
  }
}

/** A container host, or a template / configuration that one launches from. */
function isContainerHost(plan: ResourcePlan): boolean {
  return plan.adapter.isContainerHost(plan.view) || plan.consumers.some((l) => l.consumer.adapter.isContainerHost(l.consumer.view));
}

function planOwnSettings(
  plan: ResourcePlan, carrier: SettingsCarrier, container: boolean, deferToTemplate: boolean,
  lookup: ResourceLookup, policy: EnginePolicy,
): void {
  const state = carrier.read(plan.view);
  const change: { httpTokens?: 'required'; hopLimit?: number } = {};
  if (carrier.isOpaque(plan.view)) {
    plan.compliantAsWritten = false;
    plan.openAfter = true;
    report(plan, lookup, {
      ruleId: Rule.UNVERIFIABLE,
      fixable: false,
      problem: carrier.opaqueProblem?.(plan.view) ?? 'its IMDS settings are one value computed at deploy time (a parameter or Fn::If)',
      remedy: UNVERIFIABLE_REMEDY,
    });
    return;
  }
  if (state.httpEndpoint === 'disabled') return; // no IMDS at all: compliant, and never flipped on.
  const tokensDecided = state.httpTokens !== UNRESOLVED && state.httpEndpoint !== UNRESOLVED;
  if (!tokensDecided) {
    plan.compliantAsWritten = false;
    plan.openAfter = true;
    report(plan, lookup, {
      ruleId: Rule.UNVERIFIABLE,
      fixable: false,
      problem: `HttpTokens ${show(state.httpTokens)} / HttpEndpoint ${show(state.httpEndpoint)} is decided at deploy time`,
      remedy: UNVERIFIABLE_REMEDY,
    });
  } else if (state.httpTokens !== 'required' && !(state.httpTokens === undefined && deferToTemplate)) {
    plan.compliantAsWritten = false;
    if (report(plan, lookup, {
      ruleId: Rule.TOKENS_REQUIRED,
      fixable: true,
      problem: `HttpTokens is ${show(state.httpTokens)}${state.httpTokens === undefined ? ' (the default depends on the AMI and the account)' : ''}, so IMDSv1 is reachable`,
      remedy: carrier.tokensRemedy ?? "set HttpTokens to 'required' (other metadata options kept)",
    })) {
      change.httpTokens = 'required';
    } else {
      plan.openAfter = true; // acknowledged: left as it is.
    }
  }
  if (carrier.supportsHopLimit) planHopLimit(plan, state, container, change, deferToTemplate, lookup, policy);
  nameWhere(plan, carrier);
  applyOwnChange(plan, carrier, change, lookup, policy);
}

/** Says where in the resource the settings are, for a carrier that keeps several (a manifest's node classes). */
function nameWhere(plan: ResourcePlan, carrier: SettingsCarrier): void {
  if (!carrier.where) return;
  plan.findings = plan.findings.map((f) => {
    const field = f.ruleId === Rule.TOKENS_REQUIRED ? 'tokens' : f.ruleId === Rule.HOP_LIMIT ? 'hop' : undefined;
    const where = field ? carrier.where!(plan.view, field) : undefined;
    return where ? { ...f, problem: `${where}: ${f.problem}` } : f;
  });
}

/**
 * Turns a planned change of `plan`'s own settings into patches, unless the policy puts the
 * resource out of reach or writing it would replace a resource that cannot be replaced.
 */
export function applyOwnChange(
  plan: ResourcePlan, carrier: SettingsCarrier, change: MetadataChange, lookup: ResourceLookup, policy: EnginePolicy,
): void {
  if (change.httpTokens === undefined && change.hopLimit === undefined) return;
  if (policy.mayChange && !policy.mayChange(plan.view)) {
    // Out of the caller's reach: what launches from it stays as open as it is.
    withdrawFixes(plan);
    if (change.httpTokens) plan.openAfter = true;
    return;
  }
  const named = carrier.replacesResource ? plan.adapter.customName?.(plan.view) : undefined;
  if (named) {
    // Writing its settings replaces it, and a resource with a custom name cannot be replaced.
    withdrawFixes(plan);
    plan.openAfter = true;
    report(plan, lookup, {
      ruleId: Rule.REPLACEMENT,
      fixable: false,
      problem: `changing its metadata options replaces it, and CloudFormation cannot replace a resource with a custom name (${named.name}): the deploy would fail`,
      remedy: named.remedy,
    });
    return;
  }
  if (carrier.changeImpact === Impact.REPLACEMENT && !policy.allowReplacement) {
    withdrawFixes(plan);
    plan.openAfter = true;
    report(plan, lookup, {
      ruleId: Rule.REPLACEMENT,
      fixable: false,
      problem: `changing its metadata options replaces what runs: ${carrier.replacedHow ?? 'the resource is replaced on deploy'}`,
      remedy: 'make the change in code when replacing is acceptable, or set allowReplacement: true',
    });
    return;
  }
  const blocked = carrier.cannotWrite?.(plan.view, lookup);
  if (blocked) {
    // Known, but not writable here: the findings stay, as a person's to fix.
    plan.findings = plan.findings.map((f) => ({ ...f, fixable: false, remedy: `${f.remedy} (not done automatically: ${blocked})` }));
    plan.openAfter = true;
    return;
  }
  plan.patches.push(...carrier.write(plan.view, change));
  plan.change = { ...plan.change, ...change };
  plan.changed = true;
  plan.impact = worst(plan.impact, carrier.changeImpact);
}
