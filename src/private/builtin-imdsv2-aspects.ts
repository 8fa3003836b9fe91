import { Aspects } from 'aws-cdk-lib';
import { AutoScalingGroup, AutoScalingGroupRequireImdsv2Aspect } from 'aws-cdk-lib/aws-autoscaling';
import { IConstruct } from 'constructs';

/**
 * Run, now, the `AutoScalingGroupRequireImdsv2Aspect` that aws-cdk-lib attached to `c` for
 * `requireImdsv2: true` (it is what `Imdsv2AutoScalingGroupPropertyInjector` injects).
 *
 * aws-cdk-lib adds that aspect at the default priority, so it would close the group's
 * launch configuration only after `Imdsv2Aspect` (at `MUTATING`) has looked at it: in
 * REJECT mode that is an error about a group that deploys compliant. Running it first
 * changes nothing in the output (it writes the same `HttpTokens: required` when it runs
 * again later) and lets every front door judge what will be deployed.
 *
 * Only the aspect on the group itself: one added by the user on a scope above is theirs
 * to order (and throws a TypeError on groups with their own launch template).
 */
export function applyRequireImdsv2OfGroup(c: IConstruct): void {
  if (!(c instanceof AutoScalingGroup)) return;
  for (const aspect of Aspects.of(c).all) {
    if (aspect instanceof AutoScalingGroupRequireImdsv2Aspect) aspect.visit(c);
  }
}
