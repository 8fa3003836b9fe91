import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Imdsv2Alarms, Imdsv2AlarmsProps } from '../../src/guardrails';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function fixture() {
  const stack = new Stack(new App(), 'Stack', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
  const common = {
    vpc,
    instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
    machineImage: ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-12345678' }),
  };
  const instance = new ec2.Instance(stack, 'Web', common);
  const group = new autoscaling.AutoScalingGroup(stack, 'Workers', common);
  return { stack, instance, group };
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.resolve((construct.node.defaultChild as ec2.CfnInstance).logicalId);
}

/** The alarms of the template, in the order they were made. */
function alarms(template: Template): Array<Record<string, unknown>> {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(a => a.Properties);
}

describe('Imdsv2Alarms', () => {
  test('account-wide by default: a Metrics Insights sum over every instance, for each metric', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Stack', { env: ENV });

    // WHEN
    const watch = new Imdsv2Alarms(stack, 'Imds');

    // THEN
    const template = Template.fromStack(stack);
    expect(alarms(template)).toEqual([
      {
        AlarmDescription: 'IMDSv1 calls answered (MetadataNoToken) on every instance in this region: something still reads '
          + 'instance metadata without a token; do not require tokens there yet',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        Threshold: 1,
        TreatMissingData: 'notBreaching',
        Metrics: [{
          Expression: 'SELECT SUM(MetadataNoToken) FROM SCHEMA("AWS/EC2", InstanceId)',
          Id: 'expr_1',
          Label: 'MetadataNoToken (all instances)',
          Period: 300,
          ReturnData: true,
        }],
      },
      {
        AlarmDescription: 'IMDSv1 calls refused (MetadataNoTokenRejected) on every instance in this region: something that '
          + 'still uses IMDSv1 broke when tokens became required',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        Threshold: 1,
        TreatMissingData: 'notBreaching',
        Metrics: [{
          Expression: 'SELECT SUM(MetadataNoTokenRejected) FROM SCHEMA("AWS/EC2", InstanceId)',
          Id: 'expr_1',
          Label: 'MetadataNoTokenRejected (all instances)',
          Period: 300,
          ReturnData: true,
        }],
      },
    ]);
    expect(watch.accountWideAlarms).toBeDefined();
    expect(watch.alarms).toEqual([watch.accountWideAlarms!.noToken, watch.accountWideAlarms!.noTokenRejected]);
  });

  test('per instance (InstanceId) and per Auto Scaling group (AutoScalingGroupName), from props and add methods', () => {
    // GIVEN
    const { stack, instance, group } = fixture();
    const imported = autoscaling.AutoScalingGroup.fromAutoScalingGroupName(stack, 'Legacy', 'legacy-asg');

    // WHEN
    const watch = new Imdsv2Alarms(stack, 'Imds', { instances: [instance], autoScalingGroups: [group], accountWide: false });
    const legacy = watch.addAutoScalingGroup(imported);

    // THEN
    const template = Template.fromStack(stack);
    const instanceRef = { Ref: logicalIdOf(stack, instance) };
    const groupRef = { Ref: stack.resolve((group.node.defaultChild as autoscaling.CfnAutoScalingGroup).logicalId) };
    const metricAlarm = (metricName: string, name: string, value: unknown) => ({
      Namespace: 'AWS/EC2',
      MetricName: metricName,
      Dimensions: [{ Name: name, Value: value }],
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      Threshold: 1,
      TreatMissingData: 'notBreaching',
      AlarmDescription: expect.any(String),
    });
    expect(alarms(template)).toEqual([
      metricAlarm('MetadataNoToken', 'InstanceId', instanceRef),
      metricAlarm('MetadataNoTokenRejected', 'InstanceId', instanceRef),
      metricAlarm('MetadataNoToken', 'AutoScalingGroupName', groupRef),
      metricAlarm('MetadataNoTokenRejected', 'AutoScalingGroupName', groupRef),
      metricAlarm('MetadataNoToken', 'AutoScalingGroupName', 'legacy-asg'),
      metricAlarm('MetadataNoTokenRejected', 'AutoScalingGroupName', 'legacy-asg'),
    ]);
    expect(alarms(template).map(a => a.AlarmDescription)).toEqual([
      expect.stringMatching(/^IMDSv1 calls answered \(MetadataNoToken\) on instance Stack\/Web: /),
      expect.stringMatching(/^IMDSv1 calls refused \(MetadataNoTokenRejected\) on instance Stack\/Web: /),
      expect.stringMatching(/on Auto Scaling group Stack\/Workers: /),
      expect.stringMatching(/on Auto Scaling group Stack\/Workers: /),
      expect.stringMatching(/on Auto Scaling group Stack\/Legacy: /),
      expect.stringMatching(/on Auto Scaling group Stack\/Legacy: /),
    ]);
    expect(watch.alarms).toHaveLength(6);
    expect(watch.alarms.slice(4)).toEqual([legacy.noToken, legacy.noTokenRejected]);
    expect(watch.accountWideAlarms).toBeUndefined();
  });

  test('a dashboard with a graph and the alarm states of each target', () => {
    // GIVEN
    const { stack, instance } = fixture();

    // WHEN
    const watch = new Imdsv2Alarms(stack, 'Imds', { dashboardName: 'imdsv1-calls' });
    watch.addInstance(instance);

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'imdsv1-calls' });
    const body = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody;
    const resolved = JSON.stringify(body);
    const widgets = (resolved.match(/\\"type\\":\\"(metric|alarm|text)\\"/g) ?? []).map(m => m.replace(/.*\\"(\w+)\\"$/, '$1'));
    // header, then graph + alarm states for the account, then for the instance
    expect(widgets).toEqual(['text', 'metric', 'alarm', 'metric', 'alarm']);
    expect(resolved).toContain('SELECT SUM(MetadataNoToken) FROM SCHEMA(\\\\\\"AWS/EC2\\\\\\", InstanceId)');
    expect(resolved).toContain('\\"AWS/EC2\\",\\"MetadataNoTokenRejected\\",\\"InstanceId\\",\\"');
    expect(resolved).toContain('IMDSv1 calls: instance Stack/Web');
    expect(watch.dashboard).toBeDefined();
  });

  test('dashboard: false adds none', () => {
    const stack = new Stack();
    const watch = new Imdsv2Alarms(stack, 'Imds', { dashboard: false });
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 2);
    expect(watch.dashboard).toBeUndefined();
  });

  test('period, threshold, evaluation periods and actions apply to every alarm', () => {
    // GIVEN
    const { stack, instance } = fixture();
    const topic = new sns.Topic(stack, 'Pager');

    // WHEN
    new Imdsv2Alarms(stack, 'Imds', {
      instances: [instance],
      period: Duration.minutes(1),
      threshold: 5,
      evaluationPeriods: 3,
      alarmActions: [new actions.SnsAction(topic)],
    });

    // THEN
    const all = alarms(Template.fromStack(stack));
    expect(all).toHaveLength(4);
    const topicRef = { Ref: stack.resolve((topic.node.defaultChild as sns.CfnTopic).logicalId) };
    for (const alarm of all) {
      expect(alarm).toMatchObject({ Threshold: 5, EvaluationPeriods: 3, AlarmActions: [topicRef] });
      expect(alarm.Period ?? (alarm.Metrics as Array<{ Period: number }>)[0].Period).toBe(60);
    }
  });

  test('the alarms are usable as cloudwatch.IAlarm (for a composite alarm, say)', () => {
    const stack = new Stack();
    const watch = new Imdsv2Alarms(stack, 'Imds', { dashboard: false });
    new cloudwatch.CompositeAlarm(stack, 'Any', {
      alarmRule: cloudwatch.AlarmRule.anyOf(...watch.alarms.map(a => cloudwatch.AlarmRule.fromAlarm(a, cloudwatch.AlarmState.ALARM))),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::CompositeAlarm', { AlarmRule: Match.anyValue() });
  });

  test('refuses to watch the same instance twice', () => {
    const { stack, instance } = fixture();
    const watch = new Imdsv2Alarms(stack, 'Imds', { instances: [instance] });
    expect(() => watch.addInstance(instance)).toThrow(
      'Imdsv2Alarms Stack/Imds: Stack/Web is already watched, expected each instance and Auto Scaling group once');
  });

  test.each([
    [{ period: Duration.seconds(30) }, 'period is 30 seconds, expected a whole number of minutes (EC2 publishes these metrics every 5 minutes, or every minute with detailed monitoring)'],
    [{ period: Duration.seconds(90) }, 'period is 90 seconds, expected a whole number of minutes'],
    [{ threshold: 0 }, 'threshold is 0, expected 1 or more calls'],
    [{ evaluationPeriods: 0 }, 'evaluationPeriods is 0, expected a whole number of 1 or more'],
    [{ evaluationPeriods: 1.5 }, 'evaluationPeriods is 1.5, expected a whole number of 1 or more'],
  ] as Array<[Imdsv2AlarmsProps, string]>)('refuses %p', (props, message) => {
    expect(() => new Imdsv2Alarms(new Stack(new App(), 'Stack'), 'Imds', props)).toThrow(`Imdsv2Alarms Stack/Imds: ${message}`);
  });
});
