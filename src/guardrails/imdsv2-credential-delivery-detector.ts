import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { checkAlarmOptions } from './private/alarm-options';

/** Where CloudTrail says how an instance got the credentials a call was signed with. */
const ROLE_DELIVERY_FIELD = 'userIdentity.sessionContext.ec2RoleDelivery';
/** The role that issued the session: one value per role, so a dimension of modest cardinality. */
const ROLE_ARN_FIELD = 'userIdentity.sessionContext.sessionIssuer.arn';

const DEFAULT_NAMESPACE = 'Imdsv2/CloudTrail';
const METRIC_NAME = 'CredentialsDeliveredByImdsv1';
const ROLE_DIMENSION = 'RoleArn';

/** Properties of `Imdsv2CredentialDeliveryDetector`. */
export interface Imdsv2CredentialDeliveryDetectorProps {
  /**
   * The CloudWatch Logs group a CloudTrail trail delivers its events to.
   *
   * Give this or `trail`, not both. Without either, only the EventBridge rule is made
   * (and `eventTargets` is then required).
   *
   * @default - the log group of `trail`
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * A trail whose CloudWatch Logs group to watch: the one it was created with
   * (`sendToCloudWatchLogs: true`), or one this construct creates when
   * `createLogDelivery` is true.
   *
   * @default - none: use `logGroup`
   */
  readonly trail?: cloudtrail.Trail;

  /**
   * Whether to send `trail`'s events to a new CloudWatch Logs group when it does not
   * send them anywhere yet: a log group and a role that CloudTrail assumes to write to it
   * (`logs:CreateLogStream` and `logs:PutLogEvents` on that group only), created inside
   * the trail, and the trail's `CloudWatchLogsLogGroupArn` / `CloudWatchLogsRoleArn` set.
   *
   * CloudWatch Logs ingestion of every event of the trail is charged.
   *
   * @default false - a trail without a log group is an error
   */
  readonly createLogDelivery?: boolean;

  /**
   * How long the log group made by `createLogDelivery` keeps events.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logDeliveryRetention?: logs.RetentionDays;

  /**
   * The CloudWatch namespace of the metric `CredentialsDeliveredByImdsv1`.
   *
   * @default 'Imdsv2/CloudTrail'
   */
  readonly metricNamespace?: string;

  /**
   * Whether the metric has a dimension `RoleArn` (the role whose credentials IMDSv1
   * delivered, `userIdentity.sessionContext.sessionIssuer.arn`).
   *
   * Each role that shows up is one more custom metric, charged as such; CloudWatch Logs
   * may disable a metric filter that makes 1,000 different dimension values within an
   * hour. Instances are deliberately not a dimension (one metric per instance): the saved
   * query names them instead.
   *
   * @default true
   */
  readonly roleDimension?: boolean;

  /**
   * The period over which calls are summed.
   *
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;

  /**
   * The number of calls in one period that sets the alarm off.
   *
   * @default 1
   */
  readonly threshold?: number;

  /**
   * The number of periods over which the threshold must be reached.
   *
   * @default 1
   */
  readonly evaluationPeriods?: number;

  /**
   * What to do when the alarm goes off.
   *
   * @default - no action
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];

  /**
   * The name of the CloudWatch Logs Insights saved query.
   *
   * @default 'imdsv2/credentials-delivered-by-imdsv1'
   */
  readonly queryDefinitionName?: string;

  /**
   * Targets of an EventBridge rule on the default event bus that matches every
   * `AWS API Call via CloudTrail` event made with credentials IMDSv1 delivered. The rule is
   * made when targets are given.
   *
   * It sees only what EventBridge receives from CloudTrail: calls in the rule's own
   * region, and read-only calls (`Get*`, `List*`, `Describe*`) only with
   * `includeReadOnlyEvents`.
   *
   * @default - no rule
   */
  readonly eventTargets?: events.IRuleTarget[];

  /**
   * Whether the rule also matches read-only management events, by setting its state to
   * `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`.
   *
   * Software that fetches instance credentials mostly reads (`Describe*`, `Get*`), so
   * without this the rule misses most of it; with it, the rule evaluates every read-only
   * call of the region, which can be many.
   *
   * @default false
   */
  readonly includeReadOnlyEvents?: boolean;
}

/**
 * Finds the calls signed with instance-role credentials that an instance got through
 * IMDSv1: CloudTrail records how the credentials were delivered in
 * `userIdentity.sessionContext.ec2RoleDelivery`, `"1.0"` for IMDSv1 and `"2.0"` for
 * IMDSv2.
 *
 * On the trail's CloudWatch Logs group it makes a metric filter
 * (`{ $.userIdentity.sessionContext.ec2RoleDelivery = "1.0" }`) counting such calls in
 * `CredentialsDeliveredByImdsv1` (per role by default), an alarm on it, and a Logs Insights
 * saved query that lists them by account, role and instance (the role session name of
 * instance credentials is the instance id). Optionally, an EventBridge rule sends the same
 * calls to targets as they happen.
 *
 * The alarm's quiet is what the enforcement step waits for: no software still gets its
 * credentials through IMDSv1.
 *
 * @example
 * import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
 * import { Imdsv2CredentialDeliveryDetector } from 'cdk-imdsv2';
 *
 * const trail = new cloudtrail.Trail(this, 'Trail', { sendToCloudWatchLogs: true });
 * new Imdsv2CredentialDeliveryDetector(this, 'ImdsV1Credentials', { trail });
 */
export class Imdsv2CredentialDeliveryDetector extends Construct {
  /** The metric filter pattern: CloudTrail events signed with credentials delivered by IMDSv1. */
  public static readonly FILTER_PATTERN = `{ $.${ROLE_DELIVERY_FIELD} = "1.0" }`;

  /**
   * The EventBridge event pattern of the rule: API calls recorded by CloudTrail and signed
   * with credentials delivered by IMDSv1.
   */
  public static eventPattern(): events.EventPattern {
    return {
      detailType: ['AWS API Call via CloudTrail'],
      detail: { userIdentity: { sessionContext: { ec2RoleDelivery: ['1.0'] } } },
    };
  }

  /** The Logs Insights query: calls signed with IMDSv1-delivered credentials, by account, role and instance. */
  public static queryString(): string {
    return queryString().toString();
  }

  /** The log group watched, when there is one. */
  public readonly logGroup?: logs.ILogGroup;

  /** The metric filter, when there is a log group. */
  public readonly metricFilter?: logs.MetricFilter;

  /** Calls signed with IMDSv1-delivered credentials, summed over every role, when there is a log group. */
  public readonly metric?: cloudwatch.IMetric;

  /** The alarm on `metric`, when there is a log group. */
  public readonly alarm?: cloudwatch.Alarm;

  /** The Logs Insights saved query, when there is a log group. */
  public readonly queryDefinition?: logs.QueryDefinition;

  /** The EventBridge rule, when `eventTargets` are given. */
  public readonly rule?: events.Rule;

  /**
   * @param scope the scope to create it in
   * @param id its construct id
   * @param props the log group or trail to watch, the alarm's settings and the rule's targets
   */
  constructor(scope: Construct, id: string, props: Imdsv2CredentialDeliveryDetectorProps = {}) {
    const who = `Imdsv2CredentialDeliveryDetector ${scope.node.path ? `${scope.node.path}/${id}` : id}`;
    checkProps(who, props);
    super(scope, id);

    this.logGroup = props.logGroup ?? (props.trail ? trailLogGroup(who, props.trail, props) : undefined);
    if (this.logGroup) {
      const namespace = props.metricNamespace ?? DEFAULT_NAMESPACE;
      const byRole = props.roleDimension ?? true;
      const period = props.period ?? Duration.minutes(5);
      this.metricFilter = new logs.MetricFilter(this, 'MetricFilter', {
        logGroup: this.logGroup,
        filterPattern: logs.FilterPattern.literal(Imdsv2CredentialDeliveryDetector.FILTER_PATTERN),
        metricNamespace: namespace,
        metricName: METRIC_NAME,
        metricValue: '1',
        dimensions: byRole ? { [ROLE_DIMENSION]: `$.${ROLE_ARN_FIELD}` } : undefined,
      });
      this.metric = byRole
        // One metric per role: sum them all, including roles that appear later.
        ? new cloudwatch.MathExpression({
          expression: `SELECT SUM(${METRIC_NAME}) FROM SCHEMA("${namespace}", ${ROLE_DIMENSION})`,
          label: `${METRIC_NAME} (all roles)`,
          period,
          usingMetrics: {},
        })
        : new cloudwatch.Metric({ namespace, metricName: METRIC_NAME, statistic: 'Sum', period });
      this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
        metric: this.metric,
        threshold: props.threshold ?? 1,
        evaluationPeriods: props.evaluationPeriods ?? 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No matching event, no data point: quiet is what the rollout waits for.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: 'AWS calls signed with instance credentials delivered by IMDSv1 (CloudTrail '
          + 'ec2RoleDelivery 1.0): software still gets its credentials without a token. Run the saved query '
          + `${props.queryDefinitionName ?? 'imdsv2/credentials-delivered-by-imdsv1'} to see which roles and instances`,
      });
      for (const action of props.alarmActions ?? []) this.alarm.addAlarmAction(action);
      this.queryDefinition = new logs.QueryDefinition(this, 'Query', {
        queryDefinitionName: props.queryDefinitionName ?? 'imdsv2/credentials-delivered-by-imdsv1',
        queryString: queryString(),
        logGroups: [this.logGroup],
      });
    }

    if (props.eventTargets !== undefined) {
      this.rule = new events.Rule(this, 'Rule', {
        description: 'AWS API calls signed with instance credentials delivered by IMDSv1 (CloudTrail ec2RoleDelivery 1.0)',
        eventPattern: Imdsv2CredentialDeliveryDetector.eventPattern(),
        targets: props.eventTargets,
      });
      if (props.includeReadOnlyEvents) {
        (this.rule.node.defaultChild as events.CfnRule).state = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
      }
    }
  }

  /**
   * Dashboard widgets: a graph of the metric and the alarm's state, and the saved query's
   * results. Add them to a dashboard of your own, or to `Imdsv2Alarms.dashboard`.
   *
   * @returns the widgets, empty when there is no log group
   */
  public widgets(): cloudwatch.IWidget[] {
    if (!this.metric || !this.alarm || !this.logGroup) return [];
    return [
      new cloudwatch.GraphWidget({
        title: 'Calls signed with credentials delivered by IMDSv1 (CloudTrail)',
        left: [this.metric],
        width: 16,
        height: 6,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarm', alarms: [this.alarm], width: 8, height: 6 }),
      new cloudwatch.LogQueryWidget({
        title: 'IMDSv1-delivered credentials by account, role and instance',
        logGroupNames: [this.logGroup.logGroupName],
        queryString: Imdsv2CredentialDeliveryDetector.queryString(),
        width: 24,
        height: 6,
      }),
    ];
  }
}

/**
 * The saved query. The instance id is the role session name of instance credentials, the
 * last part of `userIdentity.arn` (`arn:aws:sts::111122223333:assumed-role/Role/i-0abc…`).
 */
function queryString(): logs.QueryString {
  return new logs.QueryString({
    fields: ['@timestamp', `${ROLE_ARN_FIELD} as role`, 'recipientAccountId as account'],
    parseStatements: ['userIdentity.arn "assumed-role/*/*" as roleName, instanceId'],
    filterStatements: [`${ROLE_DELIVERY_FIELD} = "1.0"`],
    statsStatements: ['count(*) as calls, min(@timestamp) as firstSeen, max(@timestamp) as lastSeen by account, role, instanceId'],
    sort: 'calls desc',
    limit: 1000,
  });
}

/** The log group `trail` delivers to, or a new one when the user asked for it. */
function trailLogGroup(who: string, trail: cloudtrail.Trail, props: Imdsv2CredentialDeliveryDetectorProps): logs.ILogGroup {
  if (trail.logGroup) return trail.logGroup;
  const cfn = trail.node.defaultChild as cloudtrail.CfnTrail;
  if (cfn.cloudWatchLogsLogGroupArn !== undefined) {
    throw new Error(`${who}: trail ${trail.node.path} already delivers to a CloudWatch Logs group set on its `
      + 'CfnTrail, expected that log group as logGroup (logs.LogGroup.fromLogGroupArn) instead of trail');
  }
  if (!props.createLogDelivery) {
    throw new Error(`${who}: trail ${trail.node.path} does not send its events to CloudWatch Logs, expected a trail `
      + 'created with sendToCloudWatchLogs: true, or createLogDelivery: true to add the delivery, or logGroup');
  }
  // Inside the trail, so that the log group and the role live in the trail's stack.
  const scope = new Construct(trail, 'Imdsv2LogDelivery');
  const logGroup = new logs.LogGroup(scope, 'LogGroup', { retention: props.logDeliveryRetention ?? logs.RetentionDays.ONE_YEAR });
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('cloudtrail.amazonaws.com', {
      // Only CloudTrail acting for this account may assume it (confused-deputy protection).
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(trail).account } },
    }),
    description: 'CloudTrail delivers the trail\'s events to its CloudWatch Logs group',
  });
  // The log group ARN ends in ":*", which covers its log streams and nothing else.
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroup.logGroupArn],
  }));
  cfn.cloudWatchLogsLogGroupArn = logGroup.logGroupArn;
  cfn.cloudWatchLogsRoleArn = role.roleArn;
  // CloudTrail checks the role when the trail is created or updated: the policy must exist by then.
  cfn.node.addDependency(role);
  return logGroup;
}

function checkProps(who: string, props: Imdsv2CredentialDeliveryDetectorProps): void {
  if (props.logGroup && props.trail) {
    throw new Error(`${who}: both logGroup and trail are given, expected one of them`);
  }
  if (!props.logGroup && !props.trail && props.eventTargets === undefined) {
    throw new Error(`${who}: nothing to watch, expected logGroup or trail (a trail's CloudWatch Logs group), `
      + 'or eventTargets for an EventBridge rule');
  }
  if (props.eventTargets === undefined && props.includeReadOnlyEvents) {
    throw new Error(`${who}: includeReadOnlyEvents is set but there is no EventBridge rule, expected eventTargets too`);
  }
  if (props.createLogDelivery && !props.trail) {
    throw new Error(`${who}: createLogDelivery is set but no trail is given, expected trail`);
  }
  checkAlarmOptions(who, props, 'metric filters publish one data point a minute');
}
