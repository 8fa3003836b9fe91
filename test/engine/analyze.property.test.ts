import { App, AspectPriority, Aspects, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as fc from 'fast-check';
import { EnforcementMode, Imdsv2Aspect } from '../../src';

// Property-based: random MetadataOptions shapes (literal, missing, parameter, Fn::If,
// wrong case, numbers as strings), written as props or as overrides, on instances and
// launch templates and launch configurations. REWRITE must never throw, never write an
// invalid value, and leave every resource compliant or annotated; REPORT must leave the
// template exactly as it was.

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
  type: fc.constantFrom('instance', 'template', 'launchConfiguration'),
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

/** Where each generated type keeps its metadata options. */
const OPTIONS_PATH: Record<string, string> = {
  instance: 'MetadataOptions',
  template: 'LaunchTemplateData.MetadataOptions',
  launchConfiguration: 'MetadataOptions',
};

type Spec = typeof resourceArb extends fc.Arbitrary<infer T> ? T : never;

/** An app with one resource per spec; returns the app and its stack. */
function build(specs: Spec[]): { app: App; stack: Stack } {
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
    const resource = spec.type === 'instance'
      ? new ec2.CfnInstance(stack, id, { imageId: 'ami-1' })
      : spec.type === 'template'
        ? new ec2.CfnLaunchTemplate(stack, id, { launchTemplateData: {} })
        : new autoscaling.CfnLaunchConfiguration(stack, id, { imageId: 'ami-1', instanceType: 't3.micro' });
    if (spec.asOverride || spec.wholeObjectIf) resource.addPropertyOverride(OPTIONS_PATH[spec.type], value);
    else if (resource instanceof ec2.CfnLaunchTemplate) resource.launchTemplateData = { metadataOptions: value as any };
    else resource.metadataOptions = value as any;
  });
  return { app, stack };
}

function optionsOf(r: any): any {
  return r.Type === 'AWS::EC2::LaunchTemplate' ? r.Properties?.LaunchTemplateData?.MetadataOptions : r.Properties?.MetadataOptions;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const specsArb = fc.array(resourceArb, { minLength: 1, maxLength: 4 });

describe('the aspect over random metadata options', () => {
  test('REWRITE never throws, writes only valid values, leaves each resource compliant or annotated', () => {
    fc.assert(fc.property(specsArb, (specs) => {
      const before = build(specs);
      const written = before.app.synth().getStackArtifact(before.stack.artifactId).template;
      const { app, stack } = build(specs);
      Aspects.of(app).add(new Imdsv2Aspect({ mode: EnforcementMode.REWRITE }), { priority: AspectPriority.MUTATING });

      const artifact = app.synth().getStackArtifact(stack.artifactId);
      const warned = new Set(artifact.messages.filter((m) => m.level === 'warning').map((m) => m.id.split('/')[2]));
      for (const [id, r] of Object.entries(artifact.template.Resources as Record<string, any>)) {
        const opts = optionsOf(r);
        const old = optionsOf(written.Resources[id]);
        const tokens = opts?.HttpTokens;
        const hop = opts?.HttpPutResponseHopLimit;
        // what the aspect writes is valid: tokens 'required'; with no host policy (the default) a
        // plain host's hop limit is only lowered from above the container maximum, to it (2),
        // so a limit of 2 or less (EC2's own for IMDSv2-only AMIs) is never changed
        if (!isIntrinsic(opts) && !same(tokens, old?.HttpTokens)) expect(tokens).toBe('required');
        if (!isIntrinsic(opts) && !same(hop, old?.HttpPutResponseHopLimit)) {
          expect(hop).toBe(2);
          expect(Number(old?.HttpPutResponseHopLimit)).toBeGreaterThan(2);
        }
        if (hop !== undefined && !isIntrinsic(hop)) {
          expect(Number(hop)).toBeGreaterThanOrEqual(1);
          expect(Number(hop)).toBeLessThanOrEqual(64);
        }
        // an endpoint is never switched on
        if (old?.HttpEndpoint === 'disabled') expect(opts.HttpEndpoint).toBe('disabled');
        // compliant, or annotated
        const compliant = !isIntrinsic(opts) && (tokens === 'required' || opts?.HttpEndpoint === 'disabled');
        if (!compliant) expect(warned).toContain(id);
      }
    }), { numRuns: 150 });
  });

  test('REPORT leaves the template exactly as written', () => {
    fc.assert(fc.property(specsArb, (specs) => {
      const before = build(specs);
      const written = before.app.synth().getStackArtifact(before.stack.artifactId).template;
      const { app, stack } = build(specs);
      Aspects.of(app).add(new Imdsv2Aspect({ mode: EnforcementMode.REPORT }), { priority: AspectPriority.MUTATING });
      expect(app.synth().getStackArtifact(stack.artifactId).template).toEqual(written);
    }), { numRuns: 60 });
  });
});
