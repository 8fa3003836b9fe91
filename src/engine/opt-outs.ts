// Shared, not exported from the package: the app-wide opt-outs (`disabledRules`,
// `ignoredResourceTypes`) of every front door, checked the same way and applied the same way.
//
// They are applied by decorating the front door's ResourceLookup: the engine asks
// `isAcknowledged(view, ruleId)` before it plans a fix or reports a finding, so a disabled
// rule or an ignored type answered as acknowledged is left unchanged by REWRITE and
// reported by nobody, exactly as a `Validations.of(app).acknowledge()` would be, without a
// second code path in the engine.
import { PropertyPath } from './json';
import { ResourceLookup, ResourceView } from './model';
import { RESOURCE_TABLE } from './resource-table';
import { Imdsv2RuleId } from './rule-id';

/** What a front door was told to leave alone, app-wide. */
export interface OptOuts {
  readonly disabledRules: ReadonlySet<string>;
  readonly ignoredResourceTypes: ReadonlySet<string>;
}

/** No opt-outs. */
export const NO_OPT_OUTS: OptOuts = { disabledRules: new Set(), ignoredResourceTypes: new Set() };

const RULE_IDS: readonly string[] = Object.values(Imdsv2RuleId);

/**
 * The opt-outs, checked: every rule id must be one of ours and every type one the engine
 * reads (a typo would otherwise switch nothing off, silently).
 *
 * @param owner what is being configured, for the message (`Imdsv2Aspect`, `cdk-imdsv2` …)
 * @param rulesName the name of the rule list there (`disabledRules`, `--disable-rule`)
 * @param disabledRules the rule ids given
 * @param typesName the name of the type list there
 * @param ignoredResourceTypes the CloudFormation resource types given
 */
export function checkOptOuts(owner: string, rulesName: string, disabledRules: readonly string[] | undefined,
  typesName: string, ignoredResourceTypes: readonly string[] | undefined): OptOuts {
  return {
    disabledRules: checkList(owner, rulesName, disabledRules, RULE_IDS, 'a rule id'),
    ignoredResourceTypes: checkList(owner, typesName, ignoredResourceTypes, [...RESOURCE_TABLE.keys()], 'a resource type cdk-imdsv2 checks'),
  };
}

function checkList(owner: string, name: string, given: readonly string[] | undefined,
  known: readonly string[], what: string): ReadonlySet<string> {
  if (given === undefined || given === null) return new Set();
  if (!Array.isArray(given)) throw new Error(`${owner}: ${name} is ${typeof given}, expected a list of strings`);
  for (const value of given) {
    if (!known.includes(value)) {
      throw new Error(`${owner}: ${name} has ${typeof value === 'string' ? `"${value}"` : String(value)}, expected ${what}: `
        + known.join(', '));
    }
  }
  return new Set(given);
}

/** True when `view` is out of scope for `ruleId` because of an app-wide opt-out. */
export function isOptedOut(optOuts: OptOuts, view: ResourceView, ruleId: string): boolean {
  return optOuts.disabledRules.has(ruleId) || optOuts.ignoredResourceTypes.has(view.type);
}

/**
 * `lookup`, with every disabled rule and every rule on an ignored resource type answered as
 * acknowledged. Returns `lookup` itself when there is nothing to opt out of.
 */
export function withOptOuts(lookup: ResourceLookup, optOuts: OptOuts): ResourceLookup {
  if (optOuts.disabledRules.size === 0 && optOuts.ignoredResourceTypes.size === 0) return lookup;
  return new OptOutLookup(lookup, optOuts);
}

class OptOutLookup implements ResourceLookup {
  // Optional in ResourceLookup: present here only when the wrapped lookup has them, since
  // the engine behaves differently when a front door cannot tell.
  public readonly deploymentOf?: (view: ResourceView) => string | undefined;
  public readonly templateIdOf?: (view: ResourceView) => string | undefined;
  public readonly definesLogicalId?: (view: ResourceView, logicalId: string) => boolean | undefined;

  public constructor(private readonly inner: ResourceLookup, private readonly optOuts: OptOuts) {
    if (inner.deploymentOf) this.deploymentOf = (view) => inner.deploymentOf!(view);
    if (inner.templateIdOf) this.templateIdOf = (view) => inner.templateIdOf!(view);
    if (inner.definesLogicalId) this.definesLogicalId = (view, id) => inner.definesLogicalId!(view, id);
  }

  public resourceAt(from: ResourceView, path: PropertyPath): ResourceView | undefined {
    return this.inner.resourceAt(from, path);
  }

  public isAcknowledged(view: ResourceView, ruleId: Imdsv2RuleId): boolean {
    return isOptedOut(this.optOuts, view, ruleId) || this.inner.isAcknowledged(view, ruleId);
  }
}
