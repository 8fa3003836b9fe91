import { App, Validations } from 'aws-cdk-lib';
import { Imdsv2Checks, Imdsv2Rules, Imdsv2Validator } from '../../src';
import { ACKNOWLEDGED_RULES_METADATA, acknowledgedRuleOf, acknowledgedRules, isRuleAcknowledged } from '../../src/engine/acknowledgements';
import { Imdsv2RuleId } from '../../src/engine/rule-id';

const RULE = Imdsv2RuleId.HOP_LIMIT;

describe('the acknowledgement parser', () => {
  test('reads the metadata type aws-cdk-lib records acknowledgements under', () => {
    expect(ACKNOWLEDGED_RULES_METADATA).toBe(Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
  });

  test.each([
    ['bare', RULE],
    ['annotation:: (aws-cdk-lib 2.257)', `annotation::${RULE}`],
    ['Annotation:: (aws-cdk-lib >= 2.262.1)', `Annotation::${RULE}`],
    ['ANNOTATION::', `ANNOTATION::${RULE}`],
    ['Construct-Annotations::', `Construct-Annotations::${RULE}`],
    ['Construct Annotations:: (as written, before aws-cdk-lib hyphenates it)', `Construct Annotations::${RULE}`],
    ['Imdsv2Checks::', `Imdsv2Checks::${RULE}`],
    ['Imdsv2Validator::', `Imdsv2Validator::${RULE}`],
    ["the checks plugin's name", `${new Imdsv2Checks(new App()).name}::${RULE}`],
    ["the validator plugin's name", `${new Imdsv2Validator().name}::${RULE}`],
  ])('GIVEN %s THEN the rule is acknowledged', (_form, recorded) => {
    expect(acknowledgedRuleOf(recorded)).toBe(RULE);
    expect(isRuleAcknowledged([recorded], RULE)).toBe(true);
    expect(isRuleAcknowledged([recorded], Imdsv2RuleId.TOKENS_REQUIRED)).toBe(false);
  });

  test.each([
    ["another plugin's namespace", `CfnGuardValidator::${RULE}`],
    ['a nag pack of another name', `AwsSolutions::${RULE}`],
    ['another rule', `Annotation::${Imdsv2RuleId.TOKENS_REQUIRED}`],
    ['the rule id in another capitalisation', RULE.toLowerCase()],
    ['two namespaces (aws-cdk-lib refuses those)', `Annotation::Imdsv2::${RULE}`],
    ['an empty namespace', `::${RULE}`],
    ['a namespace only', 'Annotation::'],
    ['nothing', ''],
  ])('GIVEN %s THEN the rule is not acknowledged', (_form, recorded) => {
    expect(isRuleAcknowledged([recorded], RULE)).toBe(false);
  });

  test('GIVEN several recorded ids THEN each names its rule, and ids of others are dropped', () => {
    expect([...acknowledgedRules([`Annotation::${RULE}`, Imdsv2RuleId.UNVERIFIABLE, `Other::${Imdsv2RuleId.REPLACEMENT}`])])
      .toEqual([RULE, Imdsv2RuleId.UNVERIFIABLE]);
    expect(isRuleAcknowledged([], RULE)).toBe(false);
  });
});

describe('Imdsv2Rules', () => {
  test('has one constant per rule id, equal to the id string every front door reports', () => {
    expect([
      Imdsv2Rules.TOKENS_REQUIRED, Imdsv2Rules.HOP_LIMIT, Imdsv2Rules.UNVERIFIABLE,
      Imdsv2Rules.STALE_VERSION, Imdsv2Rules.USER_DATA_V1, Imdsv2Rules.REPLACEMENT,
    ]).toEqual(Object.values(Imdsv2RuleId));
    expect(Imdsv2Rules.all()).toEqual(Object.values(Imdsv2RuleId));
  });

  test('GIVEN an id that is not ours THEN acknowledge throws naming it and the valid ids, and records nothing', () => {
    const app = new App();
    expect(() => Imdsv2Rules.acknowledge(app, 'HOP_LIMIT', 'x')).toThrow(
      "'HOP_LIMIT' is not a cdk-imdsv2 rule id: use one of Imdsv2-TokensRequired, Imdsv2-HopLimit, Imdsv2-Unverifiable, "
      + 'Imdsv2-StaleVersion, Imdsv2-UserDataV1, Imdsv2-Replacement');
    expect(app.node.metadata.filter((m) => m.type === ACKNOWLEDGED_RULES_METADATA)).toEqual([]);
  });

  test('GIVEN a rule id THEN acknowledge records it as Validations.acknowledge does, with the reason', () => {
    const app = new App();
    Imdsv2Rules.acknowledge(app, Imdsv2Rules.HOP_LIMIT, 'docker-in-docker');
    const recorded = app.node.metadata.filter((m) => m.type === ACKNOWLEDGED_RULES_METADATA).flatMap((m) => Object.entries(m.data));
    expect(recorded).toHaveLength(1);
    expect(acknowledgedRuleOf(recorded[0][0])).toBe(RULE);
    expect(recorded[0][1]).toBe('docker-in-docker');
  });
});
