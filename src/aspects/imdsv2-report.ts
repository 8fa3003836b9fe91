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
  /**
   * What the aspect did: `compliant` (nothing to do), `fixed`, `partly fixed`,
   * `reported` (warnings), `rejected` (errors) or `acknowledged`.
   */
  readonly action: string;
  /**
   * What the change does on deploy: `none`, `no interruption`, `new launch template
   * version`, `running instances keep old settings until refreshed` or `replacement`.
   */
  readonly impact: string;
  /** The rule ids it was found to break (fixed or not). */
  readonly ruleIds: string[];
}
