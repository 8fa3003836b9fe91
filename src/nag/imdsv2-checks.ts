import * as fs from 'fs';
import { resolve as resolvePath } from 'path';
import { CfnOutput, CfnResource, IPolicyValidationContext, PolicyValidationPluginReport, PolicyViolation, Stack, Stage } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps, NagRuleCompliance } from 'cdk-nag';
import { Construct, IConstruct } from 'constructs';
import { IMDSV2_CHECKS_PLUGIN_NAME } from '../engine/acknowledgements';
import { analyze } from '../engine/analyze';
import { checkHopLimit, checkHostHopLimit } from '../engine/hop-limit';
import { Finding, Patch } from '../engine/model';
import { OptOuts, checkOptOuts, withOptOuts } from '../engine/opt-outs';
import { RESOURCE_TABLE } from '../engine/resource-table';
import { RuleDoc, RuleSeverity, ruleDoc, selectRules } from '../engine/rule-catalog';
import { Imdsv2RuleId } from '../engine/rule-id';
import { userDataFindings } from '../engine/user-data';
import { AppResources } from '../private/app-resources';
import { SynthesizedResource, synthesizedScriptsOf } from '../private/instance-scripts';
import { ResourceViolation, groupViolations } from '../private/violation-groups';
import { locationOf } from '../templates/scan-templates';
import { Imdsv2CheckOptions } from '../validation/imdsv2-check-options';
import { isServiceCatalogProduct, productTemplateVerdicts } from '../validation/product-file-templates';

/**
 * Properties of `Imdsv2Checks`.
 */
export interface Imdsv2ChecksProps extends NagPackProps, Imdsv2CheckOptions {}

const LEVELS: Record<RuleSeverity, NagMessageLevel> = {
  [RuleSeverity.ERROR]: NagMessageLevel.ERROR,
  [RuleSeverity.WARNING]: NagMessageLevel.WARN,
  [RuleSeverity.NOTE]: NagMessageLevel.INFO,
};

/** The findings of one resource, what locates them, and where the resource is in its template. */
interface PathAnalysis {
  readonly findings: Finding[];
  readonly patches: Patch[];
  readonly logicalId: string;
  readonly templatePath?: string;
}

/** The engine's answer for one construct tree, computed once per validation. */
interface Analysis {
  /** Findings of the selected rules, per IMDS-bearing resource (empty: compliant). */
  readonly findings: Map<CfnResource, Finding[]>;
  /**
   * The same, by construct path, with the patches that locate them and where the resource is
   * in its template.
   */
  readonly byPath: Map<string, PathAnalysis>;
}

/**
 * A cdk-nag (v3) rule pack with the cdk-imdsv2 rules: `Imdsv2-TokensRequired`,
 * `Imdsv2-HopLimit`, `Imdsv2-Unverifiable`, `Imdsv2-StaleVersion`, `Imdsv2-UserDataV1` and
 * `Imdsv2-Replacement` (see RULES.md).
 *
 * It asks the same engine as `Imdsv2Aspect`, once for the whole construct tree, so a launch
 * template in another stack, a MixedInstancesPolicy, a disabled endpoint, a property
 * override, an EKS node group and the hop limit are all judged as the aspect judges them.
 * Each rule only looks up the findings of the resource it is applied to. The report has one
 * violation per rule and wording of the problem, listing every construct it applies to with
 * its template locations. Only error-level violations (`Imdsv2-TokensRequired`,
 * `Imdsv2-StaleVersion`) fail synthesis; warnings and notes are reported (cdk-nag's base
 * pack would fail on any violation).
 *
 * Acknowledge a rule on a construct or any scope above it with
 * `Imdsv2Rules.acknowledge(scope, Imdsv2Rules.TOKENS_REQUIRED, reason)` or
 * `Validations.of(scope).acknowledge({ id: 'Imdsv2-TokensRequired', reason })`; every form
 * listed in the README ("Acknowledging a finding") is honoured.
 *
 * Unlike cdk-nag's own packs it also works with aws-cdk-lib versions that do not pass the
 * construct tree to validation plugins: it checks the scope given to its constructor.
 *
 * @example
 * import { Imdsv2Checks } from 'cdk-imdsv2';
 *
 * const app = new App();
 * Validations.of(app).addPlugins(new Imdsv2Checks(app, { containerHopLimit: 2 }));
 */
export class Imdsv2Checks extends NagPack {
  /** The name of the plugin in the validation report. */
  public readonly name: string = IMDSV2_CHECKS_PLUGIN_NAME;

  private readonly scope: IConstruct;
  private readonly rules: readonly RuleDoc[];
  private readonly hostHopLimit: number | undefined;
  private readonly containerHopLimit: number;
  private readonly explain: boolean;
  private readonly optOuts: OptOuts;
  private analysis: Analysis = { findings: new Map(), byPath: new Map() };
  /** The synthesized templates of the validation under way, by absolute path. */
  private templates = new Map<string, { readonly Resources?: Record<string, SynthesizedResource> } | undefined>();

  /**
   * @param scope the app (or stage) whose construct tree is checked
   * @param props which rules, and the hop limit policy
   */
  public constructor(scope: IConstruct, props: Imdsv2ChecksProps = {}) {
    super(scope, props);
    this.packName = IMDSV2_CHECKS_PLUGIN_NAME;
    // JavaScript can leave it out: aws-cdk-lib 2.257 passes no construct tree to a plugin, so
    // without a scope the first validation would fail on an undefined, far from the cause.
    if (!Construct.isConstruct(scope)) {
      throw new Error(`Imdsv2Checks: scope must be the app (or stage) whose construct tree is checked, as in new Imdsv2Checks(app), got ${scope === null ? 'null' : typeof scope}`);
    }
    this.scope = scope;
    const selected = selectRules('Imdsv2Checks', props.rules);
    this.rules = [...selected].map(ruleDoc);
    this.hostHopLimit = checkHostHopLimit('Imdsv2Checks', 'hostHopLimit', props.hostHopLimit);
    this.containerHopLimit = checkHopLimit('Imdsv2Checks', 'containerHopLimit', props.containerHopLimit, 2);
    this.explain = props.verbose ?? false;
    this.optOuts = checkOptOuts('Imdsv2Checks', 'disabledRules', props.disabledRules, 'ignoredResourceTypes', props.ignoredResourceTypes);
  }

  /**
   * Called by CDK after synthesis: checks the construct tree of the context when CDK passes
   * one, else the scope given to the constructor.
   *
   * @param context what CDK passes a policy validation plugin after synthesis
   */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const tree = (context as { readonly appConstruct?: IConstruct }).appConstruct ?? this.scope;
    // The templates are written by now: each resource is read from its template, which is
    // what it synthesized to, instead of being rendered (resolved) a second time.
    this.templates = new Map(context.templatePaths.map((p) => [resolvePath(p), undefined]));
    try {
      return this.validateScope(tree);
    } finally {
      this.templates = new Map();
    }
  }

  /**
   * Check the construct tree under `scope`: the engine runs once over every IMDS-bearing
   * resource in it, then each rule reads the findings of its resource.
   *
   * @param scope the root of the construct tree to check
   */
  public validateScope(scope: IConstruct): PolicyValidationPluginReport {
    this.analysis = this.analyzeTree(scope);
    try {
      return this.detailed(super.validateScope(scope));
    } finally {
      this.analysis = { findings: new Map(), byPath: new Map() };
    }
  }

  /**
   * Applies each selected rule to an IMDS-bearing resource (required by NagPack).
   *
   * @param node a resource of the checked tree
   */
  protected checkResource(node: CfnResource): void {
    if (!this.analysis.findings.has(node)) return;
    for (const doc of this.rules) {
      this.applyRule({
        ruleSuffixOverride: doc.suffix,
        info: doc.cause,
        explanation: doc.explanation,
        level: LEVELS[doc.severity],
        node,
        rule: (resource: CfnResource) => this.analysis.findings.get(resource)?.some((f) => f.ruleId === doc.id)
          ? NagRuleCompliance.NON_COMPLIANT
          : NagRuleCompliance.COMPLIANT,
      });
    }
  }

  private analyzeTree(scope: IConstruct): Analysis {
    const resources = new AppResources();
    const found: CfnResource[] = [];
    const products: CfnResource[] = [];
    const outputs: CfnOutput[] = [];
    const all = scope.node.findAll();
    for (const c of all) {
      if (CfnResource.isCfnResource(c)) {
        if (RESOURCE_TABLE.has(c.cfnResourceType)) found.push(c);
        else if (isServiceCatalogProduct(c)) products.push(c);
      } else if (c instanceof CfnOutput) {
        outputs.push(c);
      }
    }
    // After synthesis a cross-stack reference reads as Fn::ImportValue of a CfnOutput's export:
    // the exports go in first, so that the views and the lookup follow them.
    for (const output of outputs) resources.addExport(output);
    const synthesized = new Map(found.map((r) => [r, this.synthesizedOf(r, resources)]));
    const views = found.map((r) => resources.add(r, synthesized.get(r)?.Properties ?? (synthesized.get(r) ? {} : undefined)));
    const lookup = withOptOuts(resources, this.optOuts);
    const policy = { hostHopLimit: this.hostHopLimit, containerHopLimit: this.containerHopLimit, allowReplacement: false };
    const verdicts = analyze(views, lookup, policy);
    const selected = new Set(this.rules.map((r) => r.id));
    const analysis: Analysis = { findings: new Map(), byPath: new Map() };
    for (const verdict of verdicts) {
      const resource = resources.resourceOf(verdict.resource);
      const findings = [...verdict.findings];
      if (selected.has(Imdsv2RuleId.USER_DATA_V1)) {
        // from the template when there is one, else from the render that made the view: never a second render
        const template = synthesized.get(resource);
        const scripts = template ? synthesizedScriptsOf(resource, template) : resources.scriptsOf(resource);
        findings.push(...userDataFindings(verdict.resource, scripts)
          .filter((f) => !lookup.isAcknowledged(verdict.resource, f.ruleId)));
      }
      const kept = findings.filter((f) => selected.has(f.ruleId));
      analysis.findings.set(resource, kept);
      analysis.byPath.set(resource.node.path, {
        findings: kept,
        patches: verdict.patches,
        logicalId: verdict.resource.logicalId,
        templatePath: templatePathOf(resource),
      });
    }
    // Product versions shipped as file assets: their templates are not in the tree.
    for (const { resource, verdict } of productTemplateVerdicts(all, products, policy, this.optOuts)) {
      const kept = verdict.findings.filter((f) => selected.has(f.ruleId));
      analysis.findings.set(resource, kept);
      const entry = { findings: kept, patches: [], logicalId: verdict.resource.logicalId, templatePath: templatePathOf(resource) };
      analysis.byPath.set(resource.node.path, entry);
    }
    return analysis;
  }

  /**
   * `resource` as its synthesized template has it, when that template is one of the
   * validation's (nested stacks and `validateScope` calls have none: they are rendered).
   */
  private synthesizedOf(resource: CfnResource, resources: AppResources): SynthesizedResource | undefined {
    if (this.templates.size === 0) return undefined;
    const stack = Stack.of(resource);
    const stage = Stage.of(stack);
    if (!stage || stack.nested) return undefined;
    const file = resolvePath(stage.outdir, stack.templateFile);
    if (!this.templates.has(file)) return undefined;
    let template = this.templates.get(file);
    if (!template) {
      template = JSON.parse(fs.readFileSync(file, 'utf8')) as { readonly Resources?: Record<string, SynthesizedResource> };
      this.templates.set(file, template);
    }
    return template.Resources?.[resources.logicalIdOf(resource)];
  }

  /**
   * cdk-nag's violations (one per rule, every resource under it) worded per resource with its
   * problem, fix and locations, then grouped again by rule and wording (`groupViolations`).
   */
  private detailed(report: PolicyValidationPluginReport): PolicyValidationPluginReport {
    const found: ResourceViolation[] = [];
    const kept: PolicyViolation[] = [];
    for (const violation of report.violations) {
      const doc = this.rules.find((r) => r.id === violation.ruleName);
      for (const resource of violation.violatingResources) {
        const entry = resource.constructPath ? this.analysis.byPath.get(resource.constructPath) : undefined;
        const findings = entry?.findings.filter((f) => f.ruleId === violation.ruleName) ?? [];
        if (!doc || findings.length === 0) {
          kept.push({ ...violation, violatingResources: [resource] });
          continue;
        }
        const problems = unique(findings.map((f) => f.problem)).join('; ');
        found.push({
          ruleName: violation.ruleName,
          description: `${findings[0].resource.type}: ${problems}${this.explain ? `. ${doc.explanation}` : ''}`,
          fix: unique(findings.map((f) => f.remedy)).join('; '),
          severity: violation.severity,
          // The logical id and template too: aws-cdk-lib 2.26x and later print the locations
          // (property paths) of a violating resource only when it names both.
          resource: {
            ...resource,
            resourceLogicalId: resource.resourceLogicalId ?? entry!.logicalId,
            templatePath: resource.templatePath ?? entry!.templatePath,
            locations: unique(findings.map((f) => locationOf(f, entry!.patches))),
          },
        });
      }
    }
    const violations = [...groupViolations(found), ...kept];
    // cdk-nag's NagPack fails on any violation; a warning (an advisory hop limit, say) must not
    // fail synthesis: only errors do, as in Imdsv2Validator.
    return { ...report, success: !violations.some((v) => v.severity === RuleSeverity.ERROR), violations };
  }
}

/** The file the template of `resource`'s stack is synthesized to (nested stacks' too). */
function templatePathOf(resource: CfnResource): string | undefined {
  const stack = Stack.of(resource);
  const stage = Stage.of(stack);
  return stage ? resolvePath(stage.outdir, stack.templateFile) : undefined;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
