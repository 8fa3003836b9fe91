import { CfnResource } from 'aws-cdk-lib';
import { CfnLaunchTemplate } from 'aws-cdk-lib/aws-ec2';
import { Json, PropertyPath, isIntrinsic } from '../engine/json';
import { Patch, ResourceView } from '../engine/model';
import { adapterFor } from '../engine/resource-table';

/**
 * A patch that writes one path (`set`, or `follow-latest`), as applied, with what was at
 * its path before, so that it can be undone and the resource shown without it.
 */
export interface AppliedSet {
  readonly path: PropertyPath;
  readonly value: Json;
  /** The shortest prefix of `path` that was absent before (undefined: the path existed). */
  readonly createdAt?: PropertyPath;
  /** The value at `path` before, when it existed. */
  readonly before?: Json;
}

/**
 * Applies `patch` to `resource` as property overrides (REWRITE). `viewOf` gives the view of
 * a launch template a patch points at; `created` is told of a launch template made here.
 * Returns how to undo it, except for a new launch template (which stays).
 */
export function applyPatch(
  resource: CfnResource, patch: Patch, original: Json, resourceOf: (view: ResourceView) => CfnResource,
  created: (template: CfnLaunchTemplate) => void): AppliedSet | undefined {
  switch (patch.kind) {
    case 'set': {
      resource.addPropertyOverride(patch.path.join('.'), patch.value);
      return { path: patch.path, value: patch.value, ...whatWasAt(original, patch.path) };
    }
    case 'follow-latest': {
      const template = resourceOf(patch.launchTemplate);
      const value = template.getAtt('LatestVersionNumber');
      resource.addPropertyOverride(patch.path.join('.'), value);
      return { path: patch.path, value, ...whatWasAt(original, patch.path) };
    }
    case 'attach-launch-template': {
      // Next to the resource; inside its L2 when it is one's default child ("Resource").
      const id = resource.node.id === 'Resource' ? 'Imdsv2LaunchTemplate' : `${resource.node.id}Imdsv2LaunchTemplate`;
      const template = new CfnLaunchTemplate(resource.node.scope!, id, {
        launchTemplateData: {
          metadataOptions: {
            httpTokens: patch.metadataOptions.HttpTokens,
            httpPutResponseHopLimit: patch.metadataOptions.HttpPutResponseHopLimit,
          },
        },
      });
      // What the service refuses next to a launch template moves into it (EKS's DiskSize).
      for (const [key, value] of Object.entries(patch.moved?.launchTemplateData ?? {})) template.addPropertyOverride(`LaunchTemplateData.${key}`, value);
      for (const property of patch.moved?.properties ?? []) resource.addPropertyDeletionOverride(property);
      created(template);
      const spec = patch.specPath.join('.');
      resource.addPropertyOverride(`${spec}.${patch.idKey}`, template.ref);
      resource.addPropertyOverride(`${spec}.${patch.versionKey}`, template.attrLatestVersionNumber);
      if (adapterFor(resource.cfnResourceType)?.withoutLaunchTemplate?.(patch.resource)?.needsNewLogicalId) {
        // The service cannot take a launch template in place (EKS): a new logical id
        // makes CloudFormation create the new resource before it deletes the old one.
        resource.overrideLogicalId(`${patch.resource.logicalId}Imdsv2`);
      }
      return undefined;
    }
  }
}

/**
 * Undoes `applied` on `resource`: each path gets back what it had, and what the patches
 * created is removed, so the resource renders as it would have without them.
 */
export function undoSets(resource: CfnResource, applied: readonly AppliedSet[]): void {
  const removed = new Set<string>();
  for (const a of applied) {
    if (a.createdAt === undefined) {
      resource.addPropertyOverride(a.path.join('.'), a.before);
      continue;
    }
    const at = a.createdAt.join('.');
    if (removed.has(at)) continue;
    removed.add(at);
    resource.addPropertyDeletionOverride(at);
  }
}

/**
 * `properties` as they would be without `applied`: the final check asks the engine about
 * a launch template as if it had not been fixed, to see whether fixing it is still safe.
 */
export function withoutSets(properties: Json, applied: readonly AppliedSet[]): Json {
  // Copied only along the paths it changes: the rest is shared with `properties` (nothing
  // writes into a view's properties), as a deep copy of every resource cost a whole render's worth.
  const copy = shallowCopy(properties ?? {});
  for (const a of applied) {
    const target = a.createdAt ?? a.path;
    let parent: Json = copy;
    for (const key of target.slice(0, -1)) {
      if (!isContainer(parent)) break;
      const child: Json = parent[key];
      if (!isContainer(child)) {
        parent = undefined;
        break;
      }
      parent = parent[key] = shallowCopy(child);
    }
    if (!isContainer(parent)) continue;
    const last = target[target.length - 1];
    if (a.createdAt === undefined) parent[last] = a.before;
    else if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  }
  return copy;
}

/** A copy of the object or array itself, its values shared. */
function shallowCopy(value: Json): Json {
  if (Array.isArray(value)) return [...value];
  if (typeof value === 'object' && value !== null) return { ...value };
  return value;
}

/** Where `path` stood in `root` before a patch: its value, or the first key that was missing. */
function whatWasAt(root: Json, path: PropertyPath): { createdAt?: PropertyPath; before?: Json } {
  let here: Json = root;
  for (let i = 0; i < path.length; i++) {
    if (!isContainer(here) || !(path[i] in here)) return { createdAt: path.slice(0, i + 1) };
    here = here[path[i]];
  }
  return { before: here };
}

/** An object or array a path can go through (an intrinsic is a value, not a container). */
function isContainer(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !isIntrinsic(v);
}
