import { checkCascade } from './analysis/cascade';
import { planConsumers } from './analysis/consumers';
import { indexResources } from './analysis/index-resources';
import { linkResources } from './analysis/link';
import { planOwnSettingsOfAll } from './analysis/own-settings';
import { writeVerdicts } from './analysis/verdicts';
import { EnginePolicy, ResourceLookup, ResourceVerdict, ResourceView } from './model';

// Kept exported from here: callers and tests import the engine's helpers from analyze.ts.
export { versionOf } from './analysis/versions';

/**
 * The engine: decides, for every IMDS-bearing resource among `views`, what is wrong and
 * what patch fixes it without replacing anything live (unless the policy allows it).
 *
 * It is mode-independent: the aspect applies the patches in REWRITE and only reports the
 * findings in REPORT/REJECT; the checks report them. Cost: one pass to index, one to
 * link, one per planning stage, no search of the whole set per resource.
 *
 * A pipeline of stages over one plan record per resource (src/engine/analysis). The order
 * is the contract: each stage may read only what the stages before it settled.
 */
export function analyze(views: readonly ResourceView[], lookup: ResourceLookup, policy: EnginePolicy): ResourceVerdict[] {
  // 1. Index: a plan per IMDS-bearing resource; compliant-by-construction ones are settled.
  const index = indexResources(views, lookup);
  // 2. Links: who launches from which template / configuration (fills consumers, read by 3 and 4).
  const links = linkResources(index, lookup);
  // 3. Own settings: templates, configurations, instances, … (needs consumers: container hosts).
  planOwnSettingsOfAll(index.plans, links, lookup, policy);
  // 4. The hidden cascade: withdraws template changes that would replace or break a consumer.
  checkCascade(index.plans, lookup, policy);
  // 5. Consumers: settings from what they launch from (needs the templates' final plans).
  planConsumers(index.plans, links, lookup, policy);
  // 6. Verdicts.
  return writeVerdicts(index.plans, links, index.settled);
}
