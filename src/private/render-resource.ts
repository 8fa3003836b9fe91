import { CfnResource, Stack } from 'aws-cdk-lib';

/**
 * The resolved CloudFormation `Properties` of `resource`, exactly as they will be
 * synthesized: L1 props rendered to CloudFormation names, tags, and every property
 * override (`addPropertyOverride`, escape hatches, other aspects) merged in.
 *
 * aws-cdk-lib has no public API for this: `_toCloudFormation()` is internal. It is the
 * only internal this library uses, kept here behind one function; a test
 * (test/private/render-resource.test.ts) fails loudly if aws-cdk-lib changes it.
 */
export function renderedProperties(resource: CfnResource): Record<string, unknown> {
  const render = (resource as unknown as { _toCloudFormation?: () => unknown })._toCloudFormation;
  if (typeof render !== 'function') {
    throw new Error(`cdk-imdsv2: aws-cdk-lib no longer has CfnResource._toCloudFormation(); cannot read ${resource.node.path}`);
  }
  const stack = Stack.of(resource);
  const template = stack.resolve(render.call(resource)) as { Resources?: Record<string, { Properties?: Record<string, unknown> }> };
  const entries = Object.values(template?.Resources ?? {});
  // A resource with shouldSynthesize() false renders nothing: no properties to check.
  return entries.length === 1 ? entries[0].Properties ?? {} : {};
}
