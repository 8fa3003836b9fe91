import { CfnResource, DefaultTokenResolver, IPostProcessor, IResolvable, IResolveContext, Reference, Stack, StringConcat, Tokenization } from 'aws-cdk-lib';

/**
 * The CfnResources that the properties of `resource` reference through tokens (`ref`,
 * `getAtt`, an L2's `launchTemplateId` …), whatever stack they are in.
 *
 * At aspect time a reference into another stack still resolves to `{ Ref: LogicalId }`
 * (CDK turns it into an export/import only when the app is prepared), so the resolved
 * properties cannot tell stack A's `Lt` from stack B's. The token can: this resolves the
 * resource once more and records the target of every `Reference` it meets.
 *
 * It uses the internals `renderedProperties` uses (render-resource.ts): `_toCloudFormation()`,
 * under the same guard, and the fields of a cached `Lazy`, which it produces without
 * storing the value (the aspect runs before synthesis: a lazy resolved and cached now would
 * keep that early value forever).
 */
export function referencedResources(resource: CfnResource): CfnResource[] {
  const render = (resource as unknown as { _toCloudFormation?: () => unknown })._toCloudFormation;
  if (typeof render !== 'function') {
    throw new Error(`cdk-imdsv2: aws-cdk-lib no longer has CfnResource._toCloudFormation(); cannot read ${resource.node.path}`);
  }
  const found = new Set<CfnResource>();
  const resolver = new ReferenceRecorder((target) => found.add(target));
  Tokenization.resolve(render.call(resource), { scope: Stack.of(resource), resolver, preparing: false });
  found.delete(resource);
  return [...found];
}

/** A `Lazy` with caching on, as aws-cdk-lib 2.x builds it (`LazyBase`: `producer`, `cache`, `_cached`). */
interface CachedLazy {
  readonly cache: true;
  readonly producer: { produce(context: IResolveContext): unknown };
}

function isCachedLazy(t: unknown): t is CachedLazy {
  const lazy = t as Partial<CachedLazy> | undefined;
  return lazy?.cache === true && typeof lazy.producer?.produce === 'function';
}

/** The cached lazy `t` is, or that it boxes (`Lazy.string()` returns a `LazyBox` around one). */
function cachedLazyOf(t: unknown): CachedLazy | undefined {
  if (isCachedLazy(t)) return t;
  const inner = (t as { inner?: unknown } | undefined)?.inner;
  return isCachedLazy(inner) ? inner : undefined;
}

/**
 * aws-cdk-lib's default resolution (strings joined plainly: only references are wanted
 * here, not the joined value), reporting the CfnResource behind every Reference token, and
 * producing a cached lazy without caching it.
 */
class ReferenceRecorder extends DefaultTokenResolver {
  public constructor(private readonly record: (target: CfnResource) => void) {
    super(new StringConcat());
  }

  public resolveToken(t: IResolvable, context: IResolveContext, postProcessor: IPostProcessor): unknown {
    if (Reference.isReference(t) && CfnResource.isCfnResource(t.target)) this.record(t.target);
    const lazy = cachedLazyOf(t);
    if (!lazy) return super.resolveToken(t, context, postProcessor);
    return postProcessor.postProcess(context.resolve(lazy.producer.produce(context)), context);
  }
}
