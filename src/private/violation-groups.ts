import type { PolicyViolatingResource, PolicyViolation } from 'aws-cdk-lib';

/** One resource's finding under one rule, as a plugin words it. */
export interface ResourceViolation {
  readonly ruleName: string;
  readonly severity?: string;
  /** What is wrong, without naming the resource (its occurrence names it). */
  readonly description: string;
  readonly fix: string;
  readonly ruleMetadata?: Record<string, string>;
  /** The resource, with the template locations of this finding. */
  readonly resource: PolicyViolatingResource;
}

/**
 * One violation per rule and wording, listing every resource it applies to.
 *
 * aws-cdk-lib's report is built that way: each violation is printed as
 * "<rule> (<n> occurrences)", its resources listed under it, then its description, fix and
 * rule metadata once. One violation per resource printed all of that again for every
 * resource: in an app with 1,200 node groups left open, 2,400 copies of the same two
 * paragraphs per plugin. Grouped, the report is a third smaller; it is not much cheaper to
 * make, because aws-cdk-lib's work (a construct trace) is per resource (BENCHMARKS.md, fix
 * 9). Resources whose problem or fix is worded differently (another hop limit, another
 * launch template) stay in violations of their own.
 *
 * The order is that of the first resource of each group.
 */
export function groupViolations(found: readonly ResourceViolation[]): PolicyViolation[] {
  const groups = new Map<string, { readonly violation: PolicyViolation; readonly resources: PolicyViolatingResource[] }>();
  for (const v of found) {
    const key = `${v.ruleName}\n${v.severity}\n${v.description}\n${v.fix}`;
    let group = groups.get(key);
    if (!group) {
      const resources: PolicyViolatingResource[] = [];
      group = {
        resources,
        violation: {
          ruleName: v.ruleName,
          description: v.description,
          fix: v.fix,
          ...(v.severity ? { severity: v.severity } : {}),
          ...(v.ruleMetadata ? { ruleMetadata: v.ruleMetadata } : {}),
          violatingResources: resources,
        },
      };
      groups.set(key, group);
    }
    group.resources.push(v.resource);
  }
  return [...groups.values()].map((g) => g.violation);
}
