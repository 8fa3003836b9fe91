import { Imdsv2RuleId } from '../engine/rule-id';

/**
 * What the check-only front doors (`Imdsv2Checks`, `Imdsv2Validator`) check for.
 *
 * The hop limit policy is the same as `Imdsv2AspectProps`, so that a check agrees with
 * what the aspect would write.
 */
export interface Imdsv2CheckOptions {
  /**
   * The rules to check. Findings of other rules are not reported.
   *
   * @default - every rule of Imdsv2RuleId
   */
  readonly rules?: Imdsv2RuleId[];

  /**
   * The highest IMDS hop limit a plain host may have (Imdsv2-HopLimit): hosts above it are
   * reported. Set it to 1 to hold every plain host to 1, e.g. for AWS Control Tower's
   * CT.EC2.PR.2.
   *
   * Unset, there is no host policy, as in `Imdsv2AspectProps`: hosts above
   * `containerHopLimit` are reported (the aspect would lower them to it); a host above 1 and
   * at most `containerHopLimit` gets an advisory warning (hop limit 2 is what EC2 gives
   * instances of IMDSv2-only AMIs and what Docker's bridge network needs); an unset hop limit
   * is not reported.
   *
   * @default - no host policy: plain hosts are reported above `containerHopLimit`, and as advice above 1
   */
  readonly hostHopLimit?: number;

  /**
   * The hop limit a container host must have (EKS node groups and their launch templates,
   * Batch, Auto Scaling groups tagged for a cluster, ECS hosts, ImageBuilder): containers
   * reach IMDS through one more hop than the host (Imdsv2-HopLimit). While `hostHopLimit` is
   * unset it is also the most a plain host may have.
   *
   * @default 2
   */
  readonly containerHopLimit?: number;

  /**
   * Rule ids switched off for everything checked, e.g. `['Imdsv2-UserDataV1']`.
   *
   * A disabled rule counts as acknowledged on every resource, so nothing reports it (and it
   * is counted with the acknowledged findings). Unlike `rules`, which only filters what is
   * reported, it also wins over `rules`: a rule in both is off. Each id must be one of
   * `Imdsv2RuleId`'s values; an unknown id is an error listing the valid ones.
   *
   * @default - no rule is switched off
   */
  readonly disabledRules?: string[];

  /**
   * CloudFormation resource types left alone, e.g. `['AWS::SageMaker::NotebookInstance']`.
   *
   * Every rule counts as acknowledged on a resource of such a type, so nothing reports it.
   * Resources of other types that use it (an Auto Scaling group and its launch template) are
   * still judged on their own. Each type must be one cdk-imdsv2 checks (the table in the
   * README); an unknown type is an error listing them.
   *
   * @default - every IMDS-bearing resource type is checked
   */
  readonly ignoredResourceTypes?: string[];
}
