import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { Imdsv2RuleId } from './engine/rule-id';

/**
 * The rule ids of every front door as plain strings, and a checked way to acknowledge one.
 *
 * jsii passes an enum to Python, Java, C# and Go by member name only, so
 * `Imdsv2RuleId.HOP_LIMIT` there is not the string `'Imdsv2-HopLimit'` that
 * `Validations.of(scope).acknowledge({ id })` needs. These constants are that string in
 * every language.
 *
 * @example
 * import { Imdsv2Rules } from 'cdk-imdsv2';
 *
 * declare const legacyFleet: Construct;
 * Imdsv2Rules.acknowledge(legacyFleet, Imdsv2Rules.TOKENS_REQUIRED, 'vendor agent reads IMDSv1 until 2027-06');
 */
export class Imdsv2Rules {
  /** IMDSv1 is reachable: tokens are not required and the endpoint is enabled. */
  public static readonly TOKENS_REQUIRED: string = Imdsv2RuleId.TOKENS_REQUIRED;
  /** The hop limit is outside policy (host default 1, container host default 2). */
  public static readonly HOP_LIMIT: string = Imdsv2RuleId.HOP_LIMIT;
  /** The settings cannot be decided at synth time (parameter, Fn::If, imported launch template). */
  public static readonly UNVERIFIABLE: string = Imdsv2RuleId.UNVERIFIABLE;
  /** A consumer pins a launch template version that is not the compliant one. */
  public static readonly STALE_VERSION: string = Imdsv2RuleId.STALE_VERSION;
  /** User data or cfn-init calls IMDS without a token and will break once IMDSv2 is required. */
  public static readonly USER_DATA_V1: string = Imdsv2RuleId.USER_DATA_V1;
  /** The fix would replace or recreate a live resource, so it was not applied. */
  public static readonly REPLACEMENT: string = Imdsv2RuleId.REPLACEMENT;

  /** Every rule id, in the order of the rule table. */
  public static all(): string[] {
    return Object.values(Imdsv2RuleId);
  }

  /**
   * Exempt `scope` and everything under it from one rule, in every front door (the aspect
   * then leaves it unchanged; Imdsv2Checks, Imdsv2Validator and `cdk-imdsv2 scan` do not
   * report it).
   *
   * It records `Validations.of(scope).acknowledge({ id: ruleId, reason })`, after checking
   * that `ruleId` is one of ours: a misspelt id would otherwise be recorded and exempt nothing.
   *
   * For Imdsv2Validator and `cdk-imdsv2 scan`, acknowledge on a stack or a construct inside
   * one: the cloud assembly does not record what is acknowledged on the App or a Stage.
   *
   * @param scope the construct (resource, L2 construct, stack, stage or app) to exempt
   * @param ruleId one of the rule ids, e.g. `Imdsv2Rules.TOKENS_REQUIRED`
   * @param reason why the finding is accepted; kept in the construct metadata and the report
   */
  public static acknowledge(scope: IConstruct, ruleId: string, reason: string): void {
    const valid = Imdsv2Rules.all();
    if (!valid.includes(ruleId)) {
      throw new Error(`'${ruleId}' is not a cdk-imdsv2 rule id: use one of ${valid.join(', ')}`);
    }
    Validations.of(scope).acknowledge({ id: ruleId, reason });
  }

  private constructor() {}
}
