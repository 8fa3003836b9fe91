import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The rule ids acknowledged with `Validations.of(c).acknowledge()` on `c` itself, with their reasons. */
export function acknowledgedOn(c: IConstruct): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)) {
    Object.assign(out, entry.data);
  }
  return out;
}
