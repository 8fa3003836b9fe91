import { TemplateFile } from './load-templates';
import { isRuleAcknowledged } from '../engine/acknowledgements';
import { Json, PropertyPath, isIntrinsic, isPlainObject, valueAt } from '../engine/json';
import { ResourceLookup, ResourceView } from '../engine/model';
import { parseReference } from '../engine/references';
import { adapterFor } from '../engine/resource-table';
import { Imdsv2RuleId } from '../engine/rule-id';
import { InstanceScripts, scriptPropertiesOf } from '../engine/user-data';

/** How deep references are followed (nested stack parameters, outputs, exports) before giving up. */
const MAX_HOPS = 16;

interface Entry {
  readonly view: ResourceView;
  readonly template: TemplateFile;
  /** The resource as written in the template (Type, Properties, Metadata, …). */
  readonly resource: Json;
}

/**
 * The template side of the engine: ResourceViews over a set of parsed CloudFormation
 * templates, and the answers to the engine's lookups.
 *
 * References it follows:
 * - `Ref` and `Fn::GetAtt` (both forms), or a `Fn::Sub` that is one of them
 *   (`parseReference`), to a resource of the same template;
 * - `Fn::ImportValue` of a literal export name to the Output with that `Export.Name` in
 *   any template of the set (CDK's cross-stack references);
 * - in a nested stack template, `Ref` to a parameter the parent passes in
 *   (`Parameters` of its AWS::CloudFormation::Stack), followed into the parent;
 * - `Fn::GetAtt [NestedStack, Outputs.Name]` to the Output of the nested template.
 *
 * Where the engine reads a value rather than a reference (a setting, a launch template
 * version), a literal or a `LatestVersionNumber` / `DefaultVersionNumber` attribute reached
 * through any of these is written into the view's properties in place of the reference.
 *
 * Not followed (the engine reports Imdsv2-Unverifiable): template parameters of a top-level
 * template (a default can be overridden at deploy time), export names computed with
 * Fn::Sub / Fn::Join, SSM parameters, and templates that are not in the set.
 *
 * Acknowledgements are read from the resource's `Metadata.cdk_nag.rules_to_suppress`
 * (cdk-nag's audit trail) and, for a template of a cloud assembly, from the
 * `aws:cdk:acknowledged-rules` construct metadata in the manifest, on the resource's
 * construct path (`aws:cdk:path`, else the `aws:cdk:logicalId` metadata) or any scope
 * above it within the stack.
 */
export class TemplateResources implements ResourceLookup {
  /** Every IMDS-bearing resource of the set, in template order. */
  public readonly views: ResourceView[] = [];
  private readonly entries = new Map<string, Entry>();
  private readonly exports = new Map<string, { template: TemplateFile; value: Json }>();
  /** Nested template of each AWS::CloudFormation::Stack resource: `${parent file}#${logicalId}`. */
  private readonly nested = new Map<string, TemplateFile>();
  /** Answers already given: `${view key}|${rule id}` → acknowledged. */
  private readonly ackCache = new Map<string, boolean>();

  public constructor(public readonly templates: readonly TemplateFile[]) {
    for (const t of templates) {
      if (t.parent) this.nested.set(`${t.parent.template.file}#${t.parent.logicalId}`, t);
      for (const output of Object.values<Json>(isPlainObject(t.template.Outputs) ? t.template.Outputs : {})) {
        const name = output?.Export?.Name;
        if (typeof name === 'string' && output.Value !== undefined) this.exports.set(name, { template: t, value: output.Value });
      }
    }
    for (const t of templates) {
      for (const [logicalId, resource] of Object.entries<Json>(t.template.Resources)) {
        const adapter = typeof resource?.Type === 'string' ? adapterFor(resource.Type) : undefined;
        if (!adapter) continue;
        const all = isPlainObject(resource.Properties) ? resource.Properties : {};
        const properties: Record<string, Json> = {};
        for (const name of adapter.properties) {
          if (all[name] !== undefined) properties[name] = this.standIns(t, all[name]);
        }
        const view: ResourceView = {
          key: `${t.file}#${logicalId}`,
          logicalId,
          type: resource.Type,
          properties,
          path: `${t.name}#${logicalId}`,
        };
        this.views.push(view);
        this.entries.set(view.key, { view, template: t, resource });
      }
    }
  }

  /** The template a view comes from. */
  public templateOf(view: ResourceView): TemplateFile {
    return this.entry(view).template;
  }

  /** The construct path of the resource (without leading slash), when the template tells it. */
  public constructPathOf(view: ResourceView): string | undefined {
    const { template, resource } = this.entry(view);
    return this.constructPath(template, resource, view.logicalId)?.replace(/^\//, '');
  }

  /** The resource's user data and cfn-init metadata, for `userDataFindings`. */
  public scriptsOf(view: ResourceView): InstanceScripts {
    const { template, resource } = this.entry(view);
    const all = isPlainObject(resource.Properties) ? resource.Properties : {};
    const properties: Record<string, Json> = {};
    for (const name of scriptPropertiesOf(view.type) ?? []) {
      if (all[name] !== undefined) properties[name] = this.standIns(template, all[name]);
    }
    return { properties, metadata: resource.Metadata };
  }

  public resourceAt(from: ResourceView, path: PropertyPath): ResourceView | undefined {
    const entry = this.entry(from);
    return this.follow(entry.template, valueAt(from.properties, path), 0);
  }

  /** The template file `view` is written in (a nested template is its own). */
  public templateIdOf(view: ResourceView): string {
    return this.entry(view).template.file;
  }

  /**
   * The top-level template that deploys `view`: a nested template belongs to its parent's
   * deployment (the parent passes parameters, not exports), up the chain.
   */
  public deploymentOf(view: ResourceView): string {
    let template = this.entry(view).template;
    while (template.parent) template = template.parent.template;
    return template.stackName ?? template.name;
  }

  public isAcknowledged(view: ResourceView, ruleId: Imdsv2RuleId): boolean {
    const key = `${view.key}|${ruleId}`;
    const cached = this.ackCache.get(key);
    if (cached !== undefined) return cached;
    const entry = this.entry(view);
    const result = suppressedInMetadata(entry.resource, ruleId) || this.acknowledgedInAssembly(entry, ruleId);
    this.ackCache.set(key, result);
    return result;
  }

  private entry(view: ResourceView): Entry {
    const entry = this.entries.get(view.key);
    if (!entry) throw new Error(`resource ${view.key} is not one of this template set's`);
    return entry;
  }

  /** The IMDS-bearing resource that `value` (read in `template`) points at, if it can be known. */
  private follow(template: TemplateFile, value: Json, hops: number): ResourceView | undefined {
    if (hops > MAX_HOPS || !isIntrinsic(value)) return undefined;
    const resources = template.template.Resources;
    const ref = parseReference(value);
    if (ref && ref.attribute === undefined) {
      const target = ref.logicalId;
      if (resources[target] !== undefined) return this.entries.get(`${template.file}#${target}`)?.view;
      const passed = this.passedParameter(template, target);
      return passed ? this.follow(passed.template, passed.value, hops + 1) : undefined;
    }
    if (ref) {
      const { logicalId: target, attribute = '' } = ref;
      const resource = resources[target];
      if (resource === undefined) return undefined;
      if (resource.Type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) {
        const child = this.nested.get(`${template.file}#${target}`);
        const output = child?.template.Outputs?.[attribute.slice('Outputs.'.length)];
        return child && output ? this.follow(child, output.Value, hops + 1) : undefined;
      }
      return this.entries.get(`${template.file}#${target}`)?.view;
    }
    const imported = value['Fn::ImportValue'];
    if (typeof imported === 'string') {
      const exported = this.exports.get(imported);
      return exported ? this.follow(exported.template, exported.value, hops + 1) : undefined;
    }
    return undefined;
  }

  /** What the parent of a nested template passes for its parameter `name`. */
  private passedParameter(template: TemplateFile, name: string): { template: TemplateFile; value: Json } | undefined {
    if (!template.parent || !isPlainObject(template.template.Parameters) || template.template.Parameters[name] === undefined) return undefined;
    const parent = template.parent.template;
    const stack = parent.template.Resources[template.parent.logicalId];
    const value = stack?.Properties?.Parameters?.[name];
    return value === undefined ? undefined : { template: parent, value };
  }

  /**
   * `value` with the references that stand for a value of another template replaced by that
   * value, where the engine reads values rather than following references:
   * - a literal (string, number, boolean) passed as a nested stack parameter, exported, or
   *   output by a nested stack;
   * - a launch template version (`Fn::GetAtt [LT, LatestVersionNumber | DefaultVersionNumber]`)
   *   that reaches the consumer through an export, a nested stack output or parameter, so
   *   that the engine sees which version is followed.
   * Other references (e.g. a launch template id) are kept for `resourceAt` to follow.
   */
  private standIns(template: TemplateFile, value: Json): Json {
    // Without exports or nested templates in the set, no reference stands for a value of
    // another template: the common case (one stack, or stacks that share nothing) costs no walk.
    if (this.exports.size === 0 && this.nested.size === 0) return value;
    return this.replaceStandIns(template, value);
  }

  /** `standIns` proper: a copy only where something is replaced, `value` itself elsewhere. */
  private replaceStandIns(template: TemplateFile, value: Json): Json {
    if (Array.isArray(value)) {
      const out = value.map((v) => this.replaceStandIns(template, v));
      return out.some((v, i) => v !== value[i]) ? out : value;
    }
    if (!isPlainObject(value)) return value;
    if (isIntrinsic(value)) {
      const target = this.through(template, value, 0);
      if (target && target.value !== value && (isLiteral(target.value) || isVersionAttribute(target.value))) return target.value;
      return value;
    }
    let out: Record<string, Json> | undefined;
    for (const [k, v] of Object.entries(value)) {
      const replaced = this.replaceStandIns(template, v);
      if (replaced !== v) (out ??= { ...value })[k] = replaced;
    }
    return out ?? value;
  }

  /**
   * Follow `value` through nested stack parameters, nested stack outputs and exports to the
   * value it stands for, in the template that writes it.
   */
  private through(template: TemplateFile, value: Json, hops: number): { template: TemplateFile; value: Json } | undefined {
    if (hops > MAX_HOPS) return undefined;
    if (!isIntrinsic(value)) return { template, value };
    const ref = parseReference(value);
    if (ref && ref.attribute === undefined && template.template.Resources[ref.logicalId] === undefined) {
      const passed = this.passedParameter(template, ref.logicalId);
      return passed ? this.through(passed.template, passed.value, hops + 1) : { template, value };
    }
    if (ref?.attribute?.startsWith('Outputs.') && template.template.Resources[ref.logicalId]?.Type === 'AWS::CloudFormation::Stack') {
      const child = this.nested.get(`${template.file}#${ref.logicalId}`);
      const output = child?.template.Outputs?.[ref.attribute.slice('Outputs.'.length)];
      return child && output ? this.through(child, output.Value, hops + 1) : { template, value };
    }
    if (typeof value['Fn::ImportValue'] === 'string') {
      const exported = this.exports.get(value['Fn::ImportValue']);
      return exported ? this.through(exported.template, exported.value, hops + 1) : { template, value };
    }
    return { template, value };
  }

  private acknowledgedInAssembly(entry: Entry, ruleId: Imdsv2RuleId): boolean {
    const acknowledged = entry.template.assembly?.acknowledged;
    if (!acknowledged || acknowledged.size === 0) return false;
    const constructPath = this.constructPath(entry.template, entry.resource, entry.view.logicalId);
    if (!constructPath) return false;
    // The resource and every scope above it that is in the stack's metadata (the App and Stages are not).
    for (let p = constructPath; p.length > 0; p = p.slice(0, p.lastIndexOf('/'))) {
      if (isRuleAcknowledged(acknowledged.get(p) ?? [], ruleId)) return true;
    }
    return false;
  }

  /** The construct path (leading slash) of a resource: its `aws:cdk:path`, else the assembly's logical id metadata. */
  private constructPath(template: TemplateFile, resource: Json, logicalId: string): string | undefined {
    const fromTemplate = resource?.Metadata?.['aws:cdk:path'];
    if (typeof fromTemplate === 'string') return `/${fromTemplate.replace(/^\//, '')}`;
    const candidates = template.assembly?.pathsByLogicalId.get(logicalId) ?? [];
    if (candidates.length <= 1) return candidates[0];
    // A nested stack may reuse a logical id of its parent: keep the one under this template's stack.
    const prefix = this.nestedPrefix(template);
    const nestedPrefixes = this.templates.filter((t) => t.parent && t.assembly === template.assembly)
      .map((t) => this.nestedPrefix(t)).filter((p): p is string => p !== undefined);
    const mine = prefix
      ? candidates.filter((c) => c.startsWith(`${prefix}/`) && !nestedPrefixes.some((n) => n.length > prefix.length && c.startsWith(`${n}/`)))
      : candidates.filter((c) => !nestedPrefixes.some((n) => c.startsWith(`${n}/`)));
    return mine.length === 1 ? mine[0] : undefined;
  }

  /** The construct path of a nested stack (CDK's NestedStack), from its AWS::CloudFormation::Stack resource. */
  private nestedPrefix(template: TemplateFile): string | undefined {
    if (!template.parent) return undefined;
    const { template: parent, logicalId } = template.parent;
    const stackResourcePath = this.constructPath(parent, parent.template.Resources[logicalId], logicalId);
    // aws-cdk-lib puts the resource of NestedStack `<scope>/<id>` at `<scope>/<id>.NestedStack/<id>.NestedStackResource`.
    const match = stackResourcePath ? /^(.*)\.NestedStack\/[^/]+$/.exec(stackResourcePath) : null;
    return match ? match[1] : undefined;
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

/** cdk-nag's audit trail in the template: Metadata.cdk_nag.rules_to_suppress[].id. */
function suppressedInMetadata(resource: Json, ruleId: Imdsv2RuleId): boolean {
  const rules = resource?.Metadata?.cdk_nag?.rules_to_suppress;
  if (!Array.isArray(rules)) return false;
  return isRuleAcknowledged(rules.filter((r) => isPlainObject(r) && typeof r.id === 'string').map((r) => r.id as string), ruleId);
}
