import { CfnResource, DefaultTokenResolver, IFragmentConcatenator, IPostProcessor, IResolvable, IResolveContext, Reference, Stack, Tokenization } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The resolved CloudFormation `Properties` of `resource`, exactly as they will be
 * synthesized: L1 props rendered to CloudFormation names, tags, and every property
 * override (`addPropertyOverride`, escape hatches, other aspects) merged in.
 *
 * Only the properties named in `only` are resolved (all when it is not given): the
 * engine reads a handful of them, and resolving is where the cost is.
 *
 * Resolution here must leave no trace, because the aspect runs before synthesis and other
 * aspects may still change the construct: a cached `Lazy` (an L2's user data, say) that
 * we resolved now would keep that early value forever. So cached lazies are produced
 * afresh here and never stored (see `UncachedLazyResolver`).
 *
 * aws-cdk-lib has no public API for this: `_toCloudFormation()` and the fields of its
 * `Lazy` values are internal. They are the only internals this library uses, kept in this
 * file; test/private/render-resource.test.ts and reference-targets.test.ts fail loudly if
 * aws-cdk-lib changes them.
 */
export function renderedProperties(resource: CfnResource, only?: readonly string[]): Record<string, unknown> {
  // The template is a token (a PostResolveToken) wrapping the Resources section.
  const template = resolveWithoutTrace(resource, unresolvedTemplateOf(resource)) as {
    Resources?: Record<string, { Properties?: Record<string, unknown> }>;
  };
  const entries = Object.values(template?.Resources ?? {});
  // A resource with shouldSynthesize() false renders nothing: no properties to check.
  const properties = entries.length === 1 ? entries[0].Properties ?? {} : {};
  if (only === undefined) return properties;
  const picked: Record<string, unknown> = {};
  for (const name of only) {
    if (properties[name] !== undefined) picked[name] = properties[name];
  }
  return picked;
}

/**
 * The CfnResources that the properties of `resource` reference through tokens (`ref`,
 * `getAtt`, an L2's `launchTemplateId` …), whatever stack they are in.
 *
 * At aspect time a reference into another stack still resolves to `{ Ref: LogicalId }`
 * (CDK turns it into an export/import only when the app is prepared), so the resolved
 * properties cannot tell stack A's `Lt` from stack B's. The token can: this resolves the
 * resource once more, without trace, and records the target of every `Reference` it meets.
 */
export function referencedResources(resource: CfnResource): CfnResource[] {
  const found = new Set<CfnResource>();
  const resolver = new UncachedLazyResolver(CLOUDFORMATION_JOIN, (target) => found.add(target));
  Tokenization.resolve(unresolvedTemplateOf(resource), { scope: Stack.of(resource), resolver, preparing: false });
  found.delete(resource);
  return [...found];
}

/** `resource._toCloudFormation()`: its template fragment, tokens unresolved. */
function unresolvedTemplateOf(resource: CfnResource): unknown {
  const render = (resource as unknown as { _toCloudFormation?: () => unknown })._toCloudFormation;
  if (typeof render !== 'function') {
    throw new Error(`cdk-imdsv2: aws-cdk-lib no longer has CfnResource._toCloudFormation(); cannot read ${resource.node.path}`);
  }
  return render.call(resource);
}

/**
 * `Stack.of(scope).resolve(value)`, except that no cached lazy inside `value` keeps what it
 * produced now (see `renderedProperties`).
 */
export function resolveWithoutTrace(scope: IConstruct, value: unknown): unknown {
  return Tokenization.resolve(value, { scope: Stack.of(scope), resolver: UNCACHED_RESOLVER, preparing: false });
}

/** A `Lazy` with caching on, as aws-cdk-lib 2.x builds it (`LazyBase`: `producer`, `cache`). */
interface CachedLazy {
  readonly cache: true;
  readonly producer: { produce(context: IResolveContext | undefined): unknown };
}

/**
 * The cached lazy behind the token `t`, if it is one: `Lazy.string()` and friends return
 * the lazy itself, or (aws-cdk-lib 2.25x) a `LazyBox` holding it in `inner`.
 */
export function cachedLazyOf(t: unknown): CachedLazy | undefined {
  const isCached = (x: unknown): x is CachedLazy => {
    const lazy = x as Partial<CachedLazy> | undefined;
    return lazy?.cache === true && typeof lazy.producer?.produce === 'function';
  };
  if (isCached(t)) return t;
  const inner = (t as { readonly inner?: unknown } | undefined)?.inner;
  return isCached(inner) ? inner : undefined;
}

/**
 * Joins string fragments the way CloudFormation does (`Fn::Join` with an empty
 * delimiter). The engine only reads joined strings (it treats any intrinsic as decided at
 * deploy time), so the join need not be minimal.
 */
const CLOUDFORMATION_JOIN: IFragmentConcatenator = {
  join(left: unknown, right: unknown): unknown {
    if (left === undefined) return right;
    if (right === undefined) return left;
    if (typeof left === 'string' && typeof right === 'string') return left + right;
    return { 'Fn::Join': ['', [left, right]] };
  },
};

/**
 * aws-cdk-lib's default resolution, except that a cached lazy is produced without being
 * cached (its `_cached` field stays empty, so synthesis produces it again, later).
 */
class UncachedLazyResolver extends DefaultTokenResolver {
  /** @param onReference called with the CfnResource behind every Reference token met */
  public constructor(concat: IFragmentConcatenator, private readonly onReference?: (target: CfnResource) => void) {
    super(concat);
  }

  public resolveToken(t: IResolvable, context: IResolveContext, postProcessor: IPostProcessor): unknown {
    if (this.onReference && Reference.isReference(t) && CfnResource.isCfnResource(t.target)) this.onReference(t.target);
    const lazy = cachedLazyOf(t);
    if (lazy === undefined) return super.resolveToken(t, context, postProcessor);
    const produced = context.resolve(lazy.producer.produce(context));
    return postProcessor.postProcess(produced, context);
  }
}

const UNCACHED_RESOLVER = new UncachedLazyResolver(CLOUDFORMATION_JOIN);
