import { decodeIfBase64 } from './base64-text';
import { Json, PropertyPath, UNRESOLVED, Unresolved, arrayAt, isIntrinsic, isPlainObject, numberAt, stringAt, valueAt } from './json';
import { Impact, MetadataChange, MetadataState, MovedIntoLaunchTemplate, Patch, ResourceLookup, ResourceView } from './model';
import { Imdsv2RuleId } from './rule-id';

/**
 * How the engine reads and patches one CloudFormation resource type.
 *
 * One file per type in `adapters/`; `resource-table.ts` lists them. Adding a type is
 * adding an adapter: the engine's decisions (policy, references, cascades) stay put.
 */
export interface ResourceAdapter {
  readonly type: string;
  /** The top-level properties the adapter reads: a front door resolves only these. */
  readonly properties: readonly string[];
  /**
   * Of a top-level property that is a large struct, the only fields the engine and the
   * user-data rule read; the aspect resolves just those (a launch template's data holds
   * its whole instance configuration). A property not named here is read whole.
   */
  readonly fieldsRead?: Readonly<Record<string, readonly string[]>>;
  /** The IMDS settings the resource carries itself, if it has any. */
  readonly settings?: SettingsCarrier;
  /**
   * What other resources launch from it, when it is such a source: a launch template (named
   * by consumers' `launchTemplates` specs, found by name too, re-versioned when it changes,
   * which the cascade stage checks) or a launch configuration (named by consumers'
   * `launchConfigurationPath`). The link and cascade stages ask this, not the type name.
   */
  readonly launchSource?: LaunchSource;
  /** Where it names a launch configuration (Auto Scaling groups). */
  readonly launchConfigurationPath?: PropertyPath;
  /**
   * True when its own settings win over those of the launch template it launches from,
   * field by field (an EC2 instance): an open or unknown template is then closed through
   * the resource's own settings (no interruption), never by changing the template's
   * version, and its own HttpEndpoint can re-enable what the template disabled. Needs
   * `settings`. Without it, a consumer is as open as its template.
   */
  readonly ownSettingsWinOverTemplate?: boolean;
  /**
   * Where the scripts that run on its instances (user data) are, for the user-data rule
   * (Imdsv2-UserDataV1). Absent: the resource carries no user data of its own (its
   * launch template does, or the service writes it); cfn-init metadata is read anyway.
   */
  readonly scripts?: ScriptLocations;
  /** The launch templates it launches from (UNRESOLVED when the list itself is an intrinsic). */
  launchTemplates?(view: ResourceView): LaunchTemplateUse[] | Unresolved;
  /**
   * For a resource that may have no launch template at all (EKS node group, Batch):
   * how to give it one, or undefined when this form of the resource runs no EC2 instance.
   */
  withoutLaunchTemplate?(view: ResourceView): MissingLaunchTemplate | undefined;
  /** True when containers run on the host, so they need one more hop to reach IMDS. */
  isContainerHost(view: ResourceView): boolean;
  /** What pointing it at another launch template version does on deploy. */
  versionChangeImpact(view: ResourceView): Impact;
  /**
   * Problems specific to the type that the common rules do not see. `lookup` finds what a
   * reference in it points at (an EMR cluster's security configuration).
   */
  extraProblems?(view: ResourceView, lookup: ResourceLookup): TypeProblem[];
  /**
   * False when this resource, of a type that can launch EC2 instances, launches none as
   * written (a Kubernetes manifest that holds no Karpenter EC2NodeClass, a Helm chart that
   * mentions none): the engine then gives it no verdict, so it is neither counted nor
   * reported. Absent: every resource of the type launches instances.
   */
  launchesInstances?(view: ResourceView): boolean;
  /**
   * The physical name the resource is given, when one is set (LaunchConfigurationName,
   * NodegroupName …). CloudFormation cannot replace a resource with a custom name (it
   * creates the new one before deleting the old, and the names clash: the deploy fails),
   * so a fix that replaces it is never applied, whatever allowReplacement says.
   */
  customName?(view: ResourceView): CustomName | undefined;
}

/** What other resources launch from (see `ResourceAdapter.launchSource`). */
export type LaunchSource =
  /**
   * A launch template: `namePath` is its name property, which consumers may name it by.
   * Its versions are read as EC2's are (the only launch template CloudFormation has):
   * '$Latest' / '$Default', or its LatestVersionNumber / DefaultVersionNumber attributes.
   */
  | { readonly kind: 'launch-template'; readonly namePath: PropertyPath }
  | { readonly kind: 'launch-configuration' };

/** Where a resource keeps user data (see `ResourceAdapter.scripts`). */
export interface ScriptLocations {
  /**
   * The top-level properties that hold them: a front door renders these (besides
   * `properties`) and hands them to `userDataFindings`. The aspect renders them through
   * `fieldsRead` too: a struct named there must list the fields user data is read from.
   */
  readonly properties: readonly string[];
  /**
   * Where a user-data finding is shown, under `Properties/` (e.g. `LaunchTemplateData/UserData`):
   * the CLI's and the nag pack's location of the finding.
   */
  readonly location: string;
  /**
   * The user data values in `properties` (the resource's Properties, or at least those
   * named above), each with its label for messages ('user data', 'LaunchSpecifications[0] user data').
   */
  userData(properties: Readonly<Record<string, Json>>): LabelledUserData[];
}

/** One user data value and how a message names it. */
export interface LabelledUserData {
  readonly label: string;
  readonly value: Json;
}

/** `scripts` of a resource whose user data is the property at `path` (labelled 'user data'). */
export function userDataAt(path: PropertyPath): ScriptLocations {
  return {
    properties: [path[0]],
    location: path.join('/'),
    userData: (properties) => {
      let value: Json = properties;
      for (const step of path) value = isPlainObject(value) ? value[step] : undefined;
      return [{ label: 'user data', value }];
    },
  };
}

/** A custom physical name, and what to do about a fix that would replace the resource. */
export interface CustomName {
  /** The property and its value, for messages, e.g. "LaunchConfigurationName 'web-lc'". */
  readonly name: string;
  /** What a person can do instead. */
  readonly remedy: string;
}

/** `customName` for a resource named by the top-level property `property`. */
export function namedBy(property: string, remedy: string): (view: ResourceView) => CustomName | undefined {
  return (view) => {
    const v = valueAt(view.properties, [property]);
    if (v === undefined || v === null) return undefined;
    return { name: `${property} ${typeof v === 'string' ? `'${v}'` : '(computed at deploy time)'}`, remedy };
  };
}

/** Where a resource keeps IMDS settings of its own, and how to write them. */
export interface SettingsCarrier {
  readonly supportsHopLimit: boolean;
  readonly changeImpact: Impact;
  /** True when writing them replaces the resource itself (a launch configuration). */
  readonly replacesResource?: boolean;
  /**
   * The last key of the path `write` sets a hop limit at (undefined: no hop limit), so a
   * front door tells a hop-limit patch from a tokens patch (the CLI's finding location).
   */
  readonly hopLimitKey?: string;
  /**
   * How writing them replaces what runs, for messages, when `changeImpact` is a
   * replacement: such a change is applied only when the policy allows replacement
   * (otherwise Imdsv2-Replacement), e.g. 'Karpenter sees the EC2NodeClass drift and replaces its nodes'.
   */
  readonly replacedHow?: string;
  /**
   * True when a hop limit below containerHopLimit on a container host is the launcher's own
   * documented choice to keep pods off IMDS (Karpenter v1 defaults to 1): only a limit above
   * containerHopLimit is then outside policy. Without it a container host gets exactly
   * containerHopLimit.
   */
  readonly acceptsLowerHopLimit?: boolean;
  /** The fix of an Imdsv2-TokensRequired finding, in the resource's own words (default: HttpTokens). */
  readonly tokensRemedy?: string;
  read(view: ResourceView): MetadataState;
  /** True when the settings object itself is an intrinsic: nothing can be merged into it. */
  isOpaque(view: ResourceView): boolean;
  /**
   * Where in the resource the settings a finding is about are, prefixed to its problem, for
   * a resource that keeps several sets (a manifest's EC2NodeClasses): `field` says which.
   */
  where?(view: ResourceView, field: 'tokens' | 'hop'): string | undefined;
  /** What an opaque resource's finding says (default: a parameter or Fn::If). */
  opaqueProblem?(view: ResourceView): string;
  /**
   * Why the change cannot be written here although it is known, or undefined when it can
   * (a manifest that copies a reference into another stack's resource would break it).
   */
  cannotWrite?(view: ResourceView, lookup: ResourceLookup): string | undefined;
  write(view: ResourceView, change: MetadataChange): Patch[];
}

/** A launch template specification inside a consumer. */
export interface LaunchTemplateUse {
  readonly specPath: PropertyPath;
  readonly idKey: string;
  readonly nameKey: string;
  readonly versionKey: string;
}

/** A consumer with no launch template: how one could be attached. */
export interface MissingLaunchTemplate {
  readonly specPath: PropertyPath;
  readonly idKey: string;
  readonly versionKey: string;
  /** What attaching a launch template does on deploy. */
  readonly impact: Impact;
  /** Why one cannot be attached automatically, if so (e.g. a node group's RemoteAccess). */
  readonly blocker?: string;
  /**
   * What the service refuses next to a launch template but the new one can carry (a node
   * group's DiskSize, as a block device mapping): moved when the template is attached.
   */
  readonly moved?: MovedIntoLaunchTemplate;
  /** What the service does without one, for messages. */
  readonly serviceDefault: string;
  /**
   * How attaching one replaces the resource, for messages, when `impact` is a replacement
   * and 'replaces it on deploy' does not say it (EKS: 'cannot be done in place: …').
   */
  readonly replacedHow?: string;
  /**
   * True when the service refuses to attach one in place, so the aspect gives the resource
   * a new logical id: CloudFormation then creates the new resource before it deletes the
   * old one (EKS node groups). Only applied when replacement is allowed.
   */
  readonly needsNewLogicalId?: boolean;
}

/** A type-specific problem: IMDSv1 open in a way only a person can fix. */
export interface TypeProblem {
  readonly problem: string;
  readonly remedy: string;
  /**
   * The rule it breaks: Imdsv2-TokensRequired (the default), or Imdsv2-Unverifiable when
   * what would tell cannot be read here (a Helm chart's rendered manifests).
   */
  readonly ruleId?: Imdsv2RuleId;
}

/** The usual shape: { HttpTokens, HttpPutResponseHopLimit, HttpEndpoint } at `base`. */
export function metadataOptionsCarrier(base: PropertyPath, changeImpact: Impact, opts: { endpoint?: boolean } = {}): SettingsCarrier {
  const hasEndpoint = opts.endpoint ?? true;
  return {
    supportsHopLimit: true,
    changeImpact,
    hopLimitKey: 'HttpPutResponseHopLimit',
    read: (view) => ({
      httpTokens: normalizeTokens(stringAt(view.properties, [...base, 'HttpTokens'])),
      hopLimit: numberAt(view.properties, [...base, 'HttpPutResponseHopLimit']),
      httpEndpoint: hasEndpoint ? lower(stringAt(view.properties, [...base, 'HttpEndpoint'])) : undefined,
    }),
    isOpaque: (view) => isOpaqueAt(view.properties, base),
    write: (view, change) => {
      const patches: Patch[] = [];
      if (change.httpTokens) patches.push({ kind: 'set', resource: view, path: [...base, 'HttpTokens'], value: change.httpTokens });
      if (change.hopLimit !== undefined) patches.push({ kind: 'set', resource: view, path: [...base, 'HttpPutResponseHopLimit'], value: change.hopLimit });
      return patches;
    },
  };
}

/** A single switch that turns IMDSv1 off (AppStream DisableIMDSV1, SageMaker version "2"). */
export function switchCarrier(path: PropertyPath, isRequired: (v: Json) => boolean | Unresolved, requiredValue: Json): SettingsCarrier {
  return {
    supportsHopLimit: false,
    changeImpact: Impact.NO_INTERRUPTION,
    read: (view) => {
      const v = valueAt(view.properties, path);
      // A parameter or another intrinsic is decided at deploy time: Unverifiable, never overwritten.
      const required = v === undefined ? false : v === UNRESOLVED || isIntrinsic(v) ? UNRESOLVED : isRequired(v);
      return { httpTokens: required === UNRESOLVED ? UNRESOLVED : required ? 'required' : 'optional' };
    },
    isOpaque: (view) => isOpaqueAt(view.properties, path.slice(0, -1)),
    write: (view, change) => change.httpTokens ? [{ kind: 'set', resource: view, path, value: requiredValue }] : [],
  };
}

/** True when any step of `path` (the object itself included) is an intrinsic or not an object. */
function isOpaqueAt(root: Json, path: PropertyPath): boolean {
  if (path.length === 0) return false;
  const v = valueAt(root, path);
  return v === UNRESOLVED || isIntrinsic(v) || (v !== undefined && v !== null && !isPlainObject(v));
}

function normalizeTokens(v: string | Unresolved | undefined): string | Unresolved | undefined {
  return lower(v);
}

function lower(v: string | Unresolved | undefined): string | Unresolved | undefined {
  return typeof v === 'string' ? v.toLowerCase() : v;
}

/** The standard { LaunchTemplateId, LaunchTemplateName, Version } spec at `specPath`, when present. */
export function standardUse(view: ResourceView, specPath: PropertyPath): LaunchTemplateUse[] | Unresolved {
  const spec = valueAt(view.properties, specPath);
  if (spec === undefined || spec === null) return [];
  if (spec === UNRESOLVED || !isPlainObject(spec)) return UNRESOLVED;
  return [{ specPath, idKey: 'LaunchTemplateId', nameKey: 'LaunchTemplateName', versionKey: 'Version' }];
}

/** Specs found at `arrayPath[i].<specKey>` (fleets' LaunchTemplateConfigs). */
export function usesInArray(view: ResourceView, arrayPath: PropertyPath, specKey: string): LaunchTemplateUse[] | Unresolved {
  const items = arrayAt(view.properties, arrayPath);
  if (items === UNRESOLVED) return UNRESOLVED;
  const uses: LaunchTemplateUse[] = [];
  for (let i = 0; i < items.length; i++) {
    const found = standardUse(view, [...arrayPath, String(i), specKey]);
    if (found === UNRESOLVED) return UNRESOLVED;
    uses.push(...found);
  }
  return uses;
}

const CLUSTER_TAG = /^(kubernetes\.io\/cluster\/|k8s\.io\/cluster-autoscaler\/|eks:cluster-name$|eks:nodegroup-name$)/;

/** Tags that EKS and its autoscaler put on the instances of a cluster. */
export function hasClusterTag(tags: Json): boolean {
  if (Array.isArray(tags)) return tags.some((t) => isPlainObject(t) && typeof t.Key === 'string' && CLUSTER_TAG.test(t.Key));
  if (isPlainObject(tags)) return Object.keys(tags).some((k) => CLUSTER_TAG.test(k));
  return false;
}

/**
 * What joins a host to an ECS or EKS cluster: the ECS agent's config (`ECS_CLUSTER=`), EKS's
 * bootstrap script or nodeadm, and Bottlerocket's TOML settings, which its ECS and Kubernetes
 * variants read instead of a script (`[settings.ecs]` with `cluster = "…"`, what aws-cdk-lib's
 * BottleRocketImage writes; `[settings.kubernetes]`; or the dotted `settings.ecs.cluster = …`).
 */
const CONTAINER_BOOTSTRAP = /ECS_CLUSTER|\/etc\/eks\/bootstrap\.sh|nodeadm|node\.eks\.aws|amazon-ecs-agent|\bsettings\s*\.\s*(?:ecs|kubernetes)\b/;

/**
 * User data that joins the host to an ECS or EKS cluster, written as text, in Fn::Base64 /
 * Fn::Join / Fn::Sub, or as a literal base64 (optionally gzipped) string.
 */
export function joinsContainerCluster(userData: Json): boolean {
  if (userData === undefined || userData === null) return false;
  if (CONTAINER_BOOTSTRAP.test(typeof userData === 'string' ? userData : JSON.stringify(userData))) return true;
  return stringsIn(userData).some((s) => CONTAINER_BOOTSTRAP.test(decodeIfBase64(s)));
}

function stringsIn(value: Json): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (isPlainObject(value)) return Object.values(value).flatMap(stringsIn);
  return [];
}
