import { Aspects, CfnElement, CfnOutput, CfnResource, Stack } from 'aws-cdk-lib';
import { Instance, InstanceRequireImdsv2Aspect } from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { cfnInitOf } from './instance-scripts';
import { logicalIdOf, referencedResources, renderedProperties } from './render-resource';
import { ACKNOWLEDGED_RULES_METADATA, acknowledgedRules } from '../engine/acknowledgements';
import { pick } from '../engine/json';
import { ResourceView } from '../engine/model';
import { Reference } from '../engine/references';
import { IndexedResources, ResourceIndex } from '../engine/resource-index';
import { adapterFor } from '../engine/resource-table';
import { InstanceScripts, scriptPropertiesOf } from '../engine/user-data';

/**
 * The CDK side of the engine: turns CfnResources of an app into ResourceViews (each
 * rendered and resolved once) and feeds them, one template per stack, to the
 * `ResourceIndex` every front door shares, which answers the engine's lookups. What only the
 * tree knows is answered through the index's hooks: which resource a reference token points
 * at, and acknowledgements in construct metadata; never by searching the tree per resource.
 */
export class AppResources extends IndexedResources {
  protected readonly index = new ResourceIndex({
    resolveReference: (from, ref) => this.resolveReference(from, ref),
    isAcknowledged: (view, ruleId) => this.acknowledgedAt(this.resourceOf(view)).has(ruleId),
  });
  private readonly views = new Map<CfnResource, ResourceView>();
  private readonly byKey = new Map<string, CfnResource>();
  /** logical id → resources with that id, per stack and across the app (for cross-stack refs). */
  private readonly byStack = new Map<Stack, Map<string, CfnResource>>();
  private readonly byLogicalId = new Map<string, CfnResource[]>();
  private readonly acks = new Map<IConstruct, ReadonlySet<string>>();
  /** The resources each resource references through tokens, read when first needed. */
  private readonly references = new Map<CfnResource, CfnResource[]>();
  /** The user-data properties of each resource that has any, from the same render as its view. */
  private readonly scriptProperties = new Map<CfnResource, Record<string, unknown>>();
  private readonly logicalIds = new Map<CfnResource, string>();
  private readonly stackPaths = new Map<Stack, string>();

  /**
   * @param trustBuiltinAspects whether an instance with aws-cdk-lib's
   * InstanceRequireImdsv2Aspect is taken as compliant before that aspect has run (true at
   * aspect time; the final check reads what it did instead)
   */
  public constructor(private readonly trustBuiltinAspects = true) {
    super();
  }

  /**
   * Make `output`'s export importable: an `Fn::ImportValue` of its name reads its value, as
   * the app's references read after synthesis. Add every export before the resources.
   */
  public addExport(output: CfnOutput): void {
    const stack = Stack.of(output);
    const name = stack.resolve(output.exportName);
    if (typeof name !== 'string') return;
    this.addStack(stack);
    this.index.addExport(name, stack.node.path, stack.resolve(output.value));
  }

  /**
   * Index `resource` (an IMDS-bearing CfnResource) and return its view (an imported
   * literal or launch template version written in place of the import, see `addExport`).
   *
   * @param rendered its CloudFormation Properties when the caller has them already (read
   * from the synthesized template): rendering a resource is the costly step
   */
  public add(resource: CfnResource, rendered?: Record<string, unknown>): ResourceView {
    const existing = this.views.get(resource);
    if (existing) return existing;
    const adapter = adapterFor(resource.cfnResourceType)!;
    const stack = Stack.of(resource);
    const logicalId = this.logicalIdOf(resource);
    // One render per resource, of only what the engine reads and, for the user-data rule,
    // the scripts: resolving the other properties is most of what a render costs.
    const scripts = scriptPropertiesOf(resource.cfnResourceType);
    const all = rendered ?? renderedProperties(resource, readPropertiesOf(adapter.properties, scripts), adapter.fieldsRead);
    const properties = pick(all, adapter.properties);
    if (scripts !== undefined) this.scriptProperties.set(resource, pick(all, scripts));
    const stackPath = this.addStack(stack);
    const view = this.index.add({
      key: `${stackPath}/${logicalId}`,
      logicalId,
      type: resource.cfnResourceType,
      properties,
      path: resource.node.path,
      compliantBecause: this.trustBuiltinAspects ? settledByRequireImdsv2Aspect(resource) : undefined,
    }, stackPath);
    this.views.set(resource, view);
    this.byKey.set(view.key, resource);
    let perStack = this.byStack.get(stack);
    if (!perStack) this.byStack.set(stack, perStack = new Map());
    perStack.set(logicalId, resource);
    const same = this.byLogicalId.get(logicalId) ?? [];
    same.push(resource);
    this.byLogicalId.set(logicalId, same);
    return view;
  }

  /**
   * Each stack is one template of the index, deployed by its top-level stack; returns its id
   * (the stack's path, worked out once: a construct's path is built again on every read).
   */
  private addStack(stack: Stack): string {
    const known = this.stackPaths.get(stack);
    if (known !== undefined) return known;
    const id = stack.node.path;
    this.stackPaths.set(stack, id);
    if (this.index.hasTemplate(id)) return id;
    let top = stack;
    while (top.nestedStackParent) top = top.nestedStackParent;
    let defined: ReadonlySet<string> | undefined;
    this.index.addTemplate({
      id,
      deployment: top.node.path,
      // Worked out when first asked (a Kubernetes manifest with references, rarely): one walk of the stack.
      defines: (logicalId) => (defined ??= logicalIdsOf(stack)).has(logicalId),
    });
    return id;
  }

  /**
   * The logical id of `resource`, worked out once: it hashes the construct path.
   */
  public logicalIdOf(resource: CfnResource): string {
    let id = this.logicalIds.get(resource);
    if (id === undefined) this.logicalIds.set(resource, id = logicalIdOf(resource));
    return id;
  }

  /**
   * The scripts of an added resource for `userDataFindings`, from the render `add` made
   * (plus its cfn-init metadata), so that the user-data rule costs no second render.
   */
  public scriptsOf(resource: CfnResource): InstanceScripts {
    return { properties: this.scriptProperties.get(resource) ?? {}, metadata: cfnInitOf(resource) };
  }

  public resourceOf(view: ResourceView): CfnResource {
    return this.byKey.get(view.key)!;
  }

  public allViews(): ResourceView[] {
    return [...this.views.values()];
  }

  /**
   * The index's hook for a Ref / Fn::GetAtt / Fn::Sub reference (any form `parseReference`
   * reads, e.g. CfnInclude's `!GetAtt Lt.Attr` kept as a string): the tree knows better than
   * the logical id which resource it is.
   */
  private resolveReference(from: ResourceView, reference: Reference): ResourceView | undefined {
    const ref = reference.logicalId;
    const resource = this.resourceOf(from);
    const own = this.byStack.get(Stack.of(resource))?.get(ref);
    const same = this.byLogicalId.get(ref) ?? [];
    if (own && same.length === 1) return this.views.get(own);
    // At aspect time a reference into another stack still reads as { Ref: LogicalId } (CDK
    // makes the export later), so with that id in several stacks (or only in another one)
    // the target is read off the reference token itself, not guessed from the id.
    const targets = this.referencedBy(resource).filter((t) => logicalIdOf(t) === ref);
    if (targets.length === 1) return this.views.get(targets[0]); // undefined: not one the engine sees
    if (targets.length > 1) return undefined; // several referenced under that id: which one is at `path` is unknown
    // No token: a literal { Ref } (an override) names a resource of its own template. The
    // logical-id fallback is kept for a target that cannot be known, when unambiguous.
    if (own) return this.views.get(own);
    return same.length === 1 ? this.views.get(same[0]) : undefined;
  }

  private referencedBy(resource: CfnResource): CfnResource[] {
    let found = this.references.get(resource);
    if (!found) this.references.set(resource, found = referencedResources(resource));
    return found;
  }

  /**
   * Our rule ids acknowledged with Validations.of(scope).acknowledge() on `c` or a scope
   * above it, read from the recorded ids by the one parser every front door uses.
   */
  private acknowledgedAt(c: IConstruct): ReadonlySet<string> {
    const cached = this.acks.get(c);
    if (cached) return cached;
    const inherited = c.node.scope ? this.acknowledgedAt(c.node.scope) : new Set<string>();
    const own = c.node.metadata.filter((m) => m.type === ACKNOWLEDGED_RULES_METADATA);
    let result = inherited;
    if (own.length > 0) {
      const merged = new Set(inherited);
      for (const entry of own) for (const rule of acknowledgedRules(Object.keys(entry.data ?? {}))) merged.add(rule);
      result = merged;
    }
    this.acks.set(c, result);
    return result;
  }
}

/**
 * `new ec2.Instance(…, { requireImdsv2: true })` registers aws-cdk-lib's
 * InstanceRequireImdsv2Aspect, which attaches a launch template requiring tokens after
 * this aspect (MUTATING) has run: without this, that instance would be a false alarm.
 */
function settledByRequireImdsv2Aspect(resource: CfnResource): string | undefined {
  const owner = resource.node.scope;
  // Not per CloudFormation type (so not an adapter's): this is about one aws-cdk-lib L2
  // class and the aspect it registers. The type check keeps it to the instance's own
  // CfnInstance, not other resources in its scope.
  if (resource.cfnResourceType !== 'AWS::EC2::Instance' || !(owner instanceof Instance)) return undefined;
  for (let scope: IConstruct | undefined = owner; scope; scope = scope.node.scope) {
    if (Aspects.of(scope).all.some((a) => a instanceof InstanceRequireImdsv2Aspect)) {
      return "aws-cdk-lib's InstanceRequireImdsv2Aspect attaches a launch template requiring tokens";
    }
  }
  return undefined;
}

/** The logical ids of the resources and parameters `stack` itself writes (not its nested stacks'). */
function logicalIdsOf(stack: Stack): ReadonlySet<string> {
  const ids = new Set<string>();
  for (const c of stack.node.findAll()) {
    if (CfnElement.isCfnElement(c) && Stack.of(c) === stack) ids.add(logicalIdOf(c));
  }
  return ids;
}

/** The properties to render: the adapter's and the user-data rule's, once each. */
function readPropertiesOf(adapterReads: readonly string[], scripts: readonly string[] | undefined): readonly string[] {
  if (scripts === undefined) return adapterReads;
  return [...new Set([...adapterReads, ...scripts])];
}
