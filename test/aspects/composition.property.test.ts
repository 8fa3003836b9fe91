import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ResourceImpact, fullDiff } from '@aws-cdk/cloudformation-diff';
import { App, Aspects, Fn, IAspect, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct, IConstruct } from 'constructs';
import * as fc from 'fast-check';
import { EnforcementMode, Imdsv2Aspect } from '../../src';

// Property-based composition: random apps (stacks at top level, in a Stage, in a Stage in a
// Stage, resources in a NestedStack), random IMDS settings on instances and launch templates,
// consumers that follow a template's latest version in any form, aws-cdk-lib's own IMDS
// aspect, later aspects that reopen instances or add a consumer. Each app is built twice,
// without the aspect (the baseline) and with Imdsv2Aspect.applyTo(app, { mode }), and the
// synthesized output (every template of every nested assembly, nested stack templates too)
// is checked against the baseline with an oracle computed here from the template JSON.

const ENV = { account: '111111111111', region: 'eu-west-1' };
const SEED = 20261203;
const NUM_RUNS = 25;

type Tokens = 'optional' | 'required' | undefined;
type Version = 'latest' | 'pinned' | 'sub';
type Res =
  | { kind: 'instance'; tokens: Tokens }
  | { kind: 'lt'; l2: boolean; tokens: Tokens }
  /** Follows the last template of its stack; with none yet, one of its own with `ltTokens`. */
  | { kind: 'consumer'; type: 'instance' | 'asg'; version: Version; tokens: Tokens; ltTokens: Tokens };
interface StackSpec { where: 'app' | 'stage' | 'stage2'; nested: boolean; resources: Res[] }
interface AppSpec {
  stacks: StackSpec[];
  builtin: boolean;
  reopen: boolean;
  late: boolean;
}

const tokensArb = fc.constantFrom<Tokens>('optional', 'required', undefined);
const resArb: fc.Arbitrary<Res> = fc.oneof(
  fc.record({ kind: fc.constant<'instance'>('instance'), tokens: tokensArb }),
  fc.record({ kind: fc.constant<'lt'>('lt'), l2: fc.boolean(), tokens: tokensArb }),
  fc.record({
    kind: fc.constant<'consumer'>('consumer'),
    type: fc.constantFrom<'instance' | 'asg'>('instance', 'asg'),
    version: fc.constantFrom<Version>('latest', 'pinned', 'sub'),
    tokens: tokensArb,
    ltTokens: tokensArb,
  }),
);
const stackArb: fc.Arbitrary<StackSpec> = fc.record({
  where: fc.constantFrom<'app' | 'stage' | 'stage2'>('app', 'stage', 'stage2'),
  nested: fc.boolean(),
  resources: fc.array(resArb, { minLength: 1, maxLength: 4 }),
});
const anyAppArb: fc.Arbitrary<AppSpec> = fc.record({
  stacks: fc.array(stackArb, { minLength: 1, maxLength: 3 }),
  builtin: fc.boolean(),
  reopen: fc.boolean(),
  late: fc.boolean(),
});

/** The same app with every token 'required' and nothing reopening it (a consumer may rely on its template). */
function closed(spec: AppSpec): AppSpec {
  return {
    ...spec,
    reopen: false,
    stacks: spec.stacks.map((s) => ({
      ...s,
      resources: s.resources.map((r): Res => r.kind === 'consumer'
        ? { ...r, tokens: r.tokens === undefined ? undefined : 'required', ltTokens: 'required' }
        : { ...r, tokens: 'required' }),
    })),
  };
}

// Random apps are nearly always open somewhere; a third are closed, so that "no error" is tried too.
const appArb: fc.Arbitrary<AppSpec> = fc.oneof({ arbitrary: anyAppArb, weight: 2 }, { arbitrary: anyAppArb.map(closed), weight: 1 });

/** Sets every instance's HttpTokens back to optional (default priority: after Imdsv2Aspect). */
class ReopenInstances implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof ec2.CfnInstance) node.addPropertyOverride('MetadataOptions.HttpTokens', 'optional');
  }
}

/** Adds, once, an instance that follows `lt`'s latest version (default priority). */
class AddLateConsumer implements IAspect {
  private added = false;
  constructor(private readonly lt: ec2.CfnLaunchTemplate) {}
  public visit(): void {
    if (this.added) return;
    this.added = true;
    new ec2.CfnInstance(this.lt.stack, 'LateBox', {
      imageId: 'ami-1', launchTemplate: { launchTemplateId: this.lt.ref, version: this.lt.attrLatestVersionNumber },
    });
  }
}

function versionOf(lt: ec2.CfnLaunchTemplate, v: Version): string {
  switch (v) {
    case 'latest': return lt.attrLatestVersionNumber;
    case 'pinned': return '1';
    case 'sub': return Fn.sub('${' + lt.stack.getLogicalId(lt) + '.LatestVersionNumber}');
  }
}

function metadata(tokens: Tokens): ec2.CfnInstance.MetadataOptionsProperty | undefined {
  return tokens === undefined ? undefined : { httpTokens: tokens };
}

/** Builds the app of `spec`; with `mode`, applies the aspect once every Stage exists. */
function build(spec: AppSpec, mode: EnforcementMode | undefined): { app: App; aspect?: Imdsv2Aspect } {
  const app = new App({
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'imdsv2-prop-')),
    context: { [cxapi.PATH_METADATA_ENABLE_CONTEXT]: true },
  });
  const stages: Stage[] = [];
  let prod: Stage | undefined;
  let inner: Stage | undefined;
  const parentOf = (where: StackSpec['where']): Construct => {
    if (where === 'app') return app;
    if (where === 'stage') {
      if (!prod) stages.push(prod = new Stage(app, 'Prod'));
      return prod;
    }
    if (!inner) {
      const outer = new Stage(app, 'Outer');
      stages.push(outer, inner = new Stage(outer, 'Inner'));
    }
    return inner;
  };
  const templates: ec2.CfnLaunchTemplate[] = [];
  spec.stacks.forEach((s, si) => {
    const stack = new Stack(parentOf(s.where), `S${si}`, { env: ENV });
    const scope: Construct = s.nested ? new NestedStack(stack, 'Nested') : stack;
    let lastLt: ec2.CfnLaunchTemplate | undefined;
    s.resources.forEach((r, ri) => {
      const id = `R${ri}`;
      switch (r.kind) {
        case 'instance':
          new ec2.CfnInstance(scope, id, { imageId: 'ami-1', metadataOptions: metadata(r.tokens) });
          return;
        case 'lt':
          if (r.l2) {
            const l2 = new ec2.LaunchTemplate(scope, id, {
              httpTokens: r.tokens === undefined ? undefined
                : r.tokens === 'required' ? ec2.LaunchTemplateHttpTokens.REQUIRED : ec2.LaunchTemplateHttpTokens.OPTIONAL,
            });
            lastLt = l2.node.defaultChild as ec2.CfnLaunchTemplate;
          } else {
            lastLt = new ec2.CfnLaunchTemplate(scope, id, {
              launchTemplateData: { instanceType: 't3.micro', metadataOptions: metadata(r.tokens) },
            });
          }
          templates.push(lastLt);
          return;
        case 'consumer': {
          if (!lastLt) {
            lastLt = new ec2.CfnLaunchTemplate(scope, `${id}Lt`, {
              launchTemplateData: { instanceType: 't3.micro', metadataOptions: metadata(r.ltTokens) },
            });
            templates.push(lastLt);
          }
          const launchTemplate = { launchTemplateId: lastLt.ref, version: versionOf(lastLt, r.version) };
          if (r.type === 'instance') {
            new ec2.CfnInstance(scope, id, { imageId: 'ami-1', launchTemplate, metadataOptions: metadata(r.tokens) });
          } else {
            new autoscaling.CfnAutoScalingGroup(scope, id, { minSize: '1', maxSize: '1', availabilityZones: ['a'], launchTemplate });
          }
          return;
        }
      }
    });
  });
  const scopes: IConstruct[] = [app, ...stages];
  if (spec.builtin) for (const s of scopes) Aspects.of(s).add(new ec2.LaunchTemplateRequireImdsv2Aspect());
  if (spec.reopen) for (const s of scopes) Aspects.of(s).add(new ReopenInstances());
  // the late consumer is added by an aspect of the Stage the template is synthesized in
  if (spec.late && templates.length > 0) Aspects.of(Stage.of(templates[0])!).add(new AddLateConsumer(templates[0]));
  if (mode === undefined) return { app };
  return { app, aspect: Imdsv2Aspect.applyTo(app, { mode }) };
}

interface Message { level: string; id: string; text: string }
interface Output {
  /** Template file text, by path relative to the App's assembly (nested assemblies, nested stacks). */
  templates: Map<string, string>;
  messages: Message[];
}

function collect(app: App): Output {
  const templates = new Map<string, string>();
  const messages: Message[] = [];
  const walk = (assembly: cxapi.CloudAssembly, rel: string) => {
    for (const file of fs.readdirSync(assembly.directory)) {
      const full = path.join(assembly.directory, file);
      if (file.endsWith('.template.json') && fs.statSync(full).isFile()) templates.set(path.join(rel, file), fs.readFileSync(full, 'utf-8'));
    }
    for (const artifact of assembly.stacks) {
      for (const m of artifact.messages) messages.push({ level: m.level, id: m.id, text: String(m.entry.data) });
    }
    for (const nested of assembly.nestedAssemblies) walk(nested.nestedAssembly, path.join(rel, nested.directoryName));
  };
  walk(app.synth(), '.');
  return { templates, messages };
}

type Resources = Record<string, any>;
const resourcesOf = (text: string): Resources => JSON.parse(text).Resources ?? {};
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The launch template logical id `ref` names with Ref, if any. */
function refOf(ref: unknown): string | undefined {
  return typeof ref === 'object' && ref !== null && 'Ref' in ref ? String((ref as any).Ref) : undefined;
}

/** The launch template whose LatestVersionNumber `version` follows, in any form, if any. */
function followedBy(version: unknown): string | undefined {
  if (typeof version !== 'object' || version === null) return undefined;
  const getAtt = (version as any)['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[1] === 'LatestVersionNumber') return getAtt[0];
  const sub = (version as any)['Fn::Sub'];
  const m = typeof sub === 'string' ? /^\$\{([A-Za-z0-9]+)\.LatestVersionNumber\}$/.exec(sub) : undefined;
  return m?.[1];
}

const ltTokens = (r: any): unknown => r?.Properties?.LaunchTemplateData?.MetadataOptions?.HttpTokens;
const ownTokens = (r: any): unknown => r?.Properties?.MetadataOptions?.HttpTokens;

/** Resources that let IMDSv1 in, read from one template (oracle, no acknowledgements in play). */
function openResources(resources: Resources): string[] {
  const open: string[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::EC2::LaunchTemplate' && ltTokens(r) !== 'required') open.push(id);
    if (r.Type === 'AWS::EC2::Instance') {
      const own = ownTokens(r);
      if (own === 'required') continue;
      const lt = refOf(r.Properties?.LaunchTemplate?.LaunchTemplateId);
      if (own !== undefined || lt === undefined || ltTokens(resources[lt]) !== 'required') open.push(id);
    }
  }
  return open;
}

function errorsOf(out: Output): Message[] {
  return out.messages.filter((m) => m.level === 'error');
}

function describeSpec(spec: AppSpec): string {
  return JSON.stringify(spec);
}

describe('Imdsv2Aspect over random composed apps', () => {
  // REPORT keeps every template; REJECT keeps them and errors exactly when the baseline is
  // open; REWRITE replaces nothing and leaves every instance and template closed or warned.
  test.each([[EnforcementMode.REPORT], [EnforcementMode.REJECT], [EnforcementMode.REWRITE]])('%s', (mode) => {
    fc.assert(fc.property(appArb, (spec) => {
      const baseline = collect(build(spec, undefined).app);
      const out = collect(build(spec, mode).app);
      const ctx = `mode ${mode}: ${describeSpec(spec)}`;

      expect([...out.templates.keys()].sort()).toEqual([...baseline.templates.keys()].sort());

      if (mode === EnforcementMode.REPORT || mode === EnforcementMode.REJECT) {
        for (const [file, text] of baseline.templates) {
          if (out.templates.get(file) !== text) throw new Error(`${mode} changed ${file}\n${ctx}`);
        }
      }

      if (mode === EnforcementMode.REJECT) {
        const open = [...baseline.templates.values()].flatMap((t) => openResources(resourcesOf(t)));
        const errors = errorsOf(out);
        if (open.length > 0 && errors.length === 0) throw new Error(`REJECT: open baseline (${open.join(', ')}) but no error\n${ctx}`);
        if (open.length === 0 && errors.length > 0) {
          throw new Error(`REJECT: closed baseline but errors: ${errors.map((e) => `${e.id}: ${e.text}`).join('\n')}\n${ctx}`);
        }
      }

      if (mode === EnforcementMode.REWRITE) {
        for (const [file, text] of out.templates) {
          const before = JSON.parse(baseline.templates.get(file)!);
          const after = JSON.parse(text);
          fullDiff(before, after).resources.forEachDifference((id, change) => {
            if (change.changeImpact === ResourceImpact.WILL_REPLACE || change.changeImpact === ResourceImpact.MAY_REPLACE) {
              throw new Error(`REWRITE replaces ${file} ${id} (${change.changeImpact})\n${ctx}`);
            }
          });
          const resources: Resources = after.Resources ?? {};
          const was: Resources = before.Resources ?? {};
          const warned = (r: any) => {
            const at = '/' + r.Metadata?.['aws:cdk:path'];
            return out.messages.some((m) => m.level === 'warning' && m.id === at && /Imdsv2-/.test(m.text));
          };
          for (const [id, r] of Object.entries(resources)) {
            // the hidden cascade: an instance that follows a template's latest version is replaced
            // when the template's data changes
            if (r.Type === 'AWS::EC2::Instance') {
              const followed = followedBy(r.Properties?.LaunchTemplate?.Version);
              const data = (rs: any) => rs[followed!]?.Properties?.LaunchTemplateData;
              if (followed !== undefined && !same(data(resources), data(was))) {
                throw new Error(`REWRITE changed ${file} ${followed}, followed by instance ${id}\n${ctx}`);
              }
            }
            if (r.Type !== 'AWS::EC2::Instance' && r.Type !== 'AWS::EC2::LaunchTemplate') continue;
            if (openResources(resources).includes(id) && !warned(r)) {
              throw new Error(`REWRITE left ${file} ${r.Type} ${id} open and unwarned: ${JSON.stringify(r.Properties)}\n${ctx}`);
            }
          }
        }
        // no rewritten output is ever an error
        expect(errorsOf(out)).toEqual([]);
      }
    }), { numRuns: NUM_RUNS, seed: SEED });
  });
});
