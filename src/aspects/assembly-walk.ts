import { Stage } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The constructs that `root`'s own cloud assembly is made of: `root` and everything below
 * it, in the order `node.findAll()` gives, except what lies inside a nested `Stage`. A
 * nested Stage synthesizes into an assembly of its own, before the aspects of the scopes
 * above it run, so nothing done to it from above reaches its templates.
 */
export function constructsOfAssembly(root: IConstruct): { constructs: IConstruct[]; nestedStages: Stage[] } {
  const constructs: IConstruct[] = [];
  const nestedStages: Stage[] = [];
  const pending: IConstruct[] = [root];
  while (pending.length > 0) {
    const c = pending.pop()!;
    if (c !== root && Stage.isStage(c)) {
      nestedStages.push(c);
      continue;
    }
    constructs.push(c);
    const children = c.node.children;
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]);
  }
  return { constructs, nestedStages };
}

/**
 * The Stages among `stages` (and the Stages nested in them) holding a construct that
 * `relevant` picks and `reached` does not know: one no aspect took before its Stage
 * synthesized.
 */
export function stagesNotReached(
  stages: readonly Stage[], relevant: (c: IConstruct) => boolean, reached: (c: IConstruct) => boolean): Stage[] {
  const missed: Stage[] = [];
  for (const stage of stages) {
    const { constructs, nestedStages } = constructsOfAssembly(stage);
    // reached first: `relevant` may render the resource (a Kubernetes manifest), `reached` is a set lookup
    if (constructs.some((c) => !reached(c) && relevant(c))) missed.push(stage);
    missed.push(...stagesNotReached(nestedStages, relevant, reached));
  }
  return missed;
}

/** `scope` and every Stage below it, at any depth. */
export function scopeAndStagesBelow(scope: IConstruct): IConstruct[] {
  return [scope, ...scope.node.findAll().filter((c) => c !== scope && Stage.isStage(c))];
}
