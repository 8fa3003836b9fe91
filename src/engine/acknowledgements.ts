/**
 * How every front door reads an acknowledgement: one parser, so that the aspect, the
 * cdk-nag pack, the validation plugin and the CLI agree on what exempts a resource.
 *
 * Pure: it only reads id strings. Where they come from is the caller's business (the
 * `aws:cdk:acknowledged-rules` construct metadata in the app or in the cloud assembly's
 * manifest, or cdk-nag's `Metadata.cdk_nag.rules_to_suppress[].id` in a template).
 *
 * What aws-cdk-lib records for `Validations.of(scope).acknowledge({ id, reason })`
 * changed between versions, so every form any supported version writes is accepted:
 *
 * - aws-cdk-lib 2.257 records a bare id as `annotation::Id` and keeps `Prefix::Id` as given;
 * - aws-cdk-lib 2.262.1 and later record a bare id, `annotation::Id` and
 *   `Construct-Annotations::Id` as `Annotation::Id`, and `Plugin Name::Id` as
 *   `Plugin-Name::Id` (spaces become hyphens).
 */

/** The metadata type under which aws-cdk-lib records acknowledgements (`Validations.ACKNOWLEDGED_RULES_METADATA_KEY`). */
export const ACKNOWLEDGED_RULES_METADATA = 'aws:cdk:acknowledged-rules';

/** The `name` of the `Imdsv2Checks` plugin (what its violations are reported under). */
export const IMDSV2_CHECKS_PLUGIN_NAME = 'Imdsv2';

/** The `name` of the `Imdsv2Validator` plugin. */
export const IMDSV2_VALIDATOR_PLUGIN_NAME = 'Imdsv2Validator';

/**
 * Namespaces that exempt a resource from our rules, compared case-insensitively with spaces
 * as hyphens. The annotation ones are what CDK writes for a bare id; the others name one of
 * our front doors, by class name or by the namespace aws-cdk-lib derives from the plugin's
 * `name`. Another plugin's namespace (`CfnGuardValidator::Imdsv2-…`) is not ours: a rule of
 * that name in another plugin is a different rule, and acknowledging it exempts nothing here.
 */
const ACCEPTED_NAMESPACES: ReadonlySet<string> = new Set([
  'annotation',
  'construct-annotations',
  'imdsv2checks',
  'imdsv2validator',
  IMDSV2_CHECKS_PLUGIN_NAME.toLowerCase(),
  IMDSV2_VALIDATOR_PLUGIN_NAME.toLowerCase(),
]);

const SEPARATOR = '::';

/**
 * The rule id that one recorded acknowledgement id exempts from, or undefined when it does
 * not exempt from any of ours (another plugin's namespace, or not an id at all).
 *
 * `Imdsv2-HopLimit`, `annotation::Imdsv2-HopLimit`, `Annotation::Imdsv2-HopLimit`,
 * `Construct-Annotations::Imdsv2-HopLimit`, `Imdsv2::Imdsv2-HopLimit`,
 * `Imdsv2Checks::Imdsv2-HopLimit` and `Imdsv2Validator::Imdsv2-HopLimit` all give
 * `Imdsv2-HopLimit`. The rule part is compared as written (rule ids are case-sensitive in
 * aws-cdk-lib too); only the namespace's capitalisation is free.
 */
export function acknowledgedRuleOf(recordedId: string): string | undefined {
  if (typeof recordedId !== 'string') return undefined;
  const id = recordedId.trim();
  const sep = id.indexOf(SEPARATOR);
  if (sep < 0) return id.length > 0 ? id : undefined;
  // aws-cdk-lib refuses a second '::' in an id: such a string names no rule.
  if (id.indexOf(SEPARATOR, sep + SEPARATOR.length) >= 0) return undefined;
  const namespace = id.slice(0, sep).replace(/ /g, '-').toLowerCase();
  const rule = id.slice(sep + SEPARATOR.length);
  return ACCEPTED_NAMESPACES.has(namespace) && rule.length > 0 ? rule : undefined;
}

/**
 * True when any of `recordedIds` (the keys of `aws:cdk:acknowledged-rules` metadata, or
 * cdk-nag suppression ids) acknowledges `ruleId`.
 *
 * @param recordedIds the ids as recorded, in any of the forms `acknowledgedRuleOf` accepts
 * @param ruleId one of our rule ids, e.g. `Imdsv2-TokensRequired`
 */
export function isRuleAcknowledged(recordedIds: Iterable<string>, ruleId: string): boolean {
  for (const id of recordedIds) if (acknowledgedRuleOf(id) === ruleId) return true;
  return false;
}

/**
 * The rule ids that `recordedIds` acknowledge, for callers that index acknowledgements once
 * (per construct, per construct path) and then ask many times.
 */
export function acknowledgedRules(recordedIds: Iterable<string>): Set<string> {
  const rules = new Set<string>();
  for (const id of recordedIds) {
    const rule = acknowledgedRuleOf(id);
    if (rule !== undefined) rules.add(rule);
  }
  return rules;
}
