import { TemplateFile } from './load-templates';
import { isRuleAcknowledged } from '../engine/acknowledgements';
import { Json, isPlainObject, pick } from '../engine/json';
import { ResourceView } from '../engine/model';
import { IndexedResources, IndexedTemplate, ResourceIndex } from '../engine/resource-index';
import { adapterFor } from '../engine/resource-table';
import { Imdsv2RuleId } from '../engine/rule-id';
import { InstanceScripts, scriptPropertiesOf } from '../engine/user-data';

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
export class TemplateResources extends IndexedResources {
  /** Every IMDS-bearing resource of the set, in template order. */
  public readonly views: ResourceView[] = [];
  private readonly entries = new Map<string, Entry>();
  /** Where references are followed across the set (exports, nested stack links): the index every front door shares. */
  protected readonly index: ResourceIndex;
  /** Answers already given: `${view key}|${rule id}` → acknowledged. */
  private readonly ackCache = new Map<string, boolean>();

  public constructor(public readonly templates: readonly TemplateFile[]) {
    super();
    this.index = new ResourceIndex({ isAcknowledged: (view, ruleId) => this.acknowledged(view, ruleId) });
    // Every template and export first: a view's stand-ins may come from any template of the set.
    for (const t of templates) {
      this.index.addTemplate(indexedTemplate(t));
      for (const output of Object.values<Json>(isPlainObject(t.template.Outputs) ? t.template.Outputs : {})) {
        const name = output?.Export?.Name;
        if (typeof name === 'string' && output.Value !== undefined) this.index.addExport(name, t.file, output.Value);
      }
    }
    for (const t of templates) {
      for (const [logicalId, resource] of Object.entries<Json>(t.template.Resources)) {
        const adapter = typeof resource?.Type === 'string' ? adapterFor(resource.Type) : undefined;
        if (!adapter) continue;
        const view = this.index.add({
          key: `${t.file}#${logicalId}`,
          logicalId,
          type: resource.Type,
          properties: pick(isPlainObject(resource.Properties) ? resource.Properties : {}, adapter.properties),
          path: `${t.name}#${logicalId}`,
        }, t.file);
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
    return { properties: this.index.standIns(template.file, pick(all, scriptPropertiesOf(view.type) ?? [])), metadata: resource.Metadata };
  }

  /** The index's acknowledgement hook: cdk-nag's audit trail in the template, else the assembly's metadata. */
  private acknowledged(view: ResourceView, ruleId: Imdsv2RuleId): boolean {
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

/**
 * `t` as the shared index knows it: its deployment, and for a nested template the links that
 * references cross (what the parent passes for the parameters it declares, its outputs).
 */
function indexedTemplate(t: TemplateFile): IndexedTemplate {
  let top = t;
  while (top.parent) top = top.parent.template;
  const resources = t.template.Resources;
  const outputs = new Map<string, Json>();
  for (const [name, output] of Object.entries<Json>(isPlainObject(t.template.Outputs) ? t.template.Outputs : {})) {
    if (output) outputs.set(name, output.Value);
  }
  const declared = isPlainObject(t.template.Parameters) ? t.template.Parameters : undefined;
  const passes = new Map<string, Json>();
  if (t.parent && declared) {
    const passed = t.parent.template.template.Resources[t.parent.logicalId]?.Properties?.Parameters;
    for (const [name, value] of Object.entries<Json>(isPlainObject(passed) ? passed : {})) {
      if (declared[name] !== undefined && value !== undefined) passes.set(name, value);
    }
  }
  return {
    id: t.file,
    deployment: top.stackName ?? top.name,
    isResource: (logicalId) => resources[logicalId] !== undefined,
    parent: t.parent ? { templateId: t.parent.template.file, logicalId: t.parent.logicalId, passes } : undefined,
    outputs,
  };
}

/** cdk-nag's audit trail in the template: Metadata.cdk_nag.rules_to_suppress[].id. */
function suppressedInMetadata(resource: Json, ruleId: Imdsv2RuleId): boolean {
  const rules = resource?.Metadata?.cdk_nag?.rules_to_suppress;
  if (!Array.isArray(rules)) return false;
  return isRuleAcknowledged(rules.filter((r) => isPlainObject(r) && typeof r.id === 'string').map((r) => r.id as string), ruleId);
}
