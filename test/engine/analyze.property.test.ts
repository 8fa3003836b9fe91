import { App, AspectPriority, Aspects, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as fc from 'fast-check';
import { EnforcementMode, Imdsv2Aspect } from '../../src';

// Property-based: random MetadataOptions shapes (literal, missing, parameter, Fn::If,
// wrong case, numbers as strings), written as props or as overrides, on instances and
// launch templates. REWRITE must never throw, never emit an invalid value, and leave
// every resource compliant or annotated.

type Value = { kind: 'absent' } | { kind: 'literal'; value: string | number } | { kind: 'param' } | { kind: 'if' };

const tokensArb: fc.Arbitrary<Value> = fc.oneof(
  fc.constant<Value>({ kind: 'absent' }),
  fc.constantFrom<Value>({ kind: 'literal', value: 'optional' }, { kind: 'literal', value: 'required' }, { kind: 'literal', value: 'Optional' }),
  fc.constant<Value>({ kind: 'param' }),
  fc.constant<Value>({ kind: 'if' }),
);
const hopArb: fc.Arbitrary<Value> = fc.oneof(
  fc.constant<Value>({ kind: 'absent' }),
  fc.integer({ min: 1, max: 64 }).map<Value>((n) => ({ kind: 'literal', value: n })),
  fc.integer({ min: 1, max: 64 }).map<Value>((n) => ({ kind: 'literal', value: String(n) })),
  fc.constant<Value>({ kind: 'param' }),
);
const endpointArb: fc.Arbitrary<Value> = fc.oneof(
  fc.constant<Value>({ kind: 'absent' }),
  fc.constantFrom<Value>({ kind: 'literal', value: 'enabled' }, { kind: 'literal', value: 'disabled' }),
);
const resourceArb = fc.record({
  type: fc.constantFrom('instance', 'template'),
  tokens: tokensArb,
  hop: hopArb,
  endpoint: endpointArb,
  asOverride: fc.boolean(),
  wholeObjectIf: fc.boolean(),
});

function render(stack: Stack, id: string, v: Value, field: string): unknown {
  switch (v.kind) {
    case 'absent': return undefined;
    case 'literal': return v.value;
    case 'param': return new CfnParameter(stack, `${id}${field}`).valueAsString;
    case 'if': return Fn.conditionIf('SomeCondition', 'required', 'optional');
  }
}

function isIntrinsic(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.keys(v).length === 1 && /^(Ref|Fn::)/.test(Object.keys(v)[0]);
}

describe('REWRITE over random metadata options', () => {
  test('never throws, emits only valid values, leaves each resource compliant or annotated', () => {
    fc.assert(fc.property(fc.array(resourceArb, { minLength: 1, maxLength: 4 }), (specs) => {
      const app = new App();
      const stack = new Stack(app, 'S');
      specs.forEach((spec, i) => {
        const id = `R${i}`;
        const options: Record<string, unknown> = {
          HttpTokens: render(stack, id, spec.tokens, 'Tokens'),
          HttpPutResponseHopLimit: render(stack, id, spec.hop, 'Hop'),
          HttpEndpoint: render(stack, id, spec.endpoint, 'Endpoint'),
        };
        const value = spec.wholeObjectIf ? Fn.conditionIf('SomeCondition', options, { HttpTokens: 'optional' }) : options;
        const path = spec.type === 'instance' ? 'MetadataOptions' : 'LaunchTemplateData.MetadataOptions';
        const resource = spec.type === 'instance'
          ? new ec2.CfnInstance(stack, id, { imageId: 'ami-1' })
          : new ec2.CfnLaunchTemplate(stack, id, { launchTemplateData: {} });
        if (spec.asOverride || spec.wholeObjectIf) resource.addPropertyOverride(path, value);
        else if (resource instanceof ec2.CfnInstance) resource.metadataOptions = value as any;
        else resource.launchTemplateData = { metadataOptions: value as any };
      });
      Aspects.of(app).add(new Imdsv2Aspect({ mode: EnforcementMode.REWRITE }), { priority: AspectPriority.MUTATING });

      const artifact = app.synth().getStackArtifact(stack.artifactId);
      const warned = new Set(artifact.messages.filter((m) => m.level === 'warning').map((m) => m.id.split('/')[2]));
      for (const [id, r] of Object.entries(artifact.template.Resources as Record<string, any>)) {
        const opts = r.Type === 'AWS::EC2::Instance' ? r.Properties?.MetadataOptions : r.Properties?.LaunchTemplateData?.MetadataOptions;
        const tokens = opts?.HttpTokens;
        const hop = opts?.HttpPutResponseHopLimit;
        // valid values only
        if (tokens !== undefined && !isIntrinsic(tokens)) expect(['required', 'optional', 'Optional']).toContain(tokens);
        if (hop !== undefined && !isIntrinsic(hop)) {
          expect(Number(hop)).toBeGreaterThanOrEqual(1);
          expect(Number(hop)).toBeLessThanOrEqual(64);
        }
        // compliant, or annotated
        const compliant = !isIntrinsic(opts) && (tokens === 'required' || opts?.HttpEndpoint === 'disabled');
        if (!compliant) expect(warned).toContain(id);
      }
    }), { numRuns: 150 });
  });
});
