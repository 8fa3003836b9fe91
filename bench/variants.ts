/**
 * The variants measured side by side. Each one adds its checks to a generated app; the
 * `finish` hook runs after the timed synth and only counts what the variant found.
 */
import * as fs from 'fs';
import {
  App, AspectPriority, Aspects, CfnResource, IAspect, IPolicyValidationContext, IPolicyValidationPlugin,
  PolicyValidationPluginReport, PolicyViolatingResource, PolicyViolation, Validations,
} from 'aws-cdk-lib';
import { AutoScalingGroupRequireImdsv2Aspect } from 'aws-cdk-lib/aws-autoscaling';
import { InstanceRequireImdsv2Aspect, LaunchTemplateRequireImdsv2Aspect } from 'aws-cdk-lib/aws-ec2';
import { NagMessageLevel, NagPack, rules } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { EnforcementMode, Imdsv2Aspect, Imdsv2Checks, Imdsv2Validator } from '../src';

export const VARIANTS = [
  'plain', 'empty-plugin', 'report-floor', 'cdk-lib-aspects', 'cdk-nag-EC2IMDSv2Enabled',
  'ours-aspect-rewrite', 'ours-aspect-report', 'ours-checks', 'ours-validator', 'ours-aspect-validator', 'ours-all',
] as const;
export type Variant = typeof VARIANTS[number];

/** What a variant prepared: a hook that counts what it found after synth (not timed). */
export interface Prepared {
  readonly finish: () => Record<string, number | string>;
}

/**
 * A cdk-nag v3 pack with cdk-nag's own `EC2IMDSv2Enabled` rule and nothing else, applied
 * as cdk-nag's packs apply it (`applyRule` on every CfnResource). cdk-nag's `validate`
 * needs `appConstruct` on the validation context, which aws-cdk-lib 2.257 does not pass
 * (the pack then fails without checking anything), so like our `Imdsv2Checks` this one
 * validates the scope it was made with.
 */
class Ec2ImdsV2OnlyPack extends NagPack {
  public readonly name = 'AwsSolutions';
  public constructor(private readonly scope: IConstruct) {
    super(scope);
    this.packName = 'AwsSolutions';
  }
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const tree = (context as { readonly appConstruct?: IConstruct }).appConstruct ?? this.scope;
    return this.validateScope(tree);
  }
  protected checkResource(node: CfnResource): void {
    this.applyRule({
      info: 'The EC2 instance does not have IMDSV2 (Instance Metadata Service Version 2) enabled.',
      explanation: 'IMDSv2 uses session-based controls.',
      level: NagMessageLevel.ERROR,
      rule: rules.ec2.EC2IMDSv2Enabled,
      node,
    });
  }
}

/**
 * A validation plugin that analyses nothing: it reads each template and reports an error
 * and a note, each listing every AWS::EKS::Nodegroup in it (by template and logical id, which
 * the report resolves to the construct). That is the shape of what Imdsv2Checks and
 * Imdsv2Validator report for the node groups REWRITE leaves open: one violation per rule and
 * wording, its resources under it.
 */
class NodegroupReporter implements IPolicyValidationPlugin {
  public constructor(public readonly name: string) {}
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const groups: PolicyViolatingResource[] = [];
    for (const templatePath of context.templatePaths) {
      const template = JSON.parse(fs.readFileSync(templatePath, 'utf8')) as { Resources?: Record<string, { Type?: string }> };
      for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
        if (resource.Type === 'AWS::EKS::Nodegroup') groups.push({ resourceLogicalId: logicalId, templatePath, locations: ['Properties'] });
      }
    }
    if (groups.length === 0) return { success: true, violations: [] };
    const violations: PolicyViolation[] = [['Floor-Error', 'error'], ['Floor-Note', 'info']].map(([ruleName, severity]) => ({
      ruleName,
      description: 'AWS::EKS::Nodegroup: reported without analysis',
      fix: 'none: this plugin only measures the report',
      severity,
      violatingResources: groups,
    }));
    return { success: false, violations };
  }
}

/**
 * aws-cdk-lib's aspect, with every exception it throws caught and counted, so that synth
 * goes on and the configurations it can handle are still measured. Without the catch the
 * first Auto Scaling group with its own launch template aborts synth.
 */
class Counting implements IAspect {
  public thrown = 0;
  public firstError = '';
  public constructor(private readonly inner: IAspect) {}
  public visit(node: IConstruct): void {
    try {
      this.inner.visit(node);
    } catch (e) {
      this.thrown++;
      if (!this.firstError) this.firstError = `${node.node.path}: ${(e as Error).message}`.slice(0, 200);
    }
  }
}

/** Add `variant`'s aspects or plugins to `app`. */
export function prepare(app: App, variant: Variant): Prepared {
  switch (variant) {
    case 'plain':
      return { finish: () => ({}) };
    case 'empty-plugin':
      // What aws-cdk-lib's policy validation costs any plugin that finds nothing: the
      // assembly fingerprints, the construct tree, the acknowledgements and the report file.
      Validations.of(app).addPlugins({ name: 'Empty', validate: () => ({ success: true, violations: [] }) });
      return { finish: () => ({}) };
    case 'report-floor':
      // What aws-cdk-lib charges for the report that ours-all makes, with no analysis behind
      // it: two plugins, each reporting two violations (an error and a note) per node group of
      // the templates, as Imdsv2Checks and Imdsv2Validator do for the groups REWRITE leaves.
      Validations.of(app).addPlugins(new NodegroupReporter('Floor1'), new NodegroupReporter('Floor2'));
      return { finish: () => ({}) };
    case 'cdk-lib-aspects': {
      const aspects = {
        instance: new Counting(new InstanceRequireImdsv2Aspect()),
        launchTemplate: new Counting(new LaunchTemplateRequireImdsv2Aspect()),
        autoScalingGroup: new Counting(new AutoScalingGroupRequireImdsv2Aspect()),
      };
      for (const a of Object.values(aspects)) Aspects.of(app).add(a, { priority: AspectPriority.MUTATING });
      return {
        finish: () => ({
          thrownInstance: aspects.instance.thrown,
          thrownLaunchTemplate: aspects.launchTemplate.thrown,
          thrownAutoScalingGroup: aspects.autoScalingGroup.thrown,
          firstError: aspects.autoScalingGroup.firstError || aspects.instance.firstError || aspects.launchTemplate.firstError,
        }),
      };
    }
    case 'cdk-nag-EC2IMDSv2Enabled':
      Validations.of(app).addPlugins(new Ec2ImdsV2OnlyPack(app));
      return { finish: () => ({}) };
    case 'ours-aspect-rewrite':
    case 'ours-aspect-report': {
      const aspect = new Imdsv2Aspect({ mode: variant === 'ours-aspect-rewrite' ? EnforcementMode.REWRITE : EnforcementMode.REPORT });
      Aspects.of(app).add(aspect, { priority: AspectPriority.MUTATING });
      return { finish: () => actions(aspect) };
    }
    case 'ours-checks':
      Validations.of(app).addPlugins(new Imdsv2Checks(app));
      return { finish: () => ({}) };
    case 'ours-validator':
      Validations.of(app).addPlugins(new Imdsv2Validator());
      return { finish: () => ({}) };
    case 'ours-aspect-validator': {
      const aspect = new Imdsv2Aspect({ mode: EnforcementMode.REWRITE });
      Aspects.of(app).add(aspect, { priority: AspectPriority.MUTATING });
      Validations.of(app).addPlugins(new Imdsv2Validator());
      return { finish: () => actions(aspect) };
    }
    case 'ours-all': {
      const aspect = new Imdsv2Aspect({ mode: EnforcementMode.REWRITE });
      Aspects.of(app).add(aspect, { priority: AspectPriority.MUTATING });
      Validations.of(app).addPlugins(new Imdsv2Checks(app), new Imdsv2Validator());
      return { finish: () => actions(aspect) };
    }
  }
}

function actions(aspect: Imdsv2Aspect): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of aspect.entries) {
    const key = `aspect:${e.action}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
