import { Imdsv2RuleId } from '../engine/rule-id';

/** What `Imdsv2Aspect` did with one IMDS-bearing resource. */
export enum Imdsv2Action {
  /** Nothing to do: compliant as written. */
  COMPLIANT = 'compliant',
  /** Fixed (REWRITE), through its own settings or what it launches from. */
  FIXED = 'fixed',
  /** Some findings fixed (REWRITE), others reported as warnings. */
  PARTLY_FIXED = 'partly fixed',
  /** Findings reported as warnings, nothing changed. */
  REPORTED = 'reported',
  /** Findings reported as errors (REJECT): synthesis fails. */
  REJECTED = 'rejected',
  /** What it breaks is acknowledged, on it or on what it launches from. */
  ACKNOWLEDGED = 'acknowledged',
  /** Open through what it launches from, whose own entry carries the findings (REPORT, REJECT). */
  OPEN_THROUGH_SOURCE = 'open (see what it launches from)',
}

/** What a change to an IMDS-bearing resource does when it is deployed. */
export enum Imdsv2DeployImpact {
  /** Nothing is changed. */
  NONE = 'none',
  /** An update with no interruption (an instance's MetadataOptions, ImageBuilder, SageMaker, AppStream, Beanstalk). */
  NO_INTERRUPTION = 'no interruption',
  /** The launch template gets a new version. */
  NEW_VERSION = 'new launch template version',
  /** New instances get the new settings; running instances keep theirs until refreshed. */
  REFRESH = 'running instances keep old settings until refreshed',
  /** The resource is replaced or recreated (only with `allowReplacement`). */
  REPLACEMENT = 'replacement',
}

/**
 * One IMDS-bearing resource in the report of `Imdsv2Aspect`.
 *
 * The aspect writes all of them to `imdsv2-report.json` in the cloud assembly, and
 * `Imdsv2Aspect.entries` returns them after synthesis.
 */
export interface Imdsv2ReportEntry {
  /** The construct path of the CfnResource. */
  readonly path: string;
  /** Its logical id in the template. */
  readonly logicalId: string;
  /** Its CloudFormation type, e.g. `AWS::EC2::Instance`. */
  readonly resourceType: string;
  /** Its IMDS settings as written, e.g. `tokens=optional hop=1`. */
  readonly before: string;
  /** Its IMDS settings in the synthesized template. */
  readonly after: string;
  /** What the aspect did. */
  readonly action: Imdsv2Action;
  /** What the change does on deploy (`NONE` when nothing was changed). */
  readonly impact: Imdsv2DeployImpact;
  /** The rule ids it was found to break (fixed or not). */
  readonly ruleIds: Imdsv2RuleId[];
}
