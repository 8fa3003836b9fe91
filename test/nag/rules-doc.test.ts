import * as fs from 'fs';
import * as path from 'path';
import { Imdsv2RuleId } from '../../src';
import { RULE_CATALOG } from '../../src/engine/rule-catalog';

describe('RULES.md', () => {
  const rulesMd = fs.readFileSync(path.join(__dirname, '..', '..', 'RULES.md'), 'utf8');
  const rows = rulesMd.split('\n').filter((l) => l.startsWith('| Imdsv2-'));

  test('GIVEN the rule catalog THEN it has one entry per Imdsv2RuleId, in the enum order', () => {
    expect(RULE_CATALOG.map((r) => r.id)).toEqual(Object.values(Imdsv2RuleId));
    for (const r of RULE_CATALOG) expect(`Imdsv2-${r.suffix}`).toBe(r.id);
  });

  test('GIVEN RULES.md THEN it has one row per rule with the severity, cause, explanation and fix the front doors report', () => {
    const esc = (t: string) => t.replace(/\|/g, '\\|');
    expect(rows).toEqual(RULE_CATALOG.map((r) => `| ${r.id} | ${r.severity} | ${esc(r.cause)} | ${esc(r.explanation)} | ${esc(r.fix)} |`));
  });
});
