import { Imdsv2DeployImpact } from './imdsv2-report';
import { Impact } from '../engine/model';

/** The engine's impact as the public enum (the same values; test/aspects checks that every one maps). */
export function deployImpactOf(impact: Impact): Imdsv2DeployImpact {
  const found = Object.values(Imdsv2DeployImpact).find((v) => v === (impact as string));
  if (found === undefined) throw new Error(`cdk-imdsv2: no Imdsv2DeployImpact for the engine's impact '${impact}'`);
  return found;
}
