import { PlanTable, ResourcePlan, TemplateLink, isLaunchTemplate, report, withdrawFixes } from './plan';
import { followsLatest } from './versions';
import { EnginePolicy, Impact, ResourceLookup, ResourceView } from '../model';
import { Imdsv2RuleId as Rule } from '../rule-id';

/**
 * Stage 4, the hidden cascade: a changed launch template re-versions every consumer that
 * follows its LatestVersionNumber; for an instance or an EC2 fleet that is a replacement on
 * deploy. (DefaultVersionNumber does not move: CloudFormation never changes a template's
 * default version, cloudformation-coverage-roadmap #1518.)
 * And a LatestVersionNumber that another top-level stack imports cannot change at all:
 * CloudFormation refuses to update an export in use, so the template's stack fails to
 * deploy (whatever allowReplacement says). A consumer that pins a number or follows the
 * default version imports only the template id, which does not change.
 * A template whose change would do either keeps its settings: its plan is withdrawn.
 */
export function checkCascade(plans: PlanTable, lookup: ResourceLookup, policy: EnginePolicy): void {
  const deployment = (view: ResourceView) => lookup.deploymentOf?.(view);
  for (const plan of plans.values()) {
    if (!isLaunchTemplate(plan) || !plan.changed) continue;
    const followers = [...plan.consumers, ...plan.versionReaders].filter(followsLatest);
    const replaced = policy.allowReplacement ? [] : followers.filter((l) =>
      l.consumer.adapter.versionChangeImpact(l.consumer.view) === Impact.REPLACEMENT);
    const home = deployment(plan.view);
    const importers = home === undefined ? [] : followers.filter((l) =>
      deployment(l.consumer.view) !== undefined && deployment(l.consumer.view) !== home);
    if (replaced.length === 0 && importers.length === 0) continue;
    withdrawTemplateChange(plan);
    if (importers.length > 0) reportExportInUse(plan, importers, deployment, lookup);
    if (replaced.length > 0) reportHiddenReplacement(plan, replaced, lookup);
  }
}

function withdrawTemplateChange(plan: ResourcePlan): void {
  plan.patches = [];
  plan.changed = false;
  plan.impact = Impact.NONE;
  plan.openAfter = true;
  withdrawFixes(plan);
}

const consumerNames = (links: readonly TemplateLink[]) => links.map((l) => `${l.consumer.view.type} ${l.consumer.view.logicalId}`).join(', ');

function reportExportInUse(
  plan: ResourcePlan, importers: readonly TemplateLink[], deployment: (view: ResourceView) => string | undefined, lookup: ResourceLookup,
): void {
  const stacks = [...new Set(importers.map((l) => deployment(l.consumer.view)!))].join(', ');
  report(plan, lookup, {
    ruleId: Rule.REPLACEMENT,
    fixable: false,
    problem: `changing this launch template makes a new version, and its LatestVersionNumber is exported to stack ${stacks}, where ${consumerNames(importers)} import${importers.length === 1 ? 's' : ''} it: CloudFormation refuses to change an export in use, so the deploy would fail`,
    remedy: 'move the consumers into this launch template\'s stack, or give them a launch template in their own stack, then fix it there',
  });
}

function reportHiddenReplacement(plan: ResourcePlan, replaced: readonly TemplateLink[], lookup: ResourceLookup): void {
  const one = replaced.length === 1;
  report(plan, lookup, {
    ruleId: Rule.REPLACEMENT,
    fixable: false,
    problem: `changing this launch template makes a new version, and ${consumerNames(replaced)} follow${one ? 's' : ''} its LatestVersionNumber: ${one ? 'it is' : 'they are'} replaced on deploy although ${one ? 'its' : 'their'} template text does not change`,
    remedy: 'close instances through their own MetadataOptions (done for AWS::EC2::Instance), give other consumers a template of their own, or set allowReplacement: true',
  });
}
