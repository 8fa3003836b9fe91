/**
 * The one index every front door answers the engine's lookups from.
 *
 * A front door feeds it what it can see: templates (a synthesized template file, or a stack
 * of the construct tree), the IMDS-bearing resources of each, the exports and, for a nested
 * template, what its parent passes in and what it outputs. The index then follows a
 * reference across all of them the same way for every front door: before it existed the
 * aspect, the cdk-nag pack and the template scanner each followed exports on their own, and
 * a form of reference one of them read was a form another missed.
 *
 * Pure: no aws-cdk-lib. What only the construct tree knows (which of several same-named
 * logical ids a token points at, acknowledgements in construct metadata) comes in through
 * the hooks of `ResourceIndexHooks`.
 */
import { Json, PropertyPath, isIntrinsic, isPlainObject, valueAt } from './json';
import { ResourceLookup, ResourceView } from './model';
import { Reference, parseReference } from './references';
import { Imdsv2RuleId } from './rule-id';

/** How deep references are followed (nested stack parameters, outputs, exports) before giving up. */
const MAX_HOPS = 16;

/** One template as the index knows it. */
export interface IndexedTemplate {
  /** Unique among the index's templates: a template file's path, or a stack's construct path. */
  readonly id: string;
  /** The top-level stack that deploys it (a nested template belongs to its parent's deployment). */
  readonly deployment: string;
  /**
   * Whether `logicalId` is a resource of this template (of any type). Only needed where a
   * `Ref` may also name a parameter its parent passes in (a nested template): a feeder
   * without nested templates may leave it out.
   */
  readonly isResource?: (logicalId: string) => boolean;
  /**
   * Whether `logicalId` is a resource or a parameter of this template (see
   * `ResourceLookup.definesLogicalId`). Absent: the index cannot tell.
   */
  readonly defines?: (logicalId: string) => boolean;
  /**
   * For a nested template: its parent template, the logical id of the parent's
   * AWS::CloudFormation::Stack resource, and the values the parent passes for the parameters
   * this template declares.
   */
  readonly parent?: {
    readonly templateId: string;
    readonly logicalId: string;
    readonly passes: ReadonlyMap<string, Json>;
  };
  /** The `Value` of each of its Outputs, by output name (for `Fn::GetAtt [Stack, Outputs.Name]`). */
  readonly outputs?: ReadonlyMap<string, Json>;
}

/** What a front door answers that the index cannot read from the templates. */
export interface ResourceIndexHooks {
  /** True when `ruleId` is acknowledged on the resource or one of its scopes. */
  readonly isAcknowledged: (view: ResourceView, ruleId: Imdsv2RuleId) => boolean;
  /**
   * Where a `Ref` / `Fn::GetAtt` / `Fn::Sub` reference inside `from` points, when the front
   * door knows better than the logical id (the construct tree reads it off the reference's
   * token: before synthesis a reference into another stack is still `{ Ref: Id }`). Without
   * it, a reference is followed within `from`'s template, its nested stack links and exports.
   * `Fn::ImportValue` is always followed by the index.
   */
  readonly resolveReference?: (from: ResourceView, reference: Reference) => ResourceView | undefined;
}

/** Where a value is written: the template that reads it, and the value. */
interface Located {
  readonly templateId: string;
  readonly value: Json;
}

/**
 * Resources keyed by (template, logical id), exports by name, nested templates by their
 * parent's stack resource; answers `ResourceLookup` for the engine.
 */
export class ResourceIndex implements ResourceLookup {
  private readonly templates = new Map<string, IndexedTemplate>();
  /** `${templateId}#${logicalId}` → the resource's view. */
  private readonly byLocation = new Map<string, ResourceView>();
  /** view key → the view as indexed, and its template. */
  private readonly byKey = new Map<string, { readonly view: ResourceView; readonly templateId: string }>();
  private readonly exports = new Map<string, Located>();
  /** `${parent templateId}#${stack logicalId}` → the nested template's id. */
  private readonly nested = new Map<string, string>();

  public constructor(private readonly hooks: ResourceIndexHooks) {}

  /** Add a template. A nested one is linked to its parent's stack resource. */
  public addTemplate(template: IndexedTemplate): void {
    this.templates.set(template.id, template);
    if (template.parent) this.nested.set(`${template.parent.templateId}#${template.parent.logicalId}`, template.id);
  }

  public hasTemplate(id: string): boolean {
    return this.templates.has(id);
  }

  /**
   * Add an export: `Fn::ImportValue` of `name` reads `value` as written in `templateId`.
   * A later export of the same name replaces an earlier one.
   */
  public addExport(name: string, templateId: string, value: Json): void {
    this.exports.set(name, { templateId, value });
  }

  /**
   * Add an IMDS-bearing resource of `templateId` and return its view as the engine should
   * see it: with `standIns` applied to its properties. Add the templates and exports first:
   * the stand-ins are worked out here, once.
   */
  public add(view: ResourceView, templateId: string): ResourceView {
    if (!this.templates.has(templateId)) throw new Error(`template ${templateId} is not in the index`);
    const properties = this.standIns(templateId, view.properties);
    const indexed = properties === view.properties ? view : { ...view, properties };
    this.byKey.set(view.key, { view: indexed, templateId });
    this.byLocation.set(`${templateId}#${view.logicalId}`, indexed);
    return indexed;
  }

  /** The view indexed under `key`, if any. */
  public viewOf(key: string): ResourceView | undefined {
    return this.byKey.get(key)?.view;
  }

  public resourceAt(from: ResourceView, path: PropertyPath): ResourceView | undefined {
    const value = valueAt(from.properties, path);
    const resolve = this.hooks.resolveReference;
    const ref = resolve ? parseReference(value) : undefined;
    if (ref) {
      const found = resolve!(from, ref);
      return found && this.viewOf(found.key);
    }
    return this.follow(this.templateIdOf(from), value, 0);
  }

  public isAcknowledged(view: ResourceView, ruleId: Imdsv2RuleId): boolean {
    return this.hooks.isAcknowledged(view, ruleId);
  }

  public templateIdOf(view: ResourceView): string {
    const entry = this.byKey.get(view.key);
    if (!entry) throw new Error(`resource ${view.key} is not in the index`);
    return entry.templateId;
  }

  public deploymentOf(view: ResourceView): string {
    return this.templates.get(this.templateIdOf(view))!.deployment;
  }

  public definesLogicalId(view: ResourceView, logicalId: string): boolean | undefined {
    return this.templates.get(this.templateIdOf(view))!.defines?.(logicalId);
  }

  /**
   * `value` (read in `templateId`) with the references that stand for a value of another
   * template replaced by that value, where the engine reads values rather than following
   * references:
   * - a literal (string, number, boolean) passed as a nested stack parameter, exported, or
   *   output by a nested stack;
   * - a launch template version (`Fn::GetAtt [LT, LatestVersionNumber | DefaultVersionNumber]`)
   *   that reaches the consumer through an export, a nested stack output or parameter, so
   *   that the engine sees which version is followed.
   * Other references (e.g. a launch template id) are kept for `resourceAt` to follow.
   * A copy only where something is replaced, `value` itself elsewhere.
   */
  public standIns(templateId: string, value: Json): Json {
    // Without exports or nested templates, no reference stands for a value of another
    // template: the common case (one stack, or stacks that share nothing) costs no walk.
    if (this.exports.size === 0 && this.nested.size === 0) return value;
    return this.replaceStandIns(templateId, value);
  }

  private replaceStandIns(templateId: string, value: Json): Json {
    if (Array.isArray(value)) {
      const out = value.map((v) => this.replaceStandIns(templateId, v));
      return out.some((v, i) => v !== value[i]) ? out : value;
    }
    if (!isPlainObject(value)) return value;
    if (isIntrinsic(value)) {
      const target = this.through(templateId, value, 0);
      if (target && target.value !== value && (isLiteral(target.value) || isVersionAttribute(target.value))) return target.value;
      return value;
    }
    let out: Record<string, Json> | undefined;
    for (const [k, v] of Object.entries(value)) {
      const replaced = this.replaceStandIns(templateId, v);
      if (replaced !== v) (out ??= { ...value })[k] = replaced;
    }
    return out ?? value;
  }

  /** The indexed resource that `value` (read in `templateId`) points at, if it can be known. */
  private follow(templateId: string, value: Json, hops: number): ResourceView | undefined {
    if (hops > MAX_HOPS || !isIntrinsic(value)) return undefined;
    const ref = parseReference(value);
    const next = ref ? this.crossing(templateId, ref) : this.imported(value);
    if (next) return this.follow(next.templateId, next.value, hops + 1);
    // A reference that stays in its template names a resource of it (or nothing the engine sees).
    return ref ? this.byLocation.get(`${templateId}#${ref.logicalId}`) : undefined;
  }

  /** Follow `value` across templates to the value it stands for, in the template that writes it. */
  private through(templateId: string, value: Json, hops: number): Located | undefined {
    if (hops > MAX_HOPS) return undefined;
    if (!isIntrinsic(value)) return { templateId, value };
    const ref = parseReference(value);
    const next = ref ? this.crossing(templateId, ref) : this.imported(value);
    return next ? this.through(next.templateId, next.value, hops + 1) : { templateId, value };
  }

  /**
   * Where a reference leads out of its template, if it does: a `Ref` to a parameter the
   * parent passes in (to the parent's value), or `Fn::GetAtt [NestedStack, Outputs.Name]`
   * (to the nested template's output).
   */
  private crossing(templateId: string, ref: Reference): Located | undefined {
    const template = this.templates.get(templateId);
    if (!template) return undefined;
    if (ref.attribute === undefined) {
      if (!template.parent || template.isResource?.(ref.logicalId)) return undefined;
      const passed = template.parent.passes.get(ref.logicalId);
      return passed === undefined ? undefined : { templateId: template.parent.templateId, value: passed };
    }
    if (!ref.attribute.startsWith('Outputs.')) return undefined;
    const childId = this.nested.get(`${templateId}#${ref.logicalId}`);
    const outputs = childId === undefined ? undefined : this.templates.get(childId)?.outputs;
    const name = ref.attribute.slice('Outputs.'.length);
    return outputs?.has(name) ? { templateId: childId!, value: outputs.get(name) } : undefined;
  }

  /** Where `Fn::ImportValue` of a literal export name leads: the exported value. */
  private imported(value: Json): Located | undefined {
    const name = value['Fn::ImportValue'];
    return typeof name === 'string' ? this.exports.get(name) : undefined;
  }
}

function isLiteral(v: Json): boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** `Fn::GetAtt [LT, LatestVersionNumber | DefaultVersionNumber]`: which version a consumer follows. */
function isVersionAttribute(v: Json): boolean {
  const attribute = parseReference(v)?.attribute;
  return attribute === 'LatestVersionNumber' || attribute === 'DefaultVersionNumber';
}

/**
 * A front door's lookup that feeds a `ResourceIndex` and lets it answer the engine: the
 * aspect and the cdk-nag pack (`AppResources`, fed from the construct tree), the validator
 * and the CLI (`TemplateResources`, fed from templates). One base, so that no front door
 * answers a lookup its own way.
 */
export abstract class IndexedResources implements ResourceLookup {
  protected abstract readonly index: ResourceIndex;

  public resourceAt(from: ResourceView, path: PropertyPath): ResourceView | undefined {
    return this.index.resourceAt(from, path);
  }

  public isAcknowledged(view: ResourceView, ruleId: Imdsv2RuleId): boolean {
    return this.index.isAcknowledged(view, ruleId);
  }

  /** The template `view` is written in (a nested stack's is its own). */
  public templateIdOf(view: ResourceView): string {
    return this.index.templateIdOf(view);
  }

  /** The top-level stack that deploys `view` (a nested stack's parent, up the chain). */
  public deploymentOf(view: ResourceView): string {
    return this.index.deploymentOf(view);
  }

  /** Whether `logicalId` is a resource or parameter of `view`'s template, when the feeder tells. */
  public definesLogicalId(view: ResourceView, logicalId: string): boolean | undefined {
    return this.index.definesLogicalId(view, logicalId);
  }
}
