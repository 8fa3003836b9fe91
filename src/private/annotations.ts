import { Annotations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * `Annotations.of(scope)`, but its messages carry no stack trace. The messages of an aspect
 * or a check are added from inside `app.synth()`, so the trace shows aws-cdk-lib's aspect
 * machinery, never the user's code; capturing it costs about as much as the check itself
 * (and more under ts-node, whose source-map support rewrites every trace). aws-cdk-lib reads
 * `CDK_DISABLE_STACK_TRACE` when the Annotations object is made, so it is set only for that.
 */
export function annotationsOf(scope: IConstruct): Annotations {
  const saved = process.env.CDK_DISABLE_STACK_TRACE;
  process.env.CDK_DISABLE_STACK_TRACE = '1';
  try {
    return Annotations.of(scope);
  } finally {
    if (saved === undefined) delete process.env.CDK_DISABLE_STACK_TRACE;
    else process.env.CDK_DISABLE_STACK_TRACE = saved;
  }
}
