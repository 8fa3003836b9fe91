import { Annotations, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * `servicecatalog.ProductStack` when the app has loaded aws-servicecatalog, else undefined:
 * an app that never loaded it has no product stack, and loading it only to ask would add
 * to every app's load time (issue #20).
 */
function productStackClass(): Function | undefined {
  if (productStack) return productStack;
  try {
    return productStack = require.cache[require.resolve('aws-cdk-lib/aws-servicecatalog')]?.exports?.ProductStack;
  } catch {
    return undefined;
  }
}

/** Kept once found (every message asks); not while the app has not loaded the module. */
let productStack: Function | undefined;

function isProductStack(stack: Stack): boolean {
  const cls = productStackClass();
  return cls !== undefined && stack instanceof cls;
}

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
    return Annotations.of(shownScopeOf(scope));
  } finally {
    if (saved === undefined) delete process.env.CDK_DISABLE_STACK_TRACE;
    else process.env.CDK_DISABLE_STACK_TRACE = saved;
  }
}

/**
 * Where a message about `scope` is kept: `scope` itself, except inside a
 * `servicecatalog.ProductStack`. A product stack is written as a file asset of its parent,
 * not as a stack of the cloud assembly, and aws-cdk-lib drops the messages of its constructs
 * (a REJECT error there would pass silently): they go on the construct that holds the
 * product stack, and the message names the product stack (`productStackPrefixOf`).
 */
export function shownScopeOf(scope: IConstruct): IConstruct {
  let at = scope;
  for (let stack = Stack.of(at); isProductStack(stack) && stack.node.scope; stack = Stack.of(at)) at = stack.node.scope;
  return at;
}

/** `'in ProductStack Stack/Web, '` for a construct inside one (see `shownScopeOf`), else `''`. */
export function productStackPrefixOf(scope: IConstruct): string {
  const stack = Stack.of(scope);
  return isProductStack(stack) ? `in ProductStack ${stack.node.path}, ` : '';
}
