import { PlanTable, ResourcePlan, newPlan } from './plan';
import { Json, Unresolved, isIntrinsic, valueAt } from '../json';
import { Impact, ResourceLookup, ResourceVerdict, ResourceView } from '../model';
import { canonicalJson } from '../references';
import { adapterFor } from '../resource-table';

/** Stage 1's result: what the later stages plan, and what is already decided. */
export interface ResourceIndex {
  /** A plan for every IMDS-bearing resource that is not settled, in the order of the views. */
  readonly plans: PlanTable;
  /** Verdicts of resources that are compliant by construction (`compliantBecause`). */
  readonly settled: readonly ResourceVerdict[];
  /** Launch templates by `nameKey` of their LaunchTemplateName. */
  readonly templatesByName: ReadonlyMap<string, ResourcePlan>;
}

/** Stage 1: one pass over the views: a plan for each IMDS-bearing one, launch templates by name. */
export function indexResources(views: readonly ResourceView[], lookup: ResourceLookup): ResourceIndex {
  const plans = new Map<string, ResourcePlan>();
  const settled: ResourceVerdict[] = [];
  const templatesByName = new Map<string, ResourcePlan>();
  for (const view of views) {
    const adapter = adapterFor(view.type);
    // A resource of the type that launches nothing as written (a manifest of no EC2NodeClass).
    if (!adapter || adapter.launchesInstances?.(view) === false) continue;
    if (view.compliantBecause) {
      settled.push(settledVerdict(view, view.compliantBecause));
      continue;
    }
    const plan = newPlan(view, adapter);
    plans.set(view.key, plan);
    const source = adapter.launchSource;
    if (source?.kind === 'launch-template') {
      const name = nameKey(view, valueAt(view.properties, source.namePath), lookup);
      if (name !== undefined) templatesByName.set(name, plan);
    }
  }
  return { plans, settled, templatesByName };
}

function settledVerdict(view: ResourceView, compliantBecause: string): ResourceVerdict {
  const because = `(${compliantBecause})`;
  return {
    resource: view,
    before: because,
    after: because,
    findings: [],
    patches: [],
    impact: Impact.NONE,
    compliantAsWritten: true,
    compliantAfter: true,
    acknowledged: [],
    acknowledgedThroughSource: false,
  };
}

/**
 * The key of a launch template name in `templatesByName`: a literal name is one name in
 * the account and region, whichever template writes it; a name computed at deploy time
 * is matched by the same expression within the same template only (there it computes
 * the same value; a parameter or AWS::StackName of another stack does not).
 */
export function nameKey(view: ResourceView, raw: Json | Unresolved | undefined, lookup: ResourceLookup): string | undefined {
  if (typeof raw === 'string') return `literal:${raw}`;
  if (!isIntrinsic(raw)) return undefined;
  const template = lookup.templateIdOf?.(view);
  return template === undefined ? undefined : `computed:${template}\u0000${canonicalJson(raw)}`;
}
