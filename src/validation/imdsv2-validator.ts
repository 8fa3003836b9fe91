import * as fs from 'fs';
import * as path from 'path';
import type { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolation } from 'aws-cdk-lib';
import { Imdsv2CheckOptions } from './imdsv2-check-options';
import { IMDSV2_VALIDATOR_PLUGIN_NAME } from '../engine/acknowledgements';
import { checkHopLimit, checkHostHopLimit } from '../engine/hop-limit';
import { checkOptOuts } from '../engine/opt-outs';
import { RuleSeverity, ruleDoc, selectRules } from '../engine/rule-catalog';
import { groupViolations } from '../private/violation-groups';
import { loadAssemblyTemplates } from '../templates/load-templates';
import { ScanFinding, ScanPolicy, scanTemplates } from '../templates/scan-templates';

/**
 * Properties of `Imdsv2Validator`.
 */
export interface Imdsv2ValidatorProps extends Imdsv2CheckOptions {}

/**
 * A policy validation plugin that checks the synthesized templates themselves, so what
 * property overrides, escape hatches and late aspects did is seen too.
 *
 * It reads every template CDK hands it (`context.templatePaths`), follows nested stack
 * templates and cross-stack exports, and reports each finding as a violation whose rule
 * name is the rule id (`Imdsv2-TokensRequired`, …): one violation per rule and wording of the
 * problem, listing every resource it applies to with its template locations.
 * `Imdsv2-TokensRequired` and `Imdsv2-StaleVersion` are errors (synthesis fails); the others
 * are warnings or notes.
 *
 * Acknowledgements: `Imdsv2Rules.acknowledge(scope, id, reason)` or
 * `Validations.of(scope).acknowledge({ id: 'Imdsv2-…', reason })` on a stack or any
 * construct in it is honoured, in every form listed in the README ("Acknowledging a
 * finding"): CDK records it in the cloud assembly's
 * construct metadata, which the plugin reads from manifest.json next to the templates.
 * Acknowledgements on the App or a Stage above the stacks are not in the cloud assembly:
 * use the plugin-qualified id `Imdsv2Validator::Imdsv2-…` there, which CDK itself applies to
 * the whole app. cdk-nag's `cdk_nag.rules_to_suppress` resource metadata is honoured too.
 *
 * @example
 * import { Imdsv2Validator } from 'cdk-imdsv2';
 *
 * const app = new App();
 * Validations.of(app).addPlugins(new Imdsv2Validator({ rules: [Imdsv2RuleId.TOKENS_REQUIRED] }));
 */
export class Imdsv2Validator implements IPolicyValidationPlugin {
  /** The name of the plugin in the validation report. */
  public readonly name: string = IMDSV2_VALIDATOR_PLUGIN_NAME;
  /** The version of cdk-imdsv2. */
  public readonly version?: string;
  /** The rule ids the plugin evaluates. */
  public readonly ruleIds?: string[];

  private readonly policy: ScanPolicy;

  /**
   * @param props which rules, and the hop-limit policy
   */
  public constructor(props: Imdsv2ValidatorProps = {}) {
    const rules = selectRules('Imdsv2Validator', props.rules);
    this.policy = {
      rules,
      hostHopLimit: checkHostHopLimit('Imdsv2Validator', 'hostHopLimit', props.hostHopLimit),
      containerHopLimit: checkHopLimit('Imdsv2Validator', 'containerHopLimit', props.containerHopLimit, 2),
      optOuts: checkOptOuts('Imdsv2Validator', 'disabledRules', props.disabledRules, 'ignoredResourceTypes', props.ignoredResourceTypes),
    };
    this.ruleIds = [...rules];
    this.version = packageVersion();
  }

  /**
   * Check the templates of `context` (and the nested stack templates they name).
   *
   * @param context what CDK passes a policy validation plugin after synthesis
   */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const result = scanTemplates(loadAssemblyTemplates(context.templatePaths), this.policy);
    const violations = toViolations(result.findings);
    return {
      success: !violations.some((v) => v.severity === RuleSeverity.ERROR),
      violations,
      metadata: {
        resourcesChecked: String(result.resources),
        templatesChecked: String(result.templates.length),
        acknowledged: String(result.acknowledged),
      },
    };
  }
}

/**
 * The findings as violations: per rule and resource, that resource's problems, fix and
 * locations; then resources with the same problems and fix grouped under one violation.
 */
function toViolations(findings: readonly ScanFinding[]): PolicyViolation[] {
  const perResource = new Map<string, ScanFinding[]>();
  for (const f of findings) {
    const key = `${f.ruleId}|${f.template.file}|${f.logicalId}`;
    perResource.set(key, [...perResource.get(key) ?? [], f]);
  }
  return groupViolations([...perResource.values()].map((group) => {
    const first = group[0];
    const doc = ruleDoc(first.ruleId);
    return {
      ruleName: first.ruleId,
      description: `${first.resourceType}: ${unique(group.map((f) => f.problem)).join('; ')}`,
      fix: unique(group.map((f) => f.remedy)).join('; '),
      severity: doc.severity,
      ruleMetadata: { rule: doc.name, explanation: doc.explanation },
      resource: {
        resourceLogicalId: first.logicalId,
        templatePath: first.template.file,
        locations: unique(group.map((f) => f.location)),
      },
    };
  }));
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function packageVersion(): string | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}
