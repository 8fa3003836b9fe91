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
}
