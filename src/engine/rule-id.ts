/**
 * The rule ids every front door reports: the aspect's annotations, the cdk-nag pack,
 * the policy-validation plugin and the `cdk-imdsv2 scan` CLI.
 *
 * Acknowledge one on a scope with `Imdsv2Rules.acknowledge(scope, id, reason)` or
 * `Validations.of(scope).acknowledge({ id, reason })`. Outside TypeScript use the string
 * constants of `Imdsv2Rules`: jsii passes this enum by member name (`HOP_LIMIT`), which is
 * not the rule id.
 */
export enum Imdsv2RuleId {
  /** IMDSv1 is reachable: tokens are not required and the endpoint is enabled. */
  TOKENS_REQUIRED = 'Imdsv2-TokensRequired',
  /**
   * The hop limit is outside policy: a container host not at containerHopLimit (default 2), a
   * plain host above hostHopLimit, or, with no hostHopLimit (the default), above
   * containerHopLimit; a plain host above 1 and at most that is an advisory warning.
   */
  HOP_LIMIT = 'Imdsv2-HopLimit',
  /** The settings cannot be decided at synth time (parameter, Fn::If, imported launch template). */
  UNVERIFIABLE = 'Imdsv2-Unverifiable',
  /** A consumer pins a launch template version that is not the compliant one. */
  STALE_VERSION = 'Imdsv2-StaleVersion',
  /** User data or cfn-init calls IMDS without a token and will break once IMDSv2 is required. */
  USER_DATA_V1 = 'Imdsv2-UserDataV1',
  /** The fix would replace or recreate a live resource, so it was not applied. */
  REPLACEMENT = 'Imdsv2-Replacement',
}
