import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AspectPriority, Aspects, CfnElement, CfnParameter, CfnResource, IResolvable, IResolveContext, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { IConstruct } from 'constructs';
import { EnforcementMode, Imdsv2Aspect } from '../../src';

// src/private/render-resource.ts reads aws-cdk-lib internals for speed. An aws-cdk-lib
// release that changes one must cost speed and one warning, not synthesis: here each
// internal is hidden in turn from that file only (aws-cdk-lib itself still uses it, as it
// would use its renamed version), and every app must synthesize to the same templates.

const WARNING_ID = '@cdk-imdsv2/private:awsCdkLibInternalsChanged';

/** Whether the code reading right now is render-resource.ts (the getter's caller). */
function readByRenderResource(): boolean {
  return (new Error().stack ?? '').split('\n').slice(2, 5).some((l) => l.includes(`private${path.sep}render-resource`));
}

/** How often render-resource.ts was refused an internal: proves the hiding reached it. */
let refused = 0;

/** Makes `obj[key]` read as undefined from render-resource.ts only; returns the undo. */
function hideFromRenderResource(obj: object, key: string): () => void {
  const own = Object.getOwnPropertyDescriptor(obj, key);
  let value = own && 'value' in own ? own.value : (obj as any)[key];
  Object.defineProperty(obj, key, {
    configurable: true,
    get() {
      if (readByRenderResource()) {
        refused++;
        return undefined;
      }
      return value;
    },
    set(v) { value = v; },
  });
  return () => {
    if (own) Object.defineProperty(obj, key, { ...own, ...('value' in own ? { value } : {}) });
    else delete (obj as any)[key];
  };
}

/**
 * A cached lazy of an aws-cdk-lib that renamed the fields of its Lazy: it caches, as
 * aws-cdk-lib's does, in fields render-resource.ts does not know.
 */
class RenamedCachedLazy implements IResolvable {
  public readonly creationStack: string[] = [];
  private memo: { value: unknown } | undefined = undefined;
  public constructor(private readonly make: { produce(context: IResolveContext): unknown }) {}
  public resolve(context: IResolveContext): unknown {
    if (this.memo === undefined) this.memo = { value: this.make.produce(context) };
    return this.memo.value;
  }
  public toString() { return Token.asString(this); }
}

/** Lazy.string/any/list/number build RenamedCachedLazy tokens (aws-cdk-lib's L2s use them too). */
function renameLazyFields(): () => void {
  const spies = [
    jest.spyOn(Lazy, 'string').mockImplementation((p: any) => Token.asString(new RenamedCachedLazy(p))),
    jest.spyOn(Lazy, 'any').mockImplementation((p: any) => new RenamedCachedLazy(p)),
    jest.spyOn(Lazy, 'list').mockImplementation((p: any) => Token.asList(new RenamedCachedLazy(p))),
    jest.spyOn(Lazy, 'number').mockImplementation((p: any) => Token.asNumber(new RenamedCachedLazy(p))),
  ];
  return () => spies.forEach((s) => s.mockRestore());
}

/** Known CloudFormation intrinsics: a stricter renderProperties would reject any other `Fn::` key. */
const KNOWN_INTRINSICS = new Set(['Ref', 'Fn::Base64', 'Fn::Cidr', 'Fn::FindInMap', 'Fn::GetAtt', 'Fn::GetAZs', 'Fn::ImportValue',
  'Fn::Join', 'Fn::Select', 'Fn::Split', 'Fn::Sub', 'Fn::Transform', 'Fn::And', 'Fn::Equals', 'Fn::If', 'Fn::Not', 'Fn::Or', 'Fn::Length', 'Fn::ToJsonString']);

function holdsUnknownIntrinsic(x: unknown): boolean {
  if (Array.isArray(x)) return x.some(holdsUnknownIntrinsic);
  if (typeof x !== 'object' || x === null) return false;
  const keys = Object.keys(x);
  if (keys.length === 1 && keys[0].startsWith('Fn::') && !KNOWN_INTRINSICS.has(keys[0])) return true;
  return Object.values(x).some(holdsUnknownIntrinsic);
}

/** Each resource's renderProperties throws on an intrinsic it does not know (render-resource's markers). */
function rejectMarkers(resources: CfnResource[]): () => void {
  const undo = resources.map((r) => {
    const render = (r as any).renderProperties;
    (r as any).renderProperties = function (props: Record<string, unknown>) {
      if (holdsUnknownIntrinsic(props)) {
        refused++;
        throw new Error('unknown intrinsic');
      }
      return render.call(this, props);
    };
    return () => { delete (r as any).renderProperties; };
  });
  return () => undo.forEach((u) => u());
}

type Breakage = 'none' | '_toCloudFormation' | 'rawOverrides' | '_toCloudFormation and rawOverrides' | '_synthesizeLogicalId' | 'lazy fields' | 'markers';

/** What an app is built into: its CfnResources when the app is complete, before synthesis. */
interface Built { readonly app: App }

/**
 * A raw launch template whose whole Properties section is a token override: the one form the
 * pruned render hands to the whole render (`_toCloudFormation()`), so that hiding that
 * internal is felt in every app (overrides of read properties are merged by the pruned render).
 */
function launchTemplateWithTokenProperties(stack: Stack): void {
  const lt = new ec2.CfnLaunchTemplate(stack, 'TokenProps', { launchTemplateData: { instanceType: 't3.micro' } });
  lt.addOverride('Properties', Lazy.any({ produce: () => ({ LaunchTemplateData: { MetadataOptions: { HttpTokens: 'optional' } } }) }));
}

/** Three representative apps. Each call builds a fresh one. */
const APPS: Record<string, () => Built> = {
  'L2 instance with user data (a cached Lazy) and a later aspect adding a line': () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], publicSubnetIds: ['subnet-1'], privateSubnetIds: ['subnet-2'],
    });
    const instance = new ec2.Instance(stack, 'I', {
      vpc, instanceType: new ec2.InstanceType('t3.micro'), machineImage: ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-1' }),
    });
    instance.userData.addCommands('curl http://169.254.169.254/latest/meta-data/');
    Aspects.of(app).add(new Imdsv2Aspect({ mode: EnforcementMode.REWRITE }), { priority: AspectPriority.MUTATING });
    // runs after ours: if our read froze the user data, this line would be lost
    Aspects.of(stack).add({ visit: (c: IConstruct) => { if (c === instance) instance.userData.addCommands('echo hardened'); } });
    launchTemplateWithTokenProperties(stack);
    return { app };
  },
  'L1s with overrides, across two stacks': () => {
    const app = new App();
    const a = new Stack(app, 'A');
    const lt = new ec2.CfnLaunchTemplate(a, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' }, instanceType: 't3.micro' } });
    lt.addPropertyOverride('LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit', 3);
    const b = new Stack(app, 'B');
    new autoscaling.CfnAutoScalingGroup(b, 'Asg', {
      minSize: '1',
      maxSize: '2',
      availabilityZones: ['a'],
      launchTemplate: { launchTemplateId: lt.ref, version: lt.attrLatestVersionNumber },
    });
    const fixed = new ec2.CfnInstance(b, 'Fixed', { imageId: 'ami-1', metadataOptions: { httpTokens: 'optional' } });
    fixed.addPropertyOverride('MetadataOptions.HttpTokens', 'required'); // the override decides
    const open = new ec2.CfnInstance(b, 'Open', { imageId: 'ami-1', metadataOptions: { httpTokens: 'required' } });
    open.addPropertyOverride('MetadataOptions', { HttpTokens: 'optional', HttpEndpoint: 'enabled' });
    open.addPropertyDeletionOverride('ImageId');
    // a logical id of its own, named in its warning (tokens from a parameter: unverifiable)
    const tokens = new CfnParameter(b, 'Tokens').valueAsString;
    new ec2.CfnInstance(b, 'Renamed', { imageId: 'ami-1', metadataOptions: { httpTokens: tokens } }).overrideLogicalId('RenamedByUser');
    Aspects.of(app).add(new Imdsv2Aspect({ mode: EnforcementMode.REWRITE }), { priority: AspectPriority.MUTATING });
    return { app };
  },
  'CfnInclude of a template with an instance, a launch template and a launch configuration': () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'internals-fallback-'));
    const file = path.join(dir, 'template.json');
    fs.writeFileSync(file, JSON.stringify({
      Resources: {
        Lt: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'optional' } } } },
        Inst: { Type: 'AWS::EC2::Instance', Properties: { ImageId: 'ami-1', LaunchTemplate: { LaunchTemplateId: { Ref: 'Lt' }, Version: { 'Fn::GetAtt': ['Lt', 'LatestVersionNumber'] } } } },
        Lc: { Type: 'AWS::AutoScaling::LaunchConfiguration', Properties: { ImageId: 'ami-1', InstanceType: 't3.micro', UserData: { 'Fn::Base64': 'curl http://169.254.169.254/' } } },
        Asg: { Type: 'AWS::AutoScaling::AutoScalingGroup', Properties: { MinSize: '1', MaxSize: '1', AvailabilityZones: ['a'], LaunchConfigurationName: { Ref: 'Lc' } } },
      },
    }));
    const app = new App();
    const stack = new Stack(app, 'Included');
    const included = new CfnInclude(stack, 'T', { templateFile: file });
    included.getResource('Lc').addPropertyOverride('MetadataOptions.HttpPutResponseHopLimit', 2);
    launchTemplateWithTokenProperties(stack);
    Aspects.of(app).add(new Imdsv2Aspect({ mode: EnforcementMode.REWRITE }), { priority: AspectPriority.MUTATING });
    return { app };
  },
};

interface Synthesis {
  readonly templates: Record<string, unknown>;
  readonly messages: string[];
  readonly fallbackWarnings: number;
  readonly fallbackTexts: string[];
}

function synthesize(build: () => Built, breakage: Breakage): Synthesis {
  refused = 0;
  const undo: Array<() => void> = [];
  try {
    if (breakage === 'lazy fields') undo.push(renameLazyFields());
    const { app } = build();
    const resources = app.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
    if (breakage === '_toCloudFormation' || breakage === '_toCloudFormation and rawOverrides') {
      undo.push(hideFromRenderResource(CfnResource.prototype, '_toCloudFormation'));
    }
    if (breakage === 'rawOverrides' || breakage === '_toCloudFormation and rawOverrides') {
      for (const r of resources) undo.push(hideFromRenderResource(r, 'rawOverrides'));
    }
    if (breakage === '_synthesizeLogicalId') undo.push(hideFromRenderResource(CfnElement.prototype, '_synthesizeLogicalId'));
    if (breakage === 'markers') undo.push(rejectMarkers(resources));
    const assembly = app.synth();
    const templates: Record<string, unknown> = {};
    const messages: string[] = [];
    let fallbackWarnings = 0;
    const fallbackTexts: string[] = [];
    for (const s of assembly.stacks) {
      templates[s.stackName] = s.template;
      for (const m of s.messages) {
        const text = String(m.entry.data);
        if (text.includes(WARNING_ID)) {
          fallbackWarnings++;
          fallbackTexts.push(text);
        } else {messages.push(`${m.level} ${m.id} ${text}`.replace(/cdk\.out\w+/g, 'cdk.out'));}
      }
    }
    return { templates, messages, fallbackWarnings, fallbackTexts };
  } finally {
    undo.reverse().forEach((u) => u());
  }
}

describe('render-resource falls back to the public path when an aws-cdk-lib internal it reads is gone', () => {
  // The markers are rendered once per L1 class and process (the names they give are kept),
  // so a class rendered before would never show them to the rejecting renderProperties:
  // every app is synthesized with markers rejected first, before anything else in this file.
  describe('GIVEN markers rejected by renderProperties', () => {
    const broken: Record<string, { got: Synthesis; refused: number }> = {};
    beforeAll(() => {
      for (const [name, build] of Object.entries(APPS)) {
        const got = synthesize(build, 'markers');
        broken[name] = { got, refused };
      }
    });
    test.each(Object.keys(APPS))('%s: the same templates and messages, and one warning for the app', (name) => {
      const want = synthesize(APPS[name], 'none');
      const { got, refused: refusedThere } = broken[name];
      expect(refusedThere).toBeGreaterThan(0);
      expect(got.templates).toEqual(want.templates);
      expect(got.messages).toEqual(want.messages);
      expect(got.fallbackWarnings).toBe(1);
    });
  });

  describe.each(Object.entries(APPS))('%s', (_, build) => {
    const expected = () => synthesize(build, 'none');

    test('with every internal there: no warning', () => {
      expect(expected().fallbackWarnings).toBe(0);
    });

    test.each<Breakage>(['_toCloudFormation', 'rawOverrides', '_synthesizeLogicalId', 'lazy fields'])(
      'GIVEN %s hidden THEN the same templates and messages, and one warning for the app', (breakage) => {
        // GIVEN / WHEN
        const want = expected();
        const got = synthesize(build, breakage);
        // THEN the internal was really refused to render-resource.ts
        if (breakage !== 'lazy fields') expect(refused).toBeGreaterThan(0);
        expect(got.templates).toEqual(want.templates);
        expect(got.messages).toEqual(want.messages);
        expect(got.fallbackWarnings).toBe(1);
      });
  });

  test('GIVEN _toCloudFormation and rawOverrides both hidden THEN synthesis does not fail and the warning says overrides cannot be seen', () => {
    const got = synthesize(APPS['L1s with overrides, across two stacks'], '_toCloudFormation and rawOverrides');
    expect(got.fallbackWarnings).toBe(1);
    expect(got.fallbackTexts[0]).toContain('property overrides cannot be seen');
    expect(Object.keys(got.templates).sort()).toEqual(['A', 'B']);
  });
});
