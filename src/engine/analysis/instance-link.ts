import { planHopLimit } from './hop-limit';
import { applyOwnChange } from './own-settings';
import { ResourcePlan, TemplateLink, report, worst } from './plan';
import { followsLatest } from './versions';
import { UNRESOLVED, show } from '../json';
import { EnginePolicy, Impact, ResourceLookup } from '../model';
import { Imdsv2RuleId as Rule } from '../rule-id';

/**
 * An AWS::EC2::Instance's launch template. A running instance keeps the settings it was
 * launched with, whatever its template becomes; its own MetadataOptions win over the
 * template's and change with no interruption, so it is closed through those.
 */
export function planInstanceLink(plan: ResourcePlan, l: TemplateLink, lookup: ResourceLookup, policy: EnginePolicy): void {
  const lt = l.target;
  const name = `launch template ${lt.view.logicalId}`;
  const reopened = reopensDisabledEndpoint(plan, lt);
  if (!lt.compliantAsWritten && !reopened && l.version.kind !== 'unknown' && closedButForHopLimit(lt)) {
    // The template requires tokens and only its hop limit is out of policy: that is what
    // the instance inherits, and what its own MetadataOptions close (no interruption).
    plan.compliantAsWritten = false;
    planInheritedHopLimit(plan, lt, lookup, policy);
  } else if (!lt.compliantAsWritten || l.version.kind === 'unknown' || reopened) {
    plan.compliantAsWritten = false;
    closeInstanceThroughOwnOptions(plan, l.version.kind === 'unknown'
      ? `the version of ${name} it launches from is decided at deploy time`
      : reopened ?? `${name} it launches from leaves IMDSv1 reachable`, lookup, policy);
  }
  // The template's hop limit was never checked (no IMDS there); now it is the instance's.
  if (reopened) planInheritedHopLimit(plan, lt, lookup, policy);
  if (lt.changed && followsLatest(l)) {
    plan.impact = worst(plan.impact, Impact.REPLACEMENT); // only reached with allowReplacement
  }
}

/** A template whose tokens are required (or endpoint off), readable, and whose only fault is elsewhere. */
function closedButForHopLimit(lt: ResourcePlan): boolean {
  const carrier = lt.adapter.settings!;
  if (carrier.isOpaque(lt.view)) return false;
  const state = carrier.read(lt.view);
  return state.httpTokens === 'required' || state.httpEndpoint === 'disabled';
}

/** The template's hop limit, judged as the instance's own when the instance sets none. */
function planInheritedHopLimit(plan: ResourcePlan, lt: ResourcePlan, lookup: ResourceLookup, policy: EnginePolicy): void {
  const ltHop = lt.adapter.settings!.read(lt.view).hopLimit;
  const own = plan.adapter.settings!.read(plan.view);
  if (own.hopLimit !== undefined || typeof ltHop !== 'number') return;
  const change: { hopLimit?: number } = {};
  planHopLimit(plan, { hopLimit: ltHop }, false, change, false, lookup, policy);
  applyOwnChange(plan, plan.adapter.settings!, change, lookup, policy);
}

/**
 * An instance's own fields win over its template's, field by field: its own
 * HttpEndpoint 'enabled' over a template's 'disabled' turns IMDS back on, with the
 * template's HttpTokens. Returns why it is open then, or undefined.
 */
function reopensDisabledEndpoint(plan: ResourcePlan, lt: ResourcePlan): string | undefined {
  const own = plan.adapter.settings!.read(plan.view);
  const template = lt.adapter.settings!.read(lt.view);
  if (own.httpEndpoint !== 'enabled' || template.httpEndpoint !== 'disabled' || template.httpTokens === 'required') return undefined;
  if (lt.adapter.settings!.isOpaque(lt.view)) return undefined; // the template carries an Unverifiable finding
  return `its own HttpEndpoint 'enabled' overrides the 'disabled' of launch template ${lt.view.logicalId}, whose HttpTokens is ${show(template.httpTokens)} (an instance's own fields win over its template's)`;
}

/**
 * An instance whose settings from its launch template are open or unknown: requires tokens
 * in its own MetadataOptions, unless its own settings already decide (or were reported).
 */
export function closeInstanceThroughOwnOptions(plan: ResourcePlan, why: string, lookup: ResourceLookup, policy: EnginePolicy): void {
  const carrier = plan.adapter.settings!;
  const state = carrier.read(plan.view);
  if (carrier.isOpaque(plan.view) || state.httpEndpoint === 'disabled' || state.httpTokens === 'required' || state.httpTokens === UNRESOLVED) return;
  if (state.httpTokens === 'optional' || plan.change.httpTokens) return; // already reported by the own-settings stage
  if (report(plan, lookup, {
    ruleId: Rule.TOKENS_REQUIRED,
    fixable: true,
    problem: `HttpTokens is unset and ${why}, so IMDSv1 may be reachable`,
    remedy: "set the instance's own MetadataOptions.HttpTokens to 'required' (an update with no interruption; the instance's settings win over its template's)",
  })) {
    applyOwnChange(plan, carrier, { httpTokens: 'required' }, lookup, policy);
  } else {
    plan.openAfter = true;
  }
}
