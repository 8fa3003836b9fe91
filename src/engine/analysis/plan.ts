import { LaunchTemplateUse, ResourceAdapter } from '../adapter';
import { Json } from '../json';
import { Finding, Impact, MetadataChange, Patch, ResourceLookup, ResourceView } from '../model';
import { Imdsv2RuleId as Rule } from '../rule-id';

/** Which launch template version a consumer launches. */
export type VersionRef =
  | { readonly kind: 'latest' | 'default'; readonly byGetAtt: boolean }
  | { readonly kind: 'pinned'; readonly number: number }
  | { readonly kind: 'unknown'; readonly raw: Json };

export interface TemplateLink {
  readonly consumer: ResourcePlan;
  readonly target: ResourcePlan;
  readonly use: LaunchTemplateUse;
  readonly version: VersionRef;
  /**
   * True when the version value reads the target's LatestVersionNumber, whatever else it
   * computes (a Sub of several references): it changes whenever the template changes.
   */
  readonly readsLatest?: boolean;
}

/** What a resource launches from. */
export interface Sources {
  readonly templates: TemplateLink[];
  /** The launch template specification itself is an intrinsic. */
  readonly unresolvedTemplates: boolean;
  /** Why each template that is not in the app could not be found. */
  readonly missingTemplates: string[];
  configuration?: ResourcePlan;
  missingConfiguration?: string;
}

/** The links of every resource, written by the link stage and only read after it. */
export type SourceTable = ReadonlyMap<ResourcePlan, Sources>;

/**
 * The per-resource plan record: the one piece of mutable state the stages share. Each stage
 * receives the records it works on and updates them; which stage may read which field is
 * the pipeline order in `analyze()` (e.g. `changed` of a launch template is final only after
 * the cascade stage).
 */
export interface ResourcePlan {
  readonly view: ResourceView;
  readonly adapter: ResourceAdapter;
  /** Consumers of this launch template / launch configuration. */
  readonly consumers: TemplateLink[];
  /**
   * Resources whose launch template Version reads this template's LatestVersionNumber
   * although their spec names another template or one not found (a name given as a
   * parameter): a new version of this one changes them all the same.
   */
  readonly versionReaders: TemplateLink[];
  findings: Finding[];
  patches: Patch[];
  impact: Impact;
  /** True when IMDSv1 stays reachable after the planned patches (or cannot be decided). */
  openAfter: boolean;
  /** True when the plan changes this resource's own settings. */
  changed: boolean;
  /** The change planned to its own settings. */
  change: MetadataChange;
  compliantAsWritten: boolean;
  acknowledged: Rule[];
  acknowledgedThroughSource: boolean;
}

/** The resources the engine plans, by view key, in the order of the views given. */
export type PlanTable = ReadonlyMap<string, ResourcePlan>;

/** A fresh plan: compliant, unchanged, nothing found yet. */
export function newPlan(view: ResourceView, adapter: ResourceAdapter): ResourcePlan {
  return {
    view,
    adapter,
    consumers: [],
    versionReaders: [],
    findings: [],
    patches: [],
    impact: Impact.NONE,
    openAfter: false,
    changed: false,
    change: {},
    compliantAsWritten: true,
    acknowledged: [],
    acknowledgedThroughSource: false,
  };
}

const IMPACT_ORDER = [Impact.NONE, Impact.NO_INTERRUPTION, Impact.NEW_VERSION, Impact.REFRESH, Impact.REPLACEMENT];

export function worst(a: Impact, b: Impact): Impact {
  return IMPACT_ORDER.indexOf(a) >= IMPACT_ORDER.indexOf(b) ? a : b;
}

/** True when consumers can launch from it by a launch template spec (the adapter says so). */
export function isLaunchTemplate(plan: ResourcePlan): boolean {
  return plan.adapter.launchSource?.kind === 'launch-template';
}

/** A launch template or configuration that breaks a rule, but only rules acknowledged on it. */
export function isAcknowledgedSource(source: ResourcePlan): boolean {
  return !source.compliantAsWritten && source.findings.length === 0 && source.acknowledged.length > 0;
}

/**
 * Records a finding on `plan`, unless its rule is acknowledged there (then only the
 * acknowledgement is recorded). Returns true when it was reported: the caller acts on the
 * finding (patches) only then, and leaves an acknowledged problem as it is.
 */
export function report(plan: ResourcePlan, lookup: ResourceLookup, f: Omit<Finding, 'resource'>): boolean {
  if (lookup.isAcknowledged(plan.view, f.ruleId)) {
    if (!plan.acknowledged.includes(f.ruleId)) plan.acknowledged.push(f.ruleId);
    return false;
  }
  plan.findings.push({ ...f, resource: plan.view });
  return true;
}

/** Marks every finding so far as not fixable: the fix that was planned for them is withdrawn. */
export function withdrawFixes(plan: ResourcePlan): void {
  plan.findings = plan.findings.map((f) => ({ ...f, fixable: false }));
}
