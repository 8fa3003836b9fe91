import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as config from 'aws-cdk-lib/aws-config';
import { Imdsv2ConfigRules } from '../../src/guardrails';

function rules(template: Template): Array<Record<string, unknown>> {
  return Object.values(template.findResources('AWS::Config::ConfigRule')).map(r => r.Properties);
}

describe('Imdsv2ConfigRules', () => {
  test('adds the four managed rules, each scoped to its resource type', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Stack');

    // WHEN
    const bundle = new Imdsv2ConfigRules(stack, 'Rules');

    // THEN
    expect(rules(Template.fromStack(stack))).toEqual([
      { Source: { Owner: 'AWS', SourceIdentifier: 'EC2_IMDSV2_CHECK' }, Scope: { ComplianceResourceTypes: ['AWS::EC2::Instance'] } },
      { Source: { Owner: 'AWS', SourceIdentifier: 'EC2_LAUNCH_TEMPLATE_IMDSV2_CHECK' }, Scope: { ComplianceResourceTypes: ['AWS::EC2::LaunchTemplate'] } },
      {
        Source: { Owner: 'AWS', SourceIdentifier: 'AUTOSCALING_LAUNCHCONFIG_REQUIRES_IMDSV2' },
        Scope: { ComplianceResourceTypes: ['AWS::AutoScaling::LaunchConfiguration'] },
      },
      {
        Source: { Owner: 'AWS', SourceIdentifier: 'AUTOSCALING_LAUNCH_CONFIG_HOP_LIMIT' },
        Scope: { ComplianceResourceTypes: ['AWS::AutoScaling::LaunchConfiguration'] },
      },
    ]);
    expect(bundle.rules).toEqual([
      bundle.instanceRule, bundle.launchTemplateRule, bundle.launchConfigurationRule, bundle.launchConfigurationHopLimitRule,
    ]);
  });

  test('the identifiers aws-cdk-lib knows are its constants (a renamed rule would show here)', () => {
    expect(config.ManagedRuleIdentifiers.EC2_IMDSV2_CHECK).toBe('EC2_IMDSV2_CHECK');
    expect(config.ManagedRuleIdentifiers.AUTOSCALING_LAUNCHCONFIG_REQUIRES_IMDSV2).toBe('AUTOSCALING_LAUNCHCONFIG_REQUIRES_IMDSV2');
    expect(config.ManagedRuleIdentifiers.AUTOSCALING_LAUNCH_CONFIG_HOP_LIMIT).toBe('AUTOSCALING_LAUNCH_CONFIG_HOP_LIMIT');
  });

  test('each rule can be turned off', () => {
    const stack = new Stack();
    const bundle = new Imdsv2ConfigRules(stack, 'Rules', { launchConfigurationHopLimit: false, launchTemplates: false });
    expect(rules(Template.fromStack(stack)).map(r => (r.Source as { SourceIdentifier: string }).SourceIdentifier))
      .toEqual(['EC2_IMDSV2_CHECK', 'AUTOSCALING_LAUNCHCONFIG_REQUIRES_IMDSV2']);
    expect(bundle.launchTemplateRule).toBeUndefined();
    expect(bundle.launchConfigurationHopLimitRule).toBeUndefined();
    expect(bundle.rules).toHaveLength(2);
  });

  test('ruleNamePrefix names every rule after its AWS Config name', () => {
    const stack = new Stack();
    new Imdsv2ConfigRules(stack, 'Rules', { ruleNamePrefix: 'platform-' });
    expect(rules(Template.fromStack(stack)).map(r => r.ConfigRuleName)).toEqual([
      'platform-ec2-imdsv2-check',
      'platform-ec2-launch-template-imdsv2-check',
      'platform-autoscaling-launchconfig-requires-imdsv2',
      'platform-autoscaling-launch-config-hop-limit',
    ]);
  });

  test('refuses a bundle with every rule off', () => {
    expect(() => new Imdsv2ConfigRules(new Stack(new App(), 'Stack'), 'Rules', {
      instances: false, launchTemplates: false, launchConfigurations: false, launchConfigurationHopLimit: false,
    })).toThrow('Imdsv2ConfigRules Stack/Rules: every rule is turned off, expected at least one of instances, '
      + 'launchTemplates, launchConfigurations, launchConfigurationHopLimit');
  });
});
