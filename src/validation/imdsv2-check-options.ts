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
   * The highest IMDS hop limit a plain host may have (Imdsv2-HopLimit).
   *
   * @default 1
   */
  readonly hostHopLimit?: number;

  /**
   * The hop limit a container host must have (EKS node groups and their launch templates,
   * Batch, Auto Scaling groups tagged for a cluster, ECS hosts, ImageBuilder): containers
   * reach IMDS through one more hop than the host (Imdsv2-HopLimit).
   *
   * @default 2
   */
  readonly containerHopLimit?: number;
}
