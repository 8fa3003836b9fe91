import { ResourceIndex, nameKey } from './index-resources';
import { ResourcePlan, SourceTable, Sources, TemplateLink, isLaunchTemplate } from './plan';
import { versionOf } from './versions';
import { LaunchTemplateUse } from '../adapter';
import { UNRESOLVED, isPlainObject, show, valueAt } from '../json';
import { ResourceLookup } from '../model';
import { mentionsReference, parseReference } from '../references';

/**
 * Stage 2: who launches from which launch template / configuration. Fills each target's
 * `consumers` and `versionReaders`, and returns what each resource launches from.
 */
export function linkResources(index: ResourceIndex, lookup: ResourceLookup): SourceTable {
  const links = new Map<ResourcePlan, Sources>();
  for (const plan of index.plans.values()) {
    const uses = plan.adapter.launchTemplates?.(plan.view) ?? [];
    const entry: Sources = { templates: [], unresolvedTemplates: uses === UNRESOLVED, missingTemplates: [] };
    if (uses !== UNRESOLVED) {
      for (const use of uses) linkTemplate(plan, use, entry, index, lookup);
    }
    linkConfiguration(plan, entry, index, lookup);
    links.set(plan, entry);
  }
  return links;
}

function linkTemplate(plan: ResourcePlan, use: LaunchTemplateUse, entry: Sources, index: ResourceIndex, lookup: ResourceLookup) {
  const found = findTemplate(plan, use, index, lookup);
  recordVersionReader(plan, use, typeof found === 'string' ? undefined : found, index, lookup);
  if (typeof found === 'string') {
    entry.missingTemplates.push(found);
    return;
  }
  const rawVersion = valueAt(plan.view.properties, [...use.specPath, use.versionKey]);
  const version = versionOf(rawVersion);
  const readsLatest = version.kind === 'unknown' && mentionsReference(rawVersion, found.view.logicalId, 'LatestVersionNumber');
  const link: TemplateLink = { consumer: plan, target: found, use, version, readsLatest };
  entry.templates.push(link);
  found.consumers.push(link);
}

function linkConfiguration(plan: ResourcePlan, entry: Sources, index: ResourceIndex, lookup: ResourceLookup) {
  const path = plan.adapter.launchConfigurationPath;
  if (!path) return;
  const raw = valueAt(plan.view.properties, path);
  if (raw === undefined) return;
  const target = lookup.resourceAt(plan.view, path);
  const targetPlan = target && index.plans.get(target.key);
  if (targetPlan && targetPlan.adapter.launchSource?.kind === 'launch-configuration') {
    entry.configuration = targetPlan;
    // A group always launches the configuration it names: as if it followed its latest version.
    const use = { specPath: path, idKey: '', nameKey: '', versionKey: '' };
    targetPlan.consumers.push({ consumer: plan, target: targetPlan, use, version: { kind: 'latest', byGetAtt: false } });
  } else {
    entry.missingConfiguration = `launch configuration ${show(raw)} is not in this app`;
  }
}

/**
 * When `plan`'s Version reads the LatestVersionNumber of a launch template other than the
 * one its spec was found to name (`linked`), records it as a reader of that template: the
 * hidden cascade follows the Version value, not the template the instance launches from.
 */
function recordVersionReader(
  plan: ResourcePlan, use: LaunchTemplateUse, linked: ResourcePlan | undefined, index: ResourceIndex, lookup: ResourceLookup,
) {
  const versionPath = [...use.specPath, use.versionKey];
  if (parseReference(valueAt(plan.view.properties, versionPath))?.attribute !== 'LatestVersionNumber') return;
  const target = lookup.resourceAt(plan.view, versionPath);
  const targetPlan = target && index.plans.get(target.key);
  if (!targetPlan || targetPlan === linked || !isLaunchTemplate(targetPlan)) return;
  targetPlan.versionReaders.push({ consumer: plan, target: targetPlan, use, version: { kind: 'latest', byGetAtt: true } });
}

/** The launch template a spec names (by id, else by name), or why it is not in the app. */
function findTemplate(plan: ResourcePlan, use: LaunchTemplateUse, index: ResourceIndex, lookup: ResourceLookup): ResourcePlan | string {
  const spec = valueAt(plan.view.properties, use.specPath);
  for (const key of [use.idKey, use.nameKey]) {
    const raw = isPlainObject(spec) ? spec[key] : undefined;
    if (raw === undefined) continue;
    const target = lookup.resourceAt(plan.view, [...use.specPath, key]);
    const byLookup = target && index.plans.get(target.key);
    if (byLookup && isLaunchTemplate(byLookup)) return byLookup;
    const name = key === use.nameKey ? nameKey(plan.view, raw, lookup) : undefined;
    const byName = name === undefined ? undefined : index.templatesByName.get(name);
    if (byName) return byName;
    return typeof raw === 'string'
      ? `launch template ${key === use.idKey ? 'id' : 'name'} '${raw}' is not in this app`
      : `launch template ${key === use.idKey ? 'id' : 'name'} ${JSON.stringify(raw)} is decided at deploy time`;
  }
  return 'launch template specification names no template';
}
