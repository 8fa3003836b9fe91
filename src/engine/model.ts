import { Json, PropertyPath, Unresolved } from './json';
import { Imdsv2RuleId } from './rule-id';

/**
 * One CloudFormation resource as a front door hands it to the engine.
 *
 * The aspect builds it from a CfnResource (rendered and resolved once), the validator
 * and the CLI from a synthesized template. The engine never looks further than this.
 */
export interface ResourceView {
  /** Unique across everything the front door analyses at once (e.g. stack path + logical id). */
  readonly key: string;
  readonly logicalId: string;
  readonly type: string;
  /** The resource's resolved CloudFormation Properties (only those the adapter reads). */
  readonly properties: Json;
  /** Where a person finds it: a construct path or `template.json#LogicalId`. */
  readonly path: string;
  /**
   * Set when something the engine cannot see in the properties will make the resource
   * compliant before synthesis ends (e.g. aws-cdk-lib's InstanceRequireImdsv2Aspect,
   * which attaches its launch template later): the reason, shown in the report.
   */
  readonly compliantBecause?: string;
}

/** What a front door answers for the engine. */
export interface ResourceLookup {
  /**
   * The resource that the reference at `path` inside `from` points at
   * (Ref, Fn::GetAtt, a cross-stack import, a nested stack parameter …),
   * or undefined when it is not one the front door can see (a literal id, a parameter).
   */
  resourceAt(from: ResourceView, path: PropertyPath): ResourceView | undefined;
  /** True when `ruleId` is acknowledged on the resource or one of its scopes. */
  isAcknowledged(view: ResourceView, ruleId: Imdsv2RuleId): boolean;
  /**
   * The top-level stack that deploys `view` (a nested stack's resources belong to its
   * top-level stack), or undefined when the front door cannot tell. A value that one of
   * them reads from another is a CloudFormation export (across regions, a CDK
   * ExportsWriter value), which cannot change while another stack imports it.
   */
  deploymentOf?(view: ResourceView): string | undefined;
  /**
   * The one template `view` is written in (a nested stack's is its own), or undefined when
   * the front door cannot tell. Two values computed the same way, such as
   * `Fn::Join ['', [{ Ref: AWS::StackName }, '-lt']]`, are the same value only within one
   * template: a launch template named by such an expression is matched by the same
   * expression only there.
   */
  templateIdOf?(view: ResourceView): string | undefined;
  /**
   * True when `logicalId` names a resource or parameter of the template `view` is written
   * in, false when it does not (a reference into another stack, as written before the app
   * is prepared), undefined when the front door cannot tell. A fix that copies a reference
   * into a new value (a Kubernetes manifest's Fn::Join) is safe only for the former: a
   * copied reference into another stack is no longer turned into an import.
   */
  definesLogicalId?(view: ResourceView, logicalId: string): boolean | undefined;
}

/** What the enforcement policy asks for. */
export interface EnginePolicy {
  /**
   * Highest hop limit a plain host may have; hosts above it are lowered to it. Undefined
   * means no host policy: hosts above `containerHopLimit` are lowered to it, and a host
   * between 2 and `containerHopLimit` gets an advisory finding only (hop limit 2 is what EC2
   * gives an instance launched from an IMDSv2-only AMI, and what Docker's bridge needs).
   */
  readonly hostHopLimit?: number;
  /**
   * Hop limit a container host gets (pods/containers reach IMDS through one more hop); with
   * no host policy, also the most a plain host may have.
   */
  readonly containerHopLimit: number;
  /** Whether fixes that replace or recreate a live resource may be applied. */
  readonly allowReplacement: boolean;
  /**
   * Whether the caller may change `view`'s own settings. A resource outside the aspect's
   * scope is analysed only so that what launches from it, or follows it, is judged right:
   * a fix planned for it would never be applied, so it stays open. Default: every resource.
   */
  readonly mayChange?: (view: ResourceView) => boolean;
}

/** What a change does to the live resource on deploy. */
export enum Impact {
  NONE = 'none',
  NO_INTERRUPTION = 'no interruption',
  NEW_VERSION = 'new launch template version',
  REFRESH = 'running instances keep old settings until refreshed',
  REPLACEMENT = 'replacement',
}

/** The IMDS settings as read from a resource; each field may be unset or undecidable. */
export interface MetadataState {
  /** 'required' | 'optional' */
  readonly httpTokens?: string | Unresolved;
  readonly hopLimit?: number | Unresolved;
  /** 'enabled' | 'disabled' */
  readonly httpEndpoint?: string | Unresolved;
}

/** The settings the engine wants written. */
export interface MetadataChange {
  readonly httpTokens?: 'required';
  readonly hopLimit?: number;
}

/** Set the property at `path` to `value` (a property override in the aspect). */
export interface SetProperty {
  readonly kind: 'set';
  readonly resource: ResourceView;
  readonly path: PropertyPath;
  readonly value: Json;
}

/** Point a launch template spec at the latest version of `launchTemplate`. */
export interface FollowLatestVersion {
  readonly kind: 'follow-latest';
  readonly resource: ResourceView;
  /** Path of the version field, e.g. ['LaunchTemplate', 'Version']. */
  readonly path: PropertyPath;
  readonly launchTemplate: ResourceView;
}

/** Give a consumer that has no launch template a new one carrying `metadataOptions`. */
export interface AttachLaunchTemplate {
  readonly kind: 'attach-launch-template';
  readonly resource: ResourceView;
  /** Path of the launch template specification object, e.g. ['LaunchTemplate']. */
  readonly specPath: PropertyPath;
  readonly idKey: string;
  readonly versionKey: string;
  readonly metadataOptions: Json;
  /** What moves from the resource into the new template (EKS's DiskSize), if anything. */
  readonly moved?: MovedIntoLaunchTemplate;
}

/**
 * Settings the service refuses next to a launch template, carried into the new one: the
 * resource's `properties` are removed and `launchTemplateData` (CloudFormation names) is
 * written into the template's LaunchTemplateData beside its MetadataOptions.
 */
export interface MovedIntoLaunchTemplate {
  readonly properties: readonly string[];
  readonly launchTemplateData: Readonly<Record<string, Json>>;
  /** For messages, e.g. "DiskSize 50 moves into its block device mapping of /dev/xvda (gp3)". */
  readonly description: string;
}

export type Patch = SetProperty | FollowLatestVersion | AttachLaunchTemplate;

/** One rule broken by one resource. */
export interface Finding {
  readonly ruleId: Imdsv2RuleId;
  readonly resource: ResourceView;
  /** What is wrong, in lower case, with the values seen. */
  readonly problem: string;
  /** What the fix is (done in REWRITE when `fixed`), or what the user should do. */
  readonly remedy: string;
  /** True when the engine's patches fix it; false when it needs a person. */
  readonly fixable: boolean;
  /**
   * True when it is advice, not a gap: IMDSv1 stays closed and nothing is changed (a plain
   * host at a hop limit above 1 that containers on it may need). Every front door reports it
   * as a warning, never as an error, and it does not make the resource non-compliant.
   */
  readonly advisory?: boolean;
}

/** The engine's verdict on one IMDS-bearing resource. */
export interface ResourceVerdict {
  readonly resource: ResourceView;
  /** The settings as written, e.g. "tokens=optional hop=1". */
  readonly before: string;
  /** The settings after the patches (same as before when nothing is patched). */
  readonly after: string;
  readonly findings: Finding[];
  readonly patches: Patch[];
  /** What the patches do on deploy. */
  readonly impact: Impact;
  /** True when the resource is compliant as written (advisory findings do not count). */
  readonly compliantAsWritten: boolean;
  /** True when, after the patches, IMDSv1 cannot be reached (as far as can be decided). */
  readonly compliantAfter: boolean;
  /** Rules it breaks that are acknowledged on it (so neither reported nor fixed). */
  readonly acknowledged: Imdsv2RuleId[];
  /**
   * True when what it breaks comes from its launch template or launch configuration, and
   * every finding there is acknowledged (a hop limit chosen in code, say).
   */
  readonly acknowledgedThroughSource: boolean;
}
