import { PlanTable, ResourcePlan, SourceTable, Sources } from './plan';
import { versionLabel } from './versions';
import { Json, UNRESOLVED } from '../json';
import { ResourceVerdict } from '../model';

/** Stage 6: a verdict per plan, in the order of the views, then the settled ones. */
export function writeVerdicts(plans: PlanTable, links: SourceTable, settled: readonly ResourceVerdict[]): ResourceVerdict[] {
  return [...[...plans.values()].map((plan) => verdictOf(plan, links.get(plan)!)), ...settled];
}

function verdictOf(plan: ResourcePlan, link: Sources): ResourceVerdict {
  // The descriptions are for the aspect's report; the checks and the validator never read
  // them, so they are written when first read, not for every resource of every analysis.
  let before: string | undefined;
  let after: string | undefined;
  return {
    resource: plan.view,
    get before() {
      return before ??= describe(plan, link, false);
    },
    get after() {
      return after ??= plan.patches.length ? describe(plan, link, true) : this.before;
    },
    findings: plan.findings,
    patches: plan.patches,
    impact: plan.impact,
    compliantAsWritten: plan.compliantAsWritten,
    compliantAfter: !plan.openAfter,
    acknowledged: plan.acknowledged,
    acknowledgedThroughSource: plan.acknowledgedThroughSource,
  };
}

/** One line of the resource's settings and sources, as written or after the patches. */
function describe(plan: ResourcePlan, link: Sources, after: boolean): string {
  const parts: string[] = [];
  const carrier = plan.adapter.settings;
  if (carrier) {
    const state = { ...carrier.read(plan.view), ...(after ? plan.change : {}) };
    const fields = [`tokens=${brief(state.httpTokens)}`];
    if (carrier.supportsHopLimit) fields.push(`hop=${brief(state.hopLimit)}`);
    if (state.httpEndpoint !== undefined) fields.push(`endpoint=${brief(state.httpEndpoint)}`);
    parts.push(carrier.isOpaque(plan.view) ? 'settings=(unresolved)' : fields.join(' '));
  }
  const followed = new Set(after ? plan.patches.filter((p) => p.kind === 'follow-latest').map((p) => (p as { path: readonly string[] }).path.join('.')) : []);
  for (const l of link.templates) {
    const version = followed.has([...l.use.specPath, l.use.versionKey].join('.')) ? 'latest' : versionLabel(l.version);
    parts.push(`template ${l.target.view.logicalId}@${version}`);
  }
  for (const m of link.missingTemplates) parts.push(m);
  if (link.unresolvedTemplates) parts.push('template=(unresolved)');
  if (link.configuration) parts.push(`configuration ${link.configuration.view.logicalId}`);
  const attach = after ? plan.patches.find((p) => p.kind === 'attach-launch-template') : undefined;
  if (attach) parts.push(`new template tokens=required hop=${(attach as { metadataOptions: Json }).metadataOptions.HttpPutResponseHopLimit}`);
  else if (!carrier && parts.length === 0 && plan.adapter.withoutLaunchTemplate?.(plan.view)) parts.push('no launch template');
  return parts.join('; ') || 'no IMDS settings';
}

function brief(v: unknown): string {
  if (v === UNRESOLVED) return '(unresolved)';
  return v === undefined ? '(unset)' : String(v);
}
