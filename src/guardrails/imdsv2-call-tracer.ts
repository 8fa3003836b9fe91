import { Aws, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { describe } from './private/policy-document';
import {
  CALLERS_QUERY, DOWNLOAD_DIR, IMDSV1_FILTER_PATTERN, INSTANCE_FIELD, MACOS_REFUSAL, TRACE_LOG_FILE,
  UNCLASSIFIED_FILTER_PATTERN, WINDOWS_REFUSAL, agentScript, installScript, prepareScript, removeScript,
} from './private/tracer-scripts';

const DEFAULT_NAMESPACE = 'Imdsv2CallTracer';
const IMDSV1_CALLS = 'Imdsv1Calls';
const UNCLASSIFIED_CALLS = 'UnclassifiedImdsCalls';
const ARCHIVE = /\.(zip|tar\.gz|tgz|tar)$/;

/**
 * Where the instances fetch aws-imds-packet-analyzer from: a zip or tarball of a checkout
 * in S3 (the default to use, and the only one for instances without internet access), or
 * a git repository at one commit. This library ships none of the analyzer's code.
 */
export class Imdsv2CallTracerSource {
  /**
   * A checkout in an S3 asset: point an `s3_assets.Asset` at a checkout of
   * aws-imds-packet-analyzer (a directory, which CDK zips, or a zip or tarball file).
   *
   * @param asset the asset
   */
  public static fromAsset(asset: s3assets.Asset): Imdsv2CallTracerSource {
    return new Imdsv2CallTracerSource(asset.bucket, asset.s3ObjectKey, undefined, undefined);
  }

  /**
   * A zip or tarball (`.zip`, `.tar.gz`, `.tgz`, `.tar`) of a checkout, in any bucket.
   *
   * The archive may hold the checkout at its root or in one top folder (as GitHub's
   * "Download ZIP" does).
   *
   * @param bucket the bucket
   * @param objectKey the archive's key
   */
  public static fromBucket(bucket: s3.IBucket, objectKey: string): Imdsv2CallTracerSource {
    if (!Token.isUnresolved(objectKey) && !ARCHIVE.test(objectKey)) {
      throw new Error(`Imdsv2CallTracerSource.fromBucket: objectKey is "${objectKey}", expected the key of a .zip, .tar.gz, .tgz or .tar archive`);
    }
    return new Imdsv2CallTracerSource(bucket, objectKey, undefined, undefined);
  }

  /**
   * A git repository at one commit, cloned by the SSM agent (`aws:downloadContent`):
   * the instances need to reach the repository.
   *
   * @param repositoryUrl the repository, e.g. `https://github.com/aws/aws-imds-packet-analyzer.git`
   * @param commit the full 40-character commit id (a branch or tag could move under you)
   */
  public static fromGit(repositoryUrl: string, commit: string): Imdsv2CallTracerSource {
    if (!Token.isUnresolved(commit) && !/^[0-9a-f]{40}$/.test(commit)) {
      throw new Error(`Imdsv2CallTracerSource.fromGit: commit is "${commit}", expected a full 40-character hexadecimal commit id `
        + '(a branch or tag could point at other code tomorrow)');
    }
    if (!Token.isUnresolved(repositoryUrl) && !/^(https:\/\/|ssh:\/\/|git@)\S+$/.test(repositoryUrl)) {
      throw new Error(`Imdsv2CallTracerSource.fromGit: repositoryUrl is "${repositoryUrl}", expected an https:// or ssh:// git URL`);
    }
    return new Imdsv2CallTracerSource(undefined, undefined, repositoryUrl, commit);
  }

  /** The bucket, for an S3 source. */
  public readonly bucket?: s3.IBucket;
  /** The archive's key, for an S3 source. */
  public readonly objectKey?: string;
  /** The repository, for a git source. */
  public readonly repositoryUrl?: string;
  /** The commit, for a git source. */
  public readonly commit?: string;

  private constructor(bucket?: s3.IBucket, objectKey?: string, repositoryUrl?: string, commit?: string) {
    this.bucket = bucket;
    this.objectKey = objectKey;
    this.repositoryUrl = repositoryUrl;
    this.commit = commit;
  }
}

/** Which instances State Manager installs the tracer on: one kind of target per tracer. */
export class Imdsv2CallTracerTargets {
  /**
   * Instances with this tag (`tag:KEY` = VALUE), including instances launched later.
   *
   * @param key the tag key
   * @param value the tag value
   */
  public static byTag(key: string, value: string): Imdsv2CallTracerTargets {
    if (!Token.isUnresolved(key) && key.trim() === '') {
      throw new Error('Imdsv2CallTracerTargets.byTag: key is "", expected a tag key');
    }
    return new Imdsv2CallTracerTargets(`tag:${key}`, [value]);
  }

  /**
   * These instances (1 to 50 ids).
   *
   * @param ids instance ids (`i-…`)
   */
  public static instanceIds(ids: string[]): Imdsv2CallTracerTargets {
    if (ids.length < 1 || ids.length > 50) {
      throw new Error(`Imdsv2CallTracerTargets.instanceIds: ${ids.length} ids given, expected 1 to 50 (a State Manager target's limit)`);
    }
    for (const id of ids) {
      if (!Token.isUnresolved(id) && !/^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(id)) {
        throw new Error(`Imdsv2CallTracerTargets.instanceIds: "${id}" is not an instance id, expected one such as "i-0123456789abcdef0"`);
      }
    }
    return new Imdsv2CallTracerTargets('InstanceIds', ids);
  }

  /**
   * The instances of a resource group (`resource-groups:Name`).
   *
   * @param name the resource group's name
   */
  public static resourceGroup(name: string): Imdsv2CallTracerTargets {
    if (!Token.isUnresolved(name) && name.trim() === '') {
      throw new Error('Imdsv2CallTracerTargets.resourceGroup: name is "", expected a resource group name');
    }
    return new Imdsv2CallTracerTargets('resource-groups:Name', [name]);
  }

  /** The association target's key: `tag:…`, `InstanceIds` or `resource-groups:Name`. */
  public readonly key: string;
  /** The association target's values. */
  public readonly values: string[];

  private constructor(key: string, values: string[]) {
    this.key = key;
    this.values = values;
  }
}

/** Properties of `Imdsv2CallTracer`. */
export interface Imdsv2CallTracerProps {
  /** Where the instances fetch aws-imds-packet-analyzer from. */
  readonly source: Imdsv2CallTracerSource;

  /**
   * The instances to trace.
   *
   * @default Imdsv2CallTracerTargets.byTag('imdsv2-trace', 'true')
   */
  readonly targets?: Imdsv2CallTracerTargets;

  /**
   * How often State Manager runs the installation again (it also runs when the
   * association is created and on each instance that starts to match the targets). A run
   * on an instance where the same source already traces does nothing.
   *
   * @default 'rate(1 day)'
   */
  readonly scheduleExpression?: string;

  /**
   * How many instances install at once: a number or a percentage of the targets.
   *
   * @default '10%'
   */
  readonly maxConcurrency?: string;

  /**
   * How many failed instances stop the rollout: a number or a percentage of the targets.
   *
   * @default '10%'
   */
  readonly maxErrors?: string;

  /**
   * How long the trace log group keeps the traces.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The CloudWatch namespace of the `Imdsv1Calls` and `UnclassifiedImdsCalls` metrics.
   *
   * @default 'Imdsv2CallTracer'
   */
  readonly metricNamespace?: string;

  /**
   * What to do when the alarm on IMDSv1 calls goes off.
   *
   * @default - no action
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];
}

/**
 * Rolls out AWS's open-source aws-imds-packet-analyzer (an eBPF tracer) to instances with
 * SSM State Manager, ships its trace to CloudWatch Logs and counts IMDSv1 calls per
 * instance: to find which process still calls IMDSv1 before tokens are required.
 *
 * - an SSM Command document that installs BCC for the instance's OS, downloads the
 *   analyzer (`aws:downloadContent`), gives it a `logging.conf` with the instance id in
 *   each line, starts `imds_tracer_tool.service` with the analyzer's own
 *   `activate-tracer-service.sh` and checks that it logs; then installs the CloudWatch
 *   agent if absent (`AWS-ConfigureAWSPackage`) and adds the trace log to its configuration
 *   (an SSM parameter, `append-config`, so other agent configurations stay);
 * - a State Manager association running it on the targets;
 * - a second document, `removalDocument`, that stops and removes it (run it with Run
 *   Command before deleting the tracer: deleting the stack leaves the service running);
 * - a log group, a metric filter counting IMDSv1 calls per instance (`InstanceId`), one
 *   counting calls the analyzer could not classify, an alarm on IMDSv1 calls, and a Logs
 *   Insights saved query listing callers by process and parent chain.
 *
 * The instances must be SSM managed nodes (the SSM agent with
 * `AmazonSSMManagedInstanceCore`); give their role what the tracer needs with
 * `grantToInstances()`. Linux only (Amazon Linux 2023 and 2, Ubuntu 22.04, RHEL,
 * Fedora): the analyzer does not support Windows. Run it on non-production instances
 * first, as the analyzer's README advises: installing BCC updates packages.
 *
 * @see https://github.com/aws/aws-imds-packet-analyzer
 *
 * @example
 * import * as iam from 'aws-cdk-lib/aws-iam';
 * import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
 * import { Imdsv2CallTracer, Imdsv2CallTracerSource } from 'cdk-imdsv2';
 *
 * declare const fleetRole: iam.IRole;
 *
 * const analyzer = new s3assets.Asset(this, 'Analyzer', { path: 'vendor/aws-imds-packet-analyzer' });
 * const tracer = new Imdsv2CallTracer(this, 'Tracer', {
 *   source: Imdsv2CallTracerSource.fromAsset(analyzer),
 * });
 * tracer.grantToInstances(fleetRole);
 */
export class Imdsv2CallTracer extends Construct {
  /** The Command document that installs and starts the tracer. */
  public readonly installDocument: ssm.CfnDocument;
  /** The Command document that stops and removes it. */
  public readonly removalDocument: ssm.CfnDocument;
  /** The State Manager association that runs `installDocument` on the targets. */
  public readonly association: ssm.CfnAssociation;
  /** The CloudWatch agent's configuration for the trace log. */
  public readonly agentConfiguration: ssm.StringParameter;
  /** The log group of the traces, one stream per instance (named after its id). */
  public readonly logGroup: logs.LogGroup;
  /** IMDSv1 calls per instance (dimension `InstanceId`). */
  public readonly imdsv1CallsFilter: logs.MetricFilter;
  /** Calls the analyzer could not classify (`{MISSING PAYLOAD}`), per instance. */
  public readonly unclassifiedCallsFilter: logs.MetricFilter;
  /** Goes off when any traced instance makes an IMDSv1 call. */
  public readonly alarm: cloudwatch.Alarm;
  /** The Logs Insights saved query listing IMDSv1 callers. */
  public readonly callersQuery: logs.CfnQueryDefinition;
  /** The namespace of the metrics. */
  public readonly metricNamespace: string;

  private readonly source: Imdsv2CallTracerSource;

  /**
   * @param scope the scope to create it in
   * @param id its construct id
   * @param props the analyzer's source, the targets, the schedule and the log retention
   */
  constructor(scope: Construct, id: string, props: Imdsv2CallTracerProps) {
    const who = describe('Imdsv2CallTracer', scope.node.path, id);
    checkProps(who, props);
    super(scope, id);
    this.source = props.source;
    this.metricNamespace = props.metricNamespace ?? DEFAULT_NAMESPACE;

    this.logGroup = new logs.LogGroup(this, 'Traces', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    this.agentConfiguration = new ssm.StringParameter(this, 'AgentConfiguration', {
      description: 'CloudWatch agent configuration: ships aws-imds-packet-analyzer\'s trace (Imdsv2CallTracer)',
      stringValue: Stack.of(this).toJsonString(agentConfiguration(this.logGroup.logGroupName)),
    });
    const parameterName = this.agentConfiguration.parameterName;

    this.installDocument = new ssm.CfnDocument(this, 'InstallDocument', {
      documentType: 'Command',
      content: installDocumentContent(props.source, parameterName),
    });
    this.removalDocument = new ssm.CfnDocument(this, 'RemovalDocument', {
      documentType: 'Command',
      content: commandDocument('Stops and removes aws-imds-packet-analyzer (Imdsv2CallTracer)', [
        linuxShell('RemoveTracer', removeScript(parameterName)),
      ]),
    });
    const targets = props.targets ?? Imdsv2CallTracerTargets.byTag('imdsv2-trace', 'true');
    this.association = new ssm.CfnAssociation(this, 'Association', {
      name: this.installDocument.ref,
      targets: [{ key: targets.key, values: targets.values }],
      scheduleExpression: props.scheduleExpression ?? 'rate(1 day)',
      maxConcurrency: props.maxConcurrency ?? '10%',
      maxErrors: props.maxErrors ?? '10%',
      complianceSeverity: 'MEDIUM',
    });

    const metricFilter = (filterId: string, pattern: string, metricName: string) => this.logGroup.addMetricFilter(filterId, {
      filterPattern: logs.FilterPattern.literal(pattern),
      metricNamespace: this.metricNamespace,
      metricName,
      metricValue: '1',
      dimensions: { InstanceId: INSTANCE_FIELD },
    });
    this.imdsv1CallsFilter = metricFilter('Imdsv1Calls', IMDSV1_FILTER_PATTERN, IMDSV1_CALLS);
    this.unclassifiedCallsFilter = metricFilter('UnclassifiedCalls', UNCLASSIFIED_FILTER_PATTERN, UNCLASSIFIED_CALLS);

    this.alarm = new cloudwatch.Alarm(this, 'Imdsv1CallsAlarm', {
      metric: this.sumOverInstances(IMDSV1_CALLS),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: 'IMDSv1 calls traced by aws-imds-packet-analyzer on the traced instances: run the saved query '
        + `"${this.queryName}" to see which process made them; do not require tokens there yet`,
    });
    for (const action of props.alarmActions ?? []) this.alarm.addAlarmAction(action);

    this.callersQuery = new logs.CfnQueryDefinition(this, 'CallersQuery', {
      name: this.queryName,
      queryString: CALLERS_QUERY,
      logGroupNames: [this.logGroup.logGroupName],
    });
  }

  /**
   * Give the traced instances' role what the tracer needs, and nothing else: read the
   * analyzer's archive (S3 source), write the trace log group, read the agent
   * configuration parameter.
   *
   * `aws:downloadContent` lists `<key>/` before it downloads the object, so an S3 source
   * also needs `s3:ListBucket` on the bucket, limited to that prefix. The instances also
   * need `AmazonSSMManagedInstanceCore` (or equivalent) to be managed by SSM at all; that
   * is not granted here. A bucket encrypted with a customer managed KMS key also needs
   * `kms:Decrypt` on that key.
   *
   * @param grantee the instances' role
   */
  public grantToInstances(grantee: iam.IGrantable): iam.Grant {
    const grants: iam.Grant[] = [];
    if (this.source.bucket !== undefined && this.source.objectKey !== undefined) {
      grants.push(iam.Grant.addToPrincipal({
        grantee,
        actions: ['s3:GetObject'],
        resourceArns: [this.source.bucket.arnForObjects(this.source.objectKey)],
      }));
      grants.push(iam.Grant.addToPrincipal({
        grantee,
        actions: ['s3:ListBucket'],
        resourceArns: [this.source.bucket.bucketArn],
        conditions: { StringEquals: { 's3:prefix': `${this.source.objectKey}/` } },
      }));
    }
    grants.push(iam.Grant.addToPrincipal({
      grantee,
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      // The log group's ARN as CloudFormation returns it ends in ":*": its streams.
      resourceArns: [this.logGroup.logGroupArn],
    }));
    grants.push(iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParameter'],
      resourceArns: [this.agentConfiguration.parameterArn],
    }));
    return grants.reduce((all, g) => all.combine(g));
  }

  /**
   * Dashboard widgets: IMDSv1 calls per instance (the 10 busiest), the alarm, and the
   * callers query. `Imdsv2Alarms.addTracerWidgets()` adds them to its dashboard (or add them to any dashboard).
   */
  public widgets(): cloudwatch.IWidget[] {
    return [
      new cloudwatch.GraphWidget({
        title: 'IMDSv1 calls traced, per instance (10 busiest)',
        left: [new cloudwatch.MathExpression({
          expression: `SELECT SUM(${IMDSV1_CALLS}) FROM SCHEMA("${this.metricNamespace}", InstanceId) `
            + 'GROUP BY InstanceId ORDER BY SUM() DESC LIMIT 10',
          label: 'IMDSv1 calls',
          period: Duration.minutes(5),
          usingMetrics: {},
        })],
        width: 16,
        height: 6,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Tracer alarm', alarms: [this.alarm], width: 8, height: 6 }),
      new cloudwatch.LogQueryWidget({
        title: 'IMDSv1 callers by process and parent chain',
        logGroupNames: [this.logGroup.logGroupName],
        queryString: CALLERS_QUERY,
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        width: 24,
        height: 8,
      }),
    ];
  }

  private get queryName(): string {
    return `Imdsv2CallTracer/IMDSv1 callers ${Names.uniqueResourceName(this, { maxLength: 80 })}`;
  }

  private sumOverInstances(metricName: string): cloudwatch.IMetric {
    return new cloudwatch.MathExpression({
      expression: `SELECT SUM(${metricName}) FROM SCHEMA("${this.metricNamespace}", InstanceId)`,
      label: `${metricName} (all traced instances)`,
      period: Duration.minutes(5),
      usingMetrics: {},
    });
  }
}

function checkProps(who: string, props: Imdsv2CallTracerProps): void {
  const namespace = props.metricNamespace;
  if (namespace !== undefined && !Token.isUnresolved(namespace) && (namespace.startsWith('AWS/') || namespace.trim() === '')) {
    throw new Error(`${who}: metricNamespace is "${namespace}", expected a custom namespace (not empty, not starting with "AWS/")`);
  }
  for (const [name, value] of [['maxConcurrency', props.maxConcurrency], ['maxErrors', props.maxErrors]] as const) {
    if (value !== undefined && !Token.isUnresolved(value) && !/^([1-9][0-9]*|[0-9]+%)$/.test(value)) {
      throw new Error(`${who}: ${name} is "${value}", expected a number of instances ("10") or a percentage ("10%")`);
    }
  }
  const schedule = props.scheduleExpression;
  if (schedule !== undefined && !Token.isUnresolved(schedule) && !/^(rate|cron)\(.+\)$/.test(schedule)) {
    throw new Error(`${who}: scheduleExpression is "${schedule}", expected a State Manager rate(...) or cron(...) expression`);
  }
}

/** The CloudWatch agent configuration: the trace log, one stream per instance. */
function agentConfiguration(logGroupName: string): unknown {
  return {
    logs: {
      logs_collected: {
        files: {
          collect_list: [{
            file_path: TRACE_LOG_FILE,
            log_group_name: logGroupName,
            log_stream_name: '{instance_id}',
            timestamp_format: '%Y-%m-%dT%H:%M:%S',
          }],
        },
      },
    },
  };
}

function commandDocument(description: string, mainSteps: unknown[]): Record<string, unknown> {
  return { schemaVersion: '2.2', description, mainSteps };
}

function linuxShell(name: string, script: string): Record<string, unknown> {
  return {
    action: 'aws:runShellScript',
    name,
    precondition: { StringEquals: ['platformType', 'Linux'] },
    inputs: { runCommand: script.split('\n'), timeoutSeconds: 1800 },
  };
}

function installDocumentContent(source: Imdsv2CallTracerSource, parameterName: string): Record<string, unknown> {
  const s3Source = source.bucket !== undefined && source.objectKey !== undefined;
  const sourceId = s3Source ? `s3://${source.bucket!.bucketName}/${source.objectKey}` : `${source.repositoryUrl}@${source.commit}`;
  return commandDocument('Installs and starts aws-imds-packet-analyzer and ships its trace to CloudWatch Logs (Imdsv2CallTracer)', [
    {
      action: 'aws:runPowerShellScript',
      name: 'RefuseWindows',
      precondition: { StringEquals: ['platformType', 'Windows'] },
      inputs: { runCommand: [WINDOWS_REFUSAL] },
    },
    {
      action: 'aws:runShellScript',
      name: 'RefuseMacOS',
      precondition: { StringEquals: ['platformType', 'MacOS'] },
      inputs: { runCommand: [MACOS_REFUSAL] },
    },
    linuxShell('Prepare', prepareScript()),
    {
      action: 'aws:downloadContent',
      name: 'DownloadAnalyzer',
      precondition: { StringEquals: ['platformType', 'Linux'] },
      inputs: s3Source
        ? { sourceType: 'S3', sourceInfo: `{"path":"https://s3.${Aws.REGION}.${Aws.URL_SUFFIX}/${source.bucket!.bucketName}/${source.objectKey}"}`, destinationPath: `${DOWNLOAD_DIR}/` }
        : { sourceType: 'Git', sourceInfo: `{"repository":"${source.repositoryUrl}","getOptions":"commitID:${source.commit}"}`, destinationPath: DOWNLOAD_DIR },
    },
    linuxShell('InstallTracer', installScript({ sourceId, archiveKey: s3Source ? source.objectKey! : '' })),
    {
      action: 'aws:runDocument',
      name: 'InstallCloudWatchAgent',
      precondition: { StringEquals: ['platformType', 'Linux'] },
      inputs: {
        documentType: 'SSMDocument',
        documentPath: 'AWS-ConfigureAWSPackage',
        documentParameters: { action: 'Install', name: 'AmazonCloudWatchAgent' },
      },
    },
    linuxShell('ShipTrace', agentScript(parameterName)),
  ]);
}
