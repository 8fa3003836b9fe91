import { ResourcePlan, TemplateLink, isAcknowledgedSource, report, worst } from './plan';
import { defaultHow } from './versions';
import { valueAt } from '../json';
import { EnginePolicy, Impact, ResourceLookup } from '../model';
import { Imdsv2RuleId as Rule } from '../rule-id';

/**
 * A consumer other than an instance (group, fleet, node group, …): its settings are its
 * launch template's, so it is as open as the template after the plan, and the template's
 * new version reaches it only if it launches the latest version.
 */
export function planConsumerLink(plan: ResourcePlan, l: TemplateLink, lookup: ResourceLookup, policy: EnginePolicy): void {
  const lt = l.target;
  if (!lt.compliantAsWritten) plan.compliantAsWritten = false;
  if (isAcknowledgedSource(lt)) plan.acknowledgedThroughSource = true;
  if (lt.openAfter) {
    plan.openAfter = true; // the template carries the finding
    return;
  }
  if (!lt.changed) return;
  const consumerImpact = plan.adapter.versionChangeImpact(plan.view);
  switch (l.version.kind) {
    case 'latest':
      plan.impact = worst(plan.impact, l.version.byGetAtt ? consumerImpact : Impact.REFRESH);
      return;
    case 'unknown':
      plan.openAfter = true;
      report(plan, lookup, {
        ruleId: Rule.UNVERIFIABLE,
        fixable: false,
        problem: `the version of launch template ${lt.view.logicalId} it launches (${JSON.stringify(l.version.raw)}) is decided at deploy time, and the fix makes a new version`,
        remedy: `use Fn::GetAtt ${lt.view.logicalId}.LatestVersionNumber, or acknowledge Imdsv2-Unverifiable`,
      });
      return;
    case 'default':
    // CloudFormation never moves a launch template's default version when it updates the
    // template (cloudformation-coverage-roadmap #1518): a consumer on the default version
    // (no Version, '$Default', Fn::GetAtt DefaultVersionNumber) keeps launching version 1,
    // exactly like one that pins a number.
    case 'pinned':
      planStaleVersion(plan, l, consumerImpact, lookup, policy);
      return;
  }
}

/** A consumer that keeps launching an old version: moved to the latest one, unless that replaces it. */
function planStaleVersion(plan: ResourcePlan, l: TemplateLink, consumerImpact: Impact, lookup: ResourceLookup, policy: EnginePolicy): void {
  const lt = l.target;
  const name = `launch template ${lt.view.logicalId}`;
  const named = consumerImpact === Impact.REPLACEMENT ? plan.adapter.customName?.(plan.view) : undefined;
  const replaces = consumerImpact === Impact.REPLACEMENT && (!policy.allowReplacement || named !== undefined);
  const problem = l.version.kind === 'pinned'
    ? `it pins version ${l.version.number} of ${name}, which keeps launching with the old settings once the fix makes a new version`
    : `it launches the default version of ${name} (${defaultHow(valueAt(plan.view.properties, [...l.use.specPath, l.use.versionKey]))}): CloudFormation does not move the default version when it updates the template, so it keeps launching with the old settings once the fix makes a new version`;
  const reported = report(plan, lookup, {
    ruleId: Rule.STALE_VERSION,
    fixable: !replaces,
    problem,
    remedy: `follow ${lt.view.logicalId}.LatestVersionNumber`,
  });
  if (!reported) {
    plan.openAfter = true;
    return;
  }
  if (replaces) {
    plan.openAfter = true;
    report(plan, lookup, named ? {
      ruleId: Rule.REPLACEMENT,
      fixable: false,
      problem: `moving it to another version of ${name} replaces it on deploy, and CloudFormation cannot replace a resource with a custom name (${named.name}): the deploy would fail`,
      remedy: named.remedy,
    } : {
      ruleId: Rule.REPLACEMENT,
      fixable: false,
      problem: `moving it to another version of ${name} replaces it on deploy`,
      remedy: 'recreate it on the new version, or set allowReplacement: true',
    });
    return;
  }
  plan.patches.push({ kind: 'follow-latest', resource: plan.view, path: [...l.use.specPath, l.use.versionKey], launchTemplate: lt.view });
  plan.impact = worst(plan.impact, consumerImpact);
}
