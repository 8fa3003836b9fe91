import { Aspects, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Instance, InstanceRequireImdsv2Aspect } from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { renderedProperties } from './render-resource';
import { PropertyPath, isIntrinsic, valueAt } from '../engine/json';
import { ResourceLookup, ResourceView } from '../engine/model';
import { adapterFor } from '../engine/resource-table';
import { Imdsv2RuleId } from '../engine/rule-id';

const ACK_KEY = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;

/**
 * The CDK side of the engine: turns CfnResources of an app into ResourceViews (each
 * rendered and resolved once) and answers the engine's lookups (references,
 * acknowledgements) from indexes, never by searching the tree per resource.
 */
export class AppResources implements ResourceLookup {
  private readonly views = new Map<CfnResource, ResourceView>();
  private readonly byKey = new Map<string, CfnResource>();
  /** logical id → resources with that id, per stack and across the app (for cross-stack refs). */
  private readonly byStack = new Map<Stack, Map<string, CfnResource>>();
  private readonly byLogicalId = new Map<string, CfnResource[]>();
  private readonly acks = new Map<IConstruct, ReadonlySet<string>>();

  /**
   * Index `resource` (an IMDS-bearing CfnResource) and return its view.
   *
   * @param rendered its CloudFormation Properties when the caller has them already (read
   * from the synthesized template): rendering a resource is the costly step
   */
  public add(resource: CfnResource, rendered?: Record<string, unknown>): ResourceView {
    const existing = this.views.get(resource);
    if (existing) return existing;
    const adapter = adapterFor(resource.cfnResourceType)!;
    const stack = Stack.of(resource);
    const logicalId = stack.resolve(resource.logicalId) as string;
    const all = rendered ?? renderedProperties(resource);
    const properties: Record<string, unknown> = {};
    for (const name of adapter.properties) {
      if (all[name] !== undefined) properties[name] = all[name];
    }
    const view: ResourceView = {
      key: `${stack.node.path}/${logicalId}`,
      logicalId,
      type: resource.cfnResourceType,
      properties,
      path: resource.node.path,
      compliantBecause: settledByRequireImdsv2Aspect(resource),
    };
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

  public resourceOf(view: ResourceView): CfnResource {
    return this.byKey.get(view.key)!;
  }

  public allViews(): ResourceView[] {
    return [...this.views.values()];
  }

  public resourceAt(from: ResourceView, path: PropertyPath): ResourceView | undefined {
    const value = valueAt(from.properties, path);
    if (!isIntrinsic(value)) return undefined;
    const ref = value.Ref ?? (Array.isArray(value['Fn::GetAtt']) ? value['Fn::GetAtt'][0] : undefined);
    if (typeof ref !== 'string') return undefined;
    const own = this.byStack.get(Stack.of(this.resourceOf(from)))?.get(ref);
    if (own) return this.views.get(own);
    // At aspect time a reference into another stack still reads as that stack's own
    // { Ref: LogicalId } (exports are made later): accept it when the id is unambiguous.
    const elsewhere = this.byLogicalId.get(ref) ?? [];
    return elsewhere.length === 1 ? this.views.get(elsewhere[0]) : undefined;
  }

  public isAcknowledged(view: ResourceView, ruleId: Imdsv2RuleId): boolean {
    const acked = this.acknowledgedAt(this.resourceOf(view));
    return acked.has(ruleId) || acked.has(`annotation::${ruleId}`);
  }

  /** Rule ids acknowledged with Validations.of(scope).acknowledge() on `c` or a scope above it. */
  private acknowledgedAt(c: IConstruct): ReadonlySet<string> {
    const cached = this.acks.get(c);
    if (cached) return cached;
    const inherited = c.node.scope ? this.acknowledgedAt(c.node.scope) : new Set<string>();
    const own = c.node.metadata.filter((m) => m.type === ACK_KEY);
    let result = inherited;
    if (own.length > 0) {
      const merged = new Set(inherited);
      for (const entry of own) for (const id of Object.keys(entry.data ?? {})) merged.add(id);
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
  if (resource.cfnResourceType !== 'AWS::EC2::Instance' || !(owner instanceof Instance)) return undefined;
  for (let scope: IConstruct | undefined = owner; scope; scope = scope.node.scope) {
    if (Aspects.of(scope).all.some((a) => a instanceof InstanceRequireImdsv2Aspect)) {
      return "aws-cdk-lib's InstanceRequireImdsv2Aspect attaches a launch template requiring tokens";
    }
  }
  return undefined;
}
