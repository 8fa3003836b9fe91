import { Annotations, CfnElement, CfnResource, DefaultTokenResolver, canInspect, IFragmentConcatenator, IPostProcessor, IResolvable, IResolveContext, Lazy, Reference, ResolveOptions, Stack, Token, Tokenization } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { pick } from '../engine/json';

/**
 * The resolved CloudFormation `Properties` of `resource`, exactly as they will be
 * synthesized: L1 props rendered to CloudFormation names, tags, and every property
 * override (`addPropertyOverride`, escape hatches, other aspects) merged in.
 *
 * Only the properties named in `only` are resolved (all when it is not given): the
 * engine reads a handful of them, and resolving is where the cost is. The others are
 * never resolved (see `prunedProperties`), so a large instance or node group costs
 * about what its few IMDS-related properties cost. Of a property named in `fieldsRead`,
 * only those fields are resolved and returned (the adapter's `fieldsRead`).
 *
 * Resolution here must leave no trace, because the aspect runs before synthesis and other
 * aspects may still change the construct: a cached `Lazy` (an L2's user data, say) that
 * we resolved now would keep that early value forever. So cached lazies are produced
 * afresh here and never stored (see `UncachedLazyResolver`).
 *
 * aws-cdk-lib has no public API for this. What is used: the protected `cfnProperties`
 * and `renderProperties` and `shouldSynthesize` of CfnResource (part of its jsii API for
 * subclasses), and, for speed, the internals `rawOverrides`, `_toCloudFormation()`,
 * `_synthesizeLogicalId()` (`logicalIdOf`), the fields of its `Lazy` values and the way
 * `renderProperties` passes unknown intrinsics through (the markers). Each internal is read in one small function below (see "aws-cdk-lib
 * internals") with its fallback beside it: an aws-cdk-lib release that changes one must not
 * break synthesis for every user, so a missing or changed internal costs speed and one
 * warning per app (`warnInternalsChanged`), never an error. test/private/internals-fallback.test.ts
 * hides each internal in turn and checks that synthesis gives the same templates.
 */
export function renderedProperties(
  resource: CfnResource, only?: readonly string[], fieldsRead: FieldsRead = {}): Record<string, unknown> {
  let failure: unknown;
  if (only !== undefined) {
    try {
      const pruned = prunedProperties(resource, only, fieldsRead);
      if (pruned !== undefined) return pruned;
    } catch (e) {
      // The pruned render leans on internals (markers through renderProperties): if it
      // fails, the whole render decides. A genuine error (a wrongly typed prop) fails
      // there too and is thrown from there, as synthesis would throw it.
      failure = e;
    }
  }
  const properties = fullProperties(resource);
  if (failure !== undefined) {
    warnInternalsChanged(resource, `the pruned render failed (${failure instanceof Error ? failure.message : String(failure)})`);
  }
  return only === undefined ? properties : pick(properties, only);
}

/** Every property, from the whole resource rendered and resolved the way synthesis does. */
function fullProperties(resource: CfnResource): Record<string, unknown> {
  const unresolved = internalTemplateOf(resource);
  if (unresolved === undefined) return rebuiltProperties(resource, (value, removeEmpty) => resolveWithoutTrace(resource, value, removeEmpty));
  // The template is a token (a PostResolveToken) wrapping the Resources section.
  const template = resolveWithoutTrace(resource, unresolved) as {
    Resources?: Record<string, { Properties?: Record<string, unknown> }>;
  };
  const entries = Object.values(template?.Resources ?? {});
  // A resource with shouldSynthesize() false renders nothing: no properties to check.
  return entries.length === 1 ? entries[0].Properties ?? {} : {};
}

/** What `_toCloudFormation()` reads of a CfnResource, besides its public API. */
interface RenderInternals {
  readonly cfnProperties: Record<string, unknown>;
  readonly rawOverrides: Record<string, unknown>;
  renderProperties(props: Record<string, unknown>): Record<string, unknown> | undefined;
  shouldSynthesize(): boolean;
}

/** What the pruned render needs, or undefined (and a warning) when any of it is gone. */
function renderInternalsOf(resource: CfnResource): RenderInternals | undefined {
  const api = renderApiOf(resource);
  const rawOverrides = internalOverridesOf(resource);
  if (api === undefined || rawOverrides === undefined) {
    warnInternalsChanged(resource);
    return undefined;
  }
  return {
    cfnProperties: api.cfnProperties,
    rawOverrides,
    renderProperties: (props) => api.renderProperties(props),
    shouldSynthesize: () => api.shouldSynthesize(),
  };
}

/**
 * The properties named in `only`, rendered as `_toCloudFormation()` renders them, without
 * resolving the others; undefined when the resource is built in a way this does not
 * follow (its L1 props are a token, or overrides change a property in `only`), and the
 * caller renders it whole.
 *
 * `_toCloudFormation()` resolves the L1 props (`cfnProperties`, camelCase), hands them to
 * `renderProperties` (validation and the CloudFormation names), then merges the resolved
 * `rawOverrides`. Here only the props behind `only` are resolved, and they are given their
 * CloudFormation names with the names `renderProperties` gave markers before
 * (`convertedProperties`). Where that cannot be done, they are handed to `renderProperties`
 * with each other prop as UNREAD, which its validators and converters pass through
 * untouched, and dropped afterwards.
 */
function prunedProperties(resource: CfnResource, only: readonly string[], fieldsRead: FieldsRead): Record<string, unknown> | undefined {
  const internals = renderInternalsOf(resource);
  if (internals === undefined) return undefined;
  if (!internals.shouldSynthesize()) return {};
  const props = internals.cfnProperties;
  const touching = overridesOf(internals.rawOverrides, only);
  if (!isPlainObject(props) || touching === undefined) return undefined;
  const names = cfnNamesOf(resource, internals, props);
  const wanted: Record<string, unknown> = {};
  /** Per pruned struct prop (camelCase key): its unread fields present, camelCase and CloudFormation names. */
  const unreadFields = new Map<string, { readonly keys: string[]; readonly names: string[] }>();
  for (const key of Object.keys(props)) {
    const name = names.get(key);
    if (name !== undefined && !only.includes(name)) continue;
    const value = props[key];
    const fields = name === undefined ? undefined : fieldsRead[name];
    if (fields === undefined || !isPlainObject(value)) {
      wanted[key] = value; // read whole (a token is resolved whole: what it makes is not known before)
      continue;
    }
    const fieldNames = new PropConverter(resource, internals, props, key, value).structNames([], Object.keys(value));
    if (fieldNames === undefined) return undefined; // its field names cannot be learnt: render it whole
    const kept: Record<string, unknown> = {};
    const unreadHere = { keys: [] as string[], names: [] as string[] };
    for (const field of Object.keys(value)) {
      const fieldName = fieldNames.get(field);
      if (fieldName === undefined || fields.includes(fieldName)) {
        kept[field] = value[field];
      } else if (value[field] !== undefined) {
        unreadHere.keys.push(field);
        unreadHere.names.push(fieldName);
      }
    }
    wanted[key] = kept;
    unreadFields.set(key, unreadHere);
  }
  const resolved = (resolveWithoutTrace(resource, wanted) ?? {}) as Record<string, unknown>;
  let rendered = convertedProperties(resource, internals, props, names, resolved);
  if (rendered !== undefined) {
    // Each pruned struct gets its unread fields back as UNREAD (see mergeOverrides): added
    // after the conversion, which has nothing to do for them.
    for (const [key, unreadHere] of unreadFields) {
      const name = names.get(key)!;
      rendered[name] = withUnreadFields(rendered[name], unreadHere.names);
    }
  } else {
    // renderProperties validates and converts every prop: the others go in as UNREAD.
    const unread: Record<string, unknown> = {};
    for (const key of Object.keys(props)) {
      const name = names.get(key);
      if (name !== undefined && !only.includes(name) && props[key] !== undefined) unread[key] = UNREAD;
    }
    for (const [key, unreadHere] of unreadFields) resolved[key] = withUnreadFields(resolved[key], unreadHere.keys);
    rendered = internals.renderProperties({ ...unread, ...resolved }) ?? {};
  }
  const result = pick(rendered, only);
  if (touching !== null) mergeOverrides(resource, result, touching, fieldsRead);
  for (const [name, value] of Object.entries(result)) {
    if (value === UNREAD) delete result[name];
    else if (fieldsRead[name] !== undefined && isPlainObject(value)) result[name] = withoutUnread(value);
  }
  return result;
}

/**
 * `resolved` (resolved L1 props, camelCase, as `renderProperties` takes them) under their
 * CloudFormation names, nested struct fields too, without calling `renderProperties`:
 * its validators and converters run over every prop and field the class declares, which
 * costs as much as resolving what is read. Each struct's field names are learnt once per
 * class and place (`PropConverter.structNames`), by rendering markers there, so what comes
 * out is what `renderProperties` would give. Values are not converted: aws-cdk-lib's
 * converters pass resolved values through (strings, numbers, booleans, intrinsics; a
 * `Date`, which one would change, is not converted here), and a wrongly typed value still
 * fails at synthesis, where `renderProperties` validates it.
 *
 * Undefined (the caller calls `renderProperties`) when a prop's name is not known or a
 * probe could not be rendered.
 */
function convertedProperties(resource: CfnResource, internals: RenderInternals, props: Record<string, unknown>,
  names: ReadonlyMap<string, string | undefined>, resolved: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(resolved)) {
    const name = names.get(key);
    if (name === undefined) return undefined;
    const converted = new PropConverter(resource, internals, props, key, resolved[key]).convert([], resolved[key]);
    if (converted === UNCONVERTIBLE) return undefined;
    out[name] = converted;
  }
  return out;
}

/** A value `PropConverter` could not convert: the caller renders the real values instead. */
const UNCONVERTIBLE = Symbol('unconvertible');

/** Where a struct sits inside an L1 prop: field names (camelCase) and `[]` for list elements. */
type StructPath = readonly string[];

/** Converts one resolved L1 prop (`root`, the value of `key`) to CloudFormation names. */
class PropConverter {
  public constructor(
    private readonly resource: CfnResource,
    private readonly internals: RenderInternals,
    private readonly props: Record<string, unknown>,
    private readonly key: string,
    private readonly root: unknown,
  ) {}

  public convert(path: StructPath, value: unknown): unknown {
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      const inner = [...path, '[]'];
      for (const v of value) {
        const c = isLeaf(v) ? v : this.convert(inner, v);
        if (c === UNCONVERTIBLE) return UNCONVERTIBLE;
        out.push(c);
      }
      return out;
    }
    // what aws-cdk-lib's converters pass through untouched (an intrinsic), they test with canInspect
    if (!isPlainObject(value) || !canInspect(value)) return value;
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return UNCONVERTIBLE; // a Date, say: its converter changes it
    const fields = this.structNames(path, Object.keys(value));
    if (fields === undefined) return UNCONVERTIBLE;
    const out: Record<string, unknown> = {};
    for (const field of Object.keys(value)) {
      const name = fields.get(field);
      if (name === undefined) continue; // a field the converter drops
      const v = value[field];
      const c = isLeaf(v) ? v : this.convert([...path, field], v);
      if (c === UNCONVERTIBLE) return UNCONVERTIBLE;
      out[name] = c;
    }
    return out;
  }

  /**
   * The CloudFormation name of each of `fields` of the struct at `path`: learnt by
   * rendering the resource's props as markers, with those fields as markers at that place
   * (the structs on the way keep their other fields, as markers, so that required fields are
   * there). Kept per class, prop and place; asked again for a new field. Undefined when the
   * markers cannot be rendered there (remembered too).
   */
  public structNames(path: StructPath, fields: readonly string[]): ReadonlyMap<string, string | undefined> | undefined {
    const place = path.length === 0 ? this.key : [this.key, ...path].join('.');
    let perPlace = STRUCT_NAMES.get(this.resource.constructor);
    if (perPlace === undefined) STRUCT_NAMES.set(this.resource.constructor, perPlace = new Map());
    const known = perPlace.get(place);
    if (known !== undefined && fields.every((f) => known.has(f))) return known;
    const attempt = `${place}|${[...fields].sort().join(',')}`;
    let failed = FAILED_PROBES.get(this.resource.constructor);
    if (failed === undefined) FAILED_PROBES.set(this.resource.constructor, failed = new Set());
    if (failed.has(attempt)) return undefined;
    const cfnPath = this.cfnPathOf(path);
    let rendered = false;
    const names = cfnPath === undefined ? undefined : namesByMarker(fields, known, (markers) => {
      const probe: Record<string, unknown> = {};
      for (const other of Object.keys(this.props)) probe[other] = { [PROBE]: other };
      probe[this.key] = skeleton(this.root, path, markers);
      let at: unknown;
      try {
        at = this.internals.renderProperties(probe);
      } catch {
        return undefined; // the markers do not fit this place
      }
      for (const step of cfnPath) {
        at = step === '[]' ? (Array.isArray(at) ? at[0] : undefined) : (isPlainObject(at) ? at[step] : undefined);
      }
      rendered = isPlainObject(at);
      return at;
    });
    if (names === undefined || !rendered) {
      failed.add(attempt);
      return undefined;
    }
    perPlace.set(place, names);
    return names;
  }

  /** The CloudFormation names along `path` (list steps kept as `[]`), from the prop's name in. */
  private cfnPathOf(path: StructPath): string[] | undefined {
    const name = cfnNamesOf(this.resource, this.internals, this.props).get(this.key);
    if (name === undefined) return undefined;
    const out = [name];
    let value: unknown = this.root;
    for (let i = 0; i < path.length; i++) {
      const step = path[i];
      if (step === '[]') {
        out.push('[]');
        value = Array.isArray(value) ? value[0] : undefined;
        continue;
      }
      const fields = this.structNames(path.slice(0, i), Object.keys(isPlainObject(value) ? value : { [step]: undefined }));
      const fieldName = fields?.get(step);
      if (fieldName === undefined) return undefined;
      out.push(fieldName);
      value = isPlainObject(value) ? value[step] : undefined;
    }
    return out;
  }
}

/** A value `convert` hands back as it is (what is neither a list nor an object). */
function isLeaf(v: unknown): boolean {
  return typeof v !== 'object' || v === null;
}

const STRUCT_NAMES = new WeakMap<object, Map<string, Map<string, string | undefined>>>();
const FAILED_PROBES = new WeakMap<object, Set<string>>();

/**
 * A value shaped like `actual` along `path`, with `leaf` at its end: each struct on the way
 * has its other fields as markers, each list one element.
 */
function skeleton(actual: unknown, path: StructPath, leaf: Record<string, unknown>): unknown {
  if (path.length === 0) return leaf;
  const [step, ...rest] = path;
  if (step === '[]') return [skeleton(Array.isArray(actual) ? actual[0] : undefined, rest, leaf)];
  const struct: Record<string, unknown> = {};
  for (const field of Object.keys(isPlainObject(actual) ? actual : {})) struct[field] = { [PROBE]: field };
  struct[step] = skeleton(isPlainObject(actual) ? actual[step] : undefined, rest, leaf);
  return struct;
}

/** Of each struct property, the only fields read (CloudFormation names). */
export type FieldsRead = Readonly<Record<string, readonly string[]>>;

/** `struct` (a resolved or rendered struct, or nothing) with each of `fields` it lacks as UNREAD. */
function withUnreadFields(struct: unknown, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) out[field] = UNREAD;
  return { ...out, ...(isPlainObject(struct) ? struct : {}) };
}

function withoutUnread(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== UNREAD) out[k] = v;
  return out;
}

/**
 * The property overrides that may change a property in `only`: null when there are none,
 * undefined when they cannot be told apart (`Properties` itself overridden, deleted or a
 * token: the resource is rendered whole). Overrides of other properties, or of other
 * sections, do not change what is read.
 */
function overridesOf(overrides: Record<string, unknown>, only: readonly string[]): Record<string, unknown> | null | undefined {
  if (!('Properties' in overrides)) return null;
  const own = overrides.Properties;
  if (!isPlainObject(own)) return undefined; // deleted, or a token: anything may change
  const touching: Record<string, unknown> = {};
  let any = false;
  for (const name of only) {
    // `in`, not a value test: an override of undefined deletes the property
    if (name in own) {
      touching[name] = own[name];
      any = true;
    }
  }
  return any ? touching : null;
}

/**
 * Merges the overrides of read properties into `properties` (the pruned render, unread
 * fields still UNREAD) as `_toCloudFormation()` merges `rawOverrides` into the whole render:
 * resolved keeping empty objects, with aws-cdk-lib's deep merge. Read properties render the
 * same whether the others are resolved or not, so the result is the whole render's, read
 * properties only; unread fields stay in place, so that an override that empties the read
 * fields of a struct does not remove the struct.
 */
function mergeOverrides(
  resource: CfnResource, properties: Record<string, unknown>, touching: Record<string, unknown>, fieldsRead: FieldsRead): void {
  const resolved = resolveWithoutTrace(resource, { Properties: touching }, false);
  // The merge writes into what it merges into: each unread field gets a marker of its own.
  for (const value of Object.values(properties)) {
    if (!isPlainObject(value)) continue;
    for (const [field, v] of Object.entries(value)) if (v === UNREAD) value[field] = { ...UNREAD };
  }
  const def: Record<string, any> = { Properties: properties };
  if (isPlainObject(resolved)) deepMerge(def, resolved);
  const merged: Record<string, unknown> = isPlainObject(def.Properties) ? def.Properties : {};
  for (const key of Object.keys(properties)) if (!(key in merged)) delete properties[key];
  Object.assign(properties, merged);
  // Unread fields again as UNREAD (dropped by the caller), those an override wrote too.
  for (const [name, value] of Object.entries(properties)) {
    const fields = fieldsRead[name];
    if (fields === undefined || !isPlainObject(value)) continue;
    for (const field of Object.keys(value)) if (!fields.includes(field)) value[field] = UNREAD;
  }
}

/**
 * Stands for a prop that is not read. `renderProperties` runs on resolved values, and its
 * validators and converters pass a CloudFormation intrinsic (an object with one `Fn::` key)
 * through untouched, whatever the prop's type: so does it with this.
 */
const UNREAD_KEY = 'Fn::Cdkimdsv2Unread';
const UNREAD = { [UNREAD_KEY]: true };

/**
 * The CloudFormation name of each L1 prop of `resource`, found by rendering a marker (an
 * intrinsic, like UNREAD) per prop and seeing where each lands; undefined for a prop whose
 * marker lands nowhere (such a prop is always resolved). Kept per class; a class seen with
 * a new prop (a plain CfnResource, whose props vary) is asked again.
 */
function cfnNamesOf(resource: CfnResource, internals: RenderInternals, props: Record<string, unknown>): ReadonlyMap<string, string | undefined> {
  const known = CFN_NAMES.get(resource.constructor);
  if (known !== undefined && Object.keys(props).every((k) => known.has(k))) return known;
  const names = namesByMarker(Object.keys(props), known, (markers) => internals.renderProperties(markers));
  CFN_NAMES.set(resource.constructor, names);
  return names;
}

const CFN_NAMES = new WeakMap<object, Map<string, string | undefined>>();

/**
 * `known` plus the name under which `render` puts the marker of each of `keys` (an
 * intrinsic `{ [PROBE]: key }`); undefined for a key whose marker lands nowhere.
 */
function namesByMarker(
  keys: readonly string[], known: ReadonlyMap<string, string | undefined> | undefined,
  render: (markers: Record<string, unknown>) => unknown,
): Map<string, string | undefined> {
  const names = new Map(known ?? []);
  const markers: Record<string, unknown> = {};
  for (const key of keys) {
    markers[key] = { [PROBE]: key };
    if (!names.has(key)) names.set(key, undefined);
  }
  const rendered = render(markers);
  for (const [name, marker] of Object.entries(isPlainObject(rendered) ? rendered : {})) {
    const key = (marker as Record<string, unknown> | undefined)?.[PROBE];
    if (typeof key === 'string') names.set(key, name);
  }
  return names;
}

const PROBE = 'Fn::Cdkimdsv2Probe';

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !Tokenization.isResolvable(x);
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
  const resolver = new UncachedLazyResolver(CLOUDFORMATION_JOIN, lazyFieldsKnown(resource), (target) => found.add(target));
  const resolve = (value: unknown, removeEmpty?: boolean) =>
    Tokenization.resolve(value, { scope: Stack.of(resource), resolver, preparing: false, removeEmpty });
  const unresolved = internalTemplateOf(resource);
  if (unresolved === undefined) rebuiltProperties(resource, resolve);
  else resolve(unresolved);
  found.delete(resource);
  return [...found];
}

/**
 * `Stack.of(scope).resolve(value)`, except that no cached lazy inside `value` keeps what it
 * produced now (see `renderedProperties`).
 */
export function resolveWithoutTrace(scope: IConstruct, value: unknown, removeEmpty?: boolean): unknown {
  const resolver = lazyFieldsKnown(scope) ? UNCACHED_RESOLVER : SNAPSHOT_RESOLVER;
  return resolveTokensOnly(value, { scope: Stack.of(scope), resolver, preparing: false, removeEmpty }, 0);
}

/** Whether `s` holds a string token or is a list token (`Token.isUnresolved` tells a list token only inside a list). */
function holdsToken(s: string): boolean {
  return Token.isUnresolved(s) || Token.isUnresolved([s]);
}

/** Past this depth a value is handed to aws-cdk-lib whole (which fails on a cycle, as synthesis does). */
const MAX_LITERAL_DEPTH = 100;

/**
 * `Tokenization.resolve(value, options)`, giving aws-cdk-lib only the tokens: the literal
 * parts of `value` (plain objects, arrays, strings and numbers that are no tokens) are
 * copied here, as aws-cdk-lib copies them (undefined dropped unless `removeEmpty` is false),
 * and each token (a string or number holding one, an IResolvable, an array holding a list
 * token, an object with a token key) is resolved by aws-cdk-lib on its own. The result is
 * the same; what is saved is aws-cdk-lib's per-value context, which is most of what resolving
 * the few literal-heavy properties the engine reads costs. Public API only.
 */
function resolveTokensOnly(value: unknown, options: ResolveOptions, depth: number): unknown {
  if (value === undefined || value === null) return value;
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'string':
      return holdsToken(value) ? Tokenization.resolve(value, options) : value; // a list token here: aws-cdk-lib says why not
    case 'number':
      return Token.isUnresolved(value) ? Tokenization.resolve(value, options) : value;
    case 'object':
      break;
    default:
      return Tokenization.resolve(value, options); // a function: aws-cdk-lib says why it cannot
  }
  if (value instanceof Date || depth > MAX_LITERAL_DEPTH) return Tokenization.resolve(value, options);
  const leaveEmpty = options.removeEmpty === false;
  if (Array.isArray(value)) {
    // a list token among the elements makes the whole list one token to aws-cdk-lib
    if (value.some((v) => typeof v === 'string' && holdsToken(v))) return Tokenization.resolve(value, options);
    const out: unknown[] = [];
    for (const v of value) {
      const r = resolveTokensOnly(v, options, depth + 1);
      if (r !== undefined || leaveEmpty) out.push(r);
    }
    return out;
  }
  if (Tokenization.isResolvable(value) || Construct.isConstruct(value)) return Tokenization.resolve(value, options);
  const keys = Object.keys(value);
  if (keys.some((k) => Token.isUnresolved(k))) return Tokenization.resolve(value, options);
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const r = resolveTokensOnly((value as Record<string, unknown>)[key], options, depth + 1);
    if (r !== undefined || leaveEmpty) out[key] = r;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// aws-cdk-lib internals. Each is read in one small function that answers undefined when it
// is gone or changed; its fallback sits beside it. Nothing here throws for a missing one.
// ---------------------------------------------------------------------------------------

/** `resource._toCloudFormation()` (internal): its template fragment, tokens unresolved; undefined when gone. */
function internalTemplateOf(resource: CfnResource): unknown {
  return internalRenderOf(resource)?.call(resource);
}

function internalRenderOf(resource: CfnResource): (() => unknown) | undefined {
  const render = (resource as unknown as { _toCloudFormation?: () => unknown })._toCloudFormation;
  return typeof render === 'function' ? render : undefined;
}

/**
 * The logical id `element` is synthesized with: what its `logicalId` token produces
 * (`overrideLogicalId`, stack renames and all), read from the internal
 * `_synthesizeLogicalId()` behind that token. Resolving the token instead costs a resolve
 * context per read, about as much again as working the id out, on every IMDS-bearing
 * resource twice. Falls back to resolving it (and warns) when the internal is gone or
 * gives no plain string.
 */
export function logicalIdOf(element: CfnElement): string {
  const synthesize = internalLogicalIdOf(element);
  if (synthesize !== undefined) {
    const id = synthesize.call(element);
    if (typeof id === 'string' && !Token.isUnresolved(id)) return id;
  } else {
    warnInternalsChanged(element);
  }
  return element.stack.resolve(element.logicalId);
}

function internalLogicalIdOf(element: CfnElement): (() => unknown) | undefined {
  const synthesize = (element as unknown as { _synthesizeLogicalId?: () => unknown })._synthesizeLogicalId;
  return typeof synthesize === 'function' ? synthesize : undefined;
}

/** `resource.rawOverrides` (internal: what `addOverride` and friends wrote); undefined when gone. */
function internalOverridesOf(resource: CfnResource): Record<string, unknown> | undefined {
  const raw = (resource as unknown as { rawOverrides?: unknown }).rawOverrides;
  return typeof raw === 'object' && raw !== null ? raw as Record<string, unknown> : undefined;
}

/** The protected jsii API a CfnResource subclass sees (`cfnProperties`, `renderProperties`, `shouldSynthesize`). */
interface RenderApi {
  readonly cfnProperties: Record<string, unknown>;
  renderProperties(props: Record<string, unknown>): Record<string, unknown> | undefined;
  shouldSynthesize(): boolean;
}

function renderApiOf(resource: CfnResource): RenderApi | undefined {
  const r = resource as unknown as Partial<RenderApi>;
  if (typeof r.renderProperties !== 'function' || typeof r.shouldSynthesize !== 'function') return undefined;
  const props = r.cfnProperties;
  if (typeof props !== 'object' || props === null) return undefined;
  const { renderProperties, shouldSynthesize } = r;
  return {
    cfnProperties: props,
    renderProperties: (p) => renderProperties.call(resource, p),
    shouldSynthesize: () => shouldSynthesize.call(resource),
  };
}

/**
 * Fallback of `internalTemplateOf`: the Properties that `_toCloudFormation()` renders, built
 * again from the protected jsii API (which subclasses rely on, so it is kept stable) the way
 * it builds them: the L1 props resolved, `renderProperties`, then the resolved overrides
 * merged in as aws-cdk-lib merges them. Without `rawOverrides` too, overrides cannot be
 * seen at all: said in the warning. `resolve` resolves a value (through the caller's resolver).
 */
function rebuiltProperties(resource: CfnResource, resolve: (value: unknown, removeEmpty?: boolean) => unknown): Record<string, unknown> {
  const api = renderApiOf(resource);
  const overrides = internalOverridesOf(resource);
  warnInternalsChanged(resource);
  if (api === undefined || !api.shouldSynthesize()) return {};
  const props = resolve(api.cfnProperties);
  const rendered = api.renderProperties(isPlainObject(props) ? props : {}) ?? {};
  const def: Record<string, unknown> = { Properties: rendered };
  // _toCloudFormation resolves the overrides keeping empty objects (they delete on merge).
  const resolvedOverrides = overrides === undefined ? undefined : resolve(overrides, false);
  if (isPlainObject(resolvedOverrides)) deepMerge(def, resolvedOverrides);
  return isPlainObject(def.Properties) ? def.Properties : {};
}

/** Keys that make an object an intrinsic: an override of one replaces it whole (aws-cdk-lib's deepMerge). */
const INTRINSIC_KEYS = ['Ref', 'Fn::Base64', 'Fn::Cidr', 'Fn::FindInMap', 'Fn::GetAtt', 'Fn::GetAZs', 'Fn::ImportValue',
  'Fn::Join', 'Fn::Select', 'Fn::Split', 'Fn::Sub', 'Fn::Transform', 'Fn::And', 'Fn::Equals', 'Fn::If', 'Fn::Not', 'Fn::Or'];

/** aws-cdk-lib's merge of overrides into a resource definition (core/lib/private/deep-merge), copied: it is not exported. */
function deepMerge(target: Record<string, any>, source: Record<string, any>): void {
  const isIntrinsic = (o: Record<string, unknown>) => Object.keys(o).length === 1 && INTRINSIC_KEYS.includes(Object.keys(o)[0]);
  for (const key of Object.keys(source)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const value = source[key];
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
      else if (isIntrinsic(target[key])) target[key] = {};
      if (isIntrinsic(value)) target[key] = {};
      deepMerge(target[key], value);
      if (typeof target[key] === 'object' && Object.keys(target[key]).length === 0) delete target[key];
    } else if (value === undefined) {
      delete target[key];
    } else {
      target[key] = value;
    }
  }
}

/** Apps (construct roots) already warned: one warning per app, however many resources. */
const WARNED = new WeakSet<object>();

/**
 * Says once per app that an internal changed and the slower path is used. An annotation on
 * the stack of the first resource concerned, not on the App: aws-cdk-lib does not write an
 * App's own annotations into the cloud assembly (so `cdk synth` would never show it), while
 * a stack's warning is shown by the CLI, can be acknowledged, and is seen by tests. Not a
 * console line: that cannot be acknowledged and is lost in build logs.
 */
function warnInternalsChanged(scope: IConstruct, cause?: string): void {
  const root = scope.node.root;
  if (WARNED.has(root)) return;
  WARNED.add(root);
  // Whichever read met the change first, the one warning names every internal found gone.
  const gone: string[] = [];
  if (CfnElement.isCfnElement(scope) && internalLogicalIdOf(scope) === undefined) {
    gone.push('CfnElement._synthesizeLogicalId()');
  }
  if (CfnResource.isCfnResource(scope)) {
    const template = internalRenderOf(scope) !== undefined;
    const overrides = internalOverridesOf(scope) !== undefined;
    if (!template) gone.push('CfnResource._toCloudFormation()');
    if (!overrides) gone.push('CfnResource.rawOverrides');
    if (renderApiOf(scope) === undefined) gone.push('the protected renderProperties(), shouldSynthesize() or cfnProperties');
    if (!template && !overrides) gone.push('so property overrides cannot be seen');
    if (!template && renderApiOf(scope) === undefined) gone.push('so properties cannot be read');
  }
  if (cause !== undefined) gone.push(cause);
  const what = gone.join('; ');
  Annotations.of(Stack.of(scope)).addWarningV2('@cdk-imdsv2/private:awsCdkLibInternalsChanged',
    `cdk-imdsv2 reads CloudFormation properties through aws-cdk-lib internals for speed, and this aws-cdk-lib changed one (${what}). `
    + 'It falls back to the slower public path: results are the same unless said otherwise here. Please report it with your aws-cdk-lib version.');
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
 * Whether `cachedLazyOf` still recognises the cached lazies of this aws-cdk-lib: asked of a
 * fresh `Lazy.string` and `Lazy.any` once per app (a token made per check is kept by
 * aws-cdk-lib's token map: once per app, not per resolve). When it does not, resolution
 * falls back to `SNAPSHOT_RESOLVER`, and the app is warned.
 */
function lazyFieldsKnown(scope: IConstruct): boolean {
  const root = scope.node.root;
  let known = LAZY_FIELDS_KNOWN.get(root);
  if (known === undefined) {
    known = cachedLazyOf(Tokenization.reverse(Lazy.string({ produce: () => '' }))) !== undefined
      && cachedLazyOf(Lazy.any({ produce: () => '' })) !== undefined;
    LAZY_FIELDS_KNOWN.set(root, known);
    if (!known) warnInternalsChanged(scope, 'the fields of a cached Lazy (producer, cache) are gone');
  }
  return known;
}

const LAZY_FIELDS_KNOWN = new WeakMap<object, boolean>();

/**
 * aws-cdk-lib's default resolution, except that a cached lazy is produced without being
 * cached (its `_cached` field stays empty, so synthesis produces it again, later).
 *
 * With `lazyFieldsKnown` false (aws-cdk-lib changed its Lazy), a cached lazy cannot be told
 * from other tokens, so every token is resolved as aws-cdk-lib resolves it and then given
 * back the own fields it had before (one level in, for a box holding the lazy): a cache
 * filled meanwhile is emptied again, whatever it is called. Slower, hence only as fallback.
 */
class UncachedLazyResolver extends DefaultTokenResolver {
  /** @param onReference called with the CfnResource behind every Reference token met */
  public constructor(
    concat: IFragmentConcatenator,
    private readonly lazyFields: boolean,
    private readonly onReference?: (target: CfnResource) => void,
  ) {
    super(concat);
  }

  public resolveToken(t: IResolvable, context: IResolveContext, postProcessor: IPostProcessor): unknown {
    if (this.onReference && Reference.isReference(t) && CfnResource.isCfnResource(t.target)) this.onReference(t.target);
    if (referencesAsWritten && Reference.isReference(t) && CfnResource.isCfnResource(t.target)
      && Stack.of(t.target) !== Stack.of(context.scope)) {
      // Once the app is prepared, a reference into another stack resolves to its import
      // (Fn::ImportValue, or a nested stack's parameter). The engine follows references by
      // logical id, as they read before preparation: write them that way again.
      const logicalId = context.resolve(t.target.logicalId);
      return t.displayName === 'Ref' ? { Ref: logicalId } : { 'Fn::GetAtt': [logicalId, t.displayName] };
    }
    if (!this.lazyFields) {
      const restore = snapshotOf(t);
      try {
        return super.resolveToken(t, context, postProcessor);
      } finally {
        restore();
      }
    }
    const lazy = cachedLazyOf(t);
    if (lazy === undefined) return super.resolveToken(t, context, postProcessor);
    const produced = context.resolve(lazy.producer.produce(context));
    return postProcessor.postProcess(produced, context);
  }
}

/** Puts back the own fields `t` (and each object it holds in a field) has now. */
function snapshotOf(t: object): () => void {
  const objects = [t, ...Object.values(t).filter((v): v is object => typeof v === 'object' && v !== null && !Array.isArray(v))];
  const saved = objects.map((o) => [o, Object.getOwnPropertyDescriptors(o)] as const);
  return () => {
    for (const [o, descriptors] of saved) {
      for (const key of Reflect.ownKeys(o)) {
        if (!(key in descriptors)) Reflect.deleteProperty(o, key);
      }
      for (const [key, d] of Object.entries(descriptors)) {
        if ('value' in d && d.writable && (o as Record<string, unknown>)[key] !== d.value) (o as Record<string, unknown>)[key] = d.value;
      }
    }
  };
}

const UNCACHED_RESOLVER = new UncachedLazyResolver(CLOUDFORMATION_JOIN, true);
const SNAPSHOT_RESOLVER = new UncachedLazyResolver(CLOUDFORMATION_JOIN, false);

let referencesAsWritten = false;

/**
 * Runs `read` with references into other stacks rendered as `Ref` / `Fn::GetAtt` of their
 * target's logical id, as they read before the app is prepared, instead of the imports
 * preparation turns them into. The aspect's final check reads resources at validation
 * time, after preparation, and links consumers to launch templates across stacks.
 * (`Reference.target` and `displayName` are aws-cdk-lib's public API.)
 */
export function withReferencesAsWritten<T>(read: () => T): T {
  const saved = referencesAsWritten;
  referencesAsWritten = true;
  try {
    return read();
  } finally {
    referencesAsWritten = saved;
  }
}
