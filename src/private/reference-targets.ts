import {
  CfnResource, DefaultTokenResolver, IPostProcessor, IResolvable, IResolveContext, ITokenResolver, Reference, Stack, StringConcat, Tokenization,
  TokenizedStringFragments,
} from 'aws-cdk-lib';

/**
 * The CfnResources that the properties of `resource` reference through tokens (`ref`,
 * `getAtt`, an L2's `launchTemplateId` …), whatever stack they are in.
 *
 * At aspect time a reference into another stack still resolves to `{ Ref: LogicalId }`
 * (CDK turns it into an export/import only when the app is prepared), so the resolved
 * properties cannot tell stack A's `Lt` from stack B's. The token can: this resolves the
 * resource once more and records the target of every `Reference` it meets.
 *
 * It renders the resource with `_toCloudFormation()`, the internal that
 * `renderedProperties` uses (render-resource.ts), under the same guard. `inner` does the
 * resolving: pass the resolver `renderedProperties` uses, so both resolve alike.
 */
export function referencedResources(resource: CfnResource, inner: ITokenResolver = DEFAULT_RESOLVER): CfnResource[] {
  const render = (resource as unknown as { _toCloudFormation?: () => unknown })._toCloudFormation;
  if (typeof render !== 'function') {
    throw new Error(`cdk-imdsv2: aws-cdk-lib no longer has CfnResource._toCloudFormation(); cannot read ${resource.node.path}`);
  }
  const found = new Set<CfnResource>();
  const resolver = new ReferenceRecorder(inner, (target) => found.add(target));
  Tokenization.resolve(render.call(resource), { scope: Stack.of(resource), resolver, preparing: false });
  found.delete(resource);
  return [...found];
}

const DEFAULT_RESOLVER = new DefaultTokenResolver(new StringConcat());

/** Resolves like `inner`, and reports the CfnResource behind every Reference token. */
class ReferenceRecorder implements ITokenResolver {
  public constructor(private readonly inner: ITokenResolver, private readonly record: (target: CfnResource) => void) {}

  public resolveToken(t: IResolvable, context: IResolveContext, postProcessor: IPostProcessor): unknown {
    if (Reference.isReference(t) && CfnResource.isCfnResource(t.target)) this.record(t.target);
    return this.inner.resolveToken(t, context, postProcessor);
  }

  public resolveString(s: TokenizedStringFragments, context: IResolveContext): unknown {
    return this.inner.resolveString(s, context);
  }

  public resolveList(l: string[], context: IResolveContext): unknown {
    return this.inner.resolveList(l, context);
  }
}
