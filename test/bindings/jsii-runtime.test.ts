// The path every Python, Java, .NET and Go call takes: the host language talks JSON to
// the @jsii/runtime process, which runs the library's JavaScript. These tests play the
// host. Each request below is what the Python code beside it sends (the generated
// bindings in dist/python build the same messages), so what passes here is what a
// Python user's app does, short of the Python interpreter itself.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AssemblyToLoad, PACKAGE, dependencyTarballs, pythonEmbeddedTarball, readAssembly, ROOT } from './assemblies';
import { pluginReport } from '../validation-report';
import { JsiiKernelClient, KernelCallback, KernelError, ObjRef, enumValue, struct, unwrap } from './jsii-kernel-client';

const EC2 = 'aws-cdk-lib.aws_ec2';

let workdir: string;
let dependencies: AssemblyToLoad[];
let kernel: JsiiKernelClient;
let loaded: { assembly: string; types: number };
/** This build's assembly. */
const assembly = readAssembly(ROOT);

beforeAll(async () => {
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-imdsv2-bindings-'));
  dependencies = dependencyTarballs(workdir);
  // No package cache: every run extracts the tarballs it was given.
  kernel = await JsiiKernelClient.start({ JSII_RUNTIME_PACKAGE_CACHE: 'disabled' });
  // import aws_cdk, constructs, cdk_nag, cdk_imdsv2: each package's _jsii module loads its assembly.
  for (const dep of dependencies) await kernel.load(dep.name, dep.version, dep.tarball);
  loaded = await kernel.load(PACKAGE.name, PACKAGE.version, pythonEmbeddedTarball());
});

afterAll(async () => {
  await kernel?.close();
  if (workdir) fs.rmSync(workdir, { recursive: true, force: true });
});

/** Fail with the last messages exchanged, so that a protocol error can be read. */
async function traced<T>(what: () => Promise<T>): Promise<T> {
  try {
    return await what();
  } catch (e: any) {
    e.message += `\n--- last messages with the jsii runtime ---\n${kernel.transcript.slice(-12).join('\n')}`;
    throw e;
  }
}

/**
 * app = App(outdir=...); stack = Stack(app, "Stack"); vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0)
 *
 * Python always sends a props struct, with every field it did not set as null.
 */
async function appWithVpc(): Promise<{ app: ObjRef; stack: ObjRef; vpc: ObjRef; outdir: string }> {
  const outdir = fs.mkdtempSync(path.join(workdir, 'cdk.out-'));
  const app = await kernel.create('aws-cdk-lib.App', [struct('aws-cdk-lib.AppProps', { outdir, context: null, stackTraces: null })]);
  const stack = await kernel.create('aws-cdk-lib.Stack', [app, 'Stack', struct('aws-cdk-lib.StackProps', { env: null, stackName: null })]);
  const vpc = await kernel.create(`${EC2}.Vpc`, [stack, 'Vpc', struct(`${EC2}.VpcProps`, { maxAzs: 1, natGateways: 0, ipAddresses: null })]);
  return { app, stack, vpc, outdir };
}

/**
 * instance_type=ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
 * machine_image=ec2.MachineImage.latest_amazon_linux2023()
 */
async function instanceBasics(vpc: ObjRef): Promise<Record<string, unknown>> {
  const instanceType = await kernel.sinvoke(`${EC2}.InstanceType`, 'of', [
    enumValue(`${EC2}.InstanceClass`, 'T3'), enumValue(`${EC2}.InstanceSize`, 'MICRO'),
  ]);
  const machineImage = await kernel.sinvoke(`${EC2}.MachineImage`, 'latestAmazonLinux2023', [
    struct(`${EC2}.AmazonLinux2023ImageSsmParameterProps`, { cachedInContext: null, kernel: null }),
  ]);
  return { vpc, instanceType, machineImage };
}

/** Aspects.of(scope).add(aspect, priority=AspectPriority.MUTATING) */
async function addAspect(scope: ObjRef, aspect: ObjRef, priority: 'MUTATING' | 'DEFAULT'): Promise<void> {
  const aspects = await kernel.sinvoke('aws-cdk-lib.Aspects', 'of', [scope]);
  const value = await kernel.sget('aws-cdk-lib.AspectPriority', priority);
  await kernel.invoke(aspects, 'add', [aspect, struct('aws-cdk-lib.AspectOptions', { priority: value })]);
}

/** app.synth().get_stack_by_name("Stack"): its template and its messages. */
async function synthStack(app: ObjRef): Promise<{ template: any; messages: Array<Record<string, unknown>> }> {
  const cloudAssembly = await kernel.invoke(app, 'synth', []);
  const artifact = await kernel.invoke(cloudAssembly, 'getStackByName', ['Stack']);
  const template = unwrap(await kernel.get(artifact, 'template'));
  // SynthesisMessage is an interface: the kernel hands out references, read field by field
  // (as Python's `message.level` does).
  const messages = [];
  for (const ref of await kernel.get(artifact, 'messages') as ObjRef[]) {
    messages.push({
      level: memberOf(await kernel.get(ref, 'level'), 'aws-cdk-lib.cx_api.SynthesisMessageLevel'),
      id: await kernel.get(ref, 'id'),
      data: await kernel.get(await kernel.get(ref, 'entry'), 'data'),
    });
  }
  return { template, messages };
}

/**
 * A struct returned by the kernel: a reference whose fields the host reads one by one, as
 * the Python runtime does to build the data class (field names from the assembly).
 */
async function readStruct(ref: ObjRef, fqn: string): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  for (const p of assembly.types[fqn].properties) result[p.name] = unwrap(await kernel.get(ref, p.name));
  return result;
}

/** The member name of an enum value sent by the kernel (`{"$jsii.enum": "fqn/MEMBER"}`). */
function memberOf(value: any, enumFqn: string): string {
  const [fqn, member] = String(value?.['$jsii.enum']).split('/');
  if (fqn !== enumFqn) throw new Error(`expected a member of ${enumFqn}, got ${JSON.stringify(value)}`);
  return member;
}

function resourcesOfType(template: any, type: string): Array<[string, any]> {
  return Object.entries(template.Resources ?? {}).filter(([, r]: [string, any]) => r.Type === type) as Array<[string, any]>;
}

/** The instance whose logical id starts with `prefix` (CDK appends a hash). */
function instanceNamed(template: any, prefix: string): any {
  const found = resourcesOfType(template, 'AWS::EC2::Instance').filter(([id]) => id.startsWith(prefix));
  expect(found.map(([id]) => id)).toHaveLength(1);
  return found[0][1];
}

describe('the jsii runtime, driven as the Python runtime drives it', () => {
  test('every assembly loads, cdk-imdsv2 from the tarball inside the generated Python package', () => {
    // THEN: the process is the runtime the Python and Java packages embed
    expect(kernel.hello).toMatch(/^@jsii\/runtime@1\.\d+\.\d+$/);
    // and what was loaded is aws-cdk-lib with its own jsii dependencies, then the library
    const names = dependencies.map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining(['constructs', 'aws-cdk-lib', 'cdk-nag', '@aws-cdk/cloud-assembly-schema']));
    expect(names.indexOf('constructs')).toBeLessThan(names.indexOf('aws-cdk-lib'));
    // and the library's tarball is this build: the kernel counts the types of this .jsii
    expect(loaded).toEqual({ assembly: 'cdk-imdsv2', types: Object.keys(assembly.types).length });
  });

  test('Imdsv2Instance and Imdsv2Aspect, by their jsii names, synthesize a template with tokens required', () => traced(async () => {
    // GIVEN (Python):
    //   web = Imdsv2Instance(stack, "Web", vpc=vpc, instance_type=..., machine_image=..., container_imds_access=True)
    //   legacy = ec2.Instance(stack, "Legacy", vpc=vpc, instance_type=..., machine_image=...)
    //   Aspects.of(app).add(Imdsv2Aspect(mode=EnforcementMode.REWRITE), priority=AspectPriority.MUTATING)
    const { app, stack, vpc, outdir } = await appWithVpc();
    const basics = await instanceBasics(vpc);
    await kernel.create('cdk-imdsv2.Imdsv2Instance', [stack, 'Web', struct('cdk-imdsv2.Imdsv2InstanceProps', {
      ...basics, containerImdsAccess: true, httpTokens: null, httpPutResponseHopLimit: null, requireImdsv2: null,
    })]);
    await kernel.create(`${EC2}.Instance`, [stack, 'Legacy', struct(`${EC2}.InstanceProps`, { ...basics })]);
    const aspect = await kernel.create('cdk-imdsv2.Imdsv2Aspect', [struct('cdk-imdsv2.Imdsv2AspectProps', {
      mode: enumValue('cdk-imdsv2.EnforcementMode', 'REWRITE'), hostHopLimit: null, containerHopLimit: null, allowReplacement: null,
    })]);
    await addAspect(app, aspect, 'MUTATING');

    // WHEN: app.synth()
    const { template, messages } = await synthStack(app);

    // THEN: the construct's own MetadataOptions, hop limit 2 for a container host
    expect(instanceNamed(template, 'Web').Properties.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
    // the plain ec2.Instance is closed by the aspect, in place (its hop limit left at EC2's default 1)
    expect(instanceNamed(template, 'Legacy').Properties.MetadataOptions).toEqual({ HttpTokens: 'required' });
    // no launch template: attaching one to a running instance would replace it
    expect(resourcesOfType(template, 'AWS::EC2::LaunchTemplate')).toEqual([]);
    expect(messages.filter((m) => m.level === 'ERROR')).toEqual([]);
    // aspect.entries: a list of Imdsv2ReportEntry structs, with their jsii (camelCase) names
    const entries = [];
    for (const ref of await kernel.get(aspect, 'entries')) entries.push(await readStruct(ref, 'cdk-imdsv2.Imdsv2ReportEntry'));
    expect(entries).toEqual(expect.arrayContaining([
      {
        path: 'Stack/Legacy/Resource',
        logicalId: expect.stringMatching(/^Legacy/),
        resourceType: 'AWS::EC2::Instance',
        before: 'tokens=(unset) hop=(unset)',
        after: 'tokens=required hop=(unset)',
        // enums reach Python and Java as enum members, not strings
        action: enumValue('cdk-imdsv2.Imdsv2Action', 'FIXED'),
        impact: enumValue('cdk-imdsv2.Imdsv2DeployImpact', 'NO_INTERRUPTION'),
        ruleIds: [enumValue('cdk-imdsv2.Imdsv2RuleId', 'TOKENS_REQUIRED')],
      },
      // containerImdsAccess's hop limit 2 is recorded as a choice made in code
      expect.objectContaining({
        path: 'Stack/Web/Resource',
        before: 'tokens=required hop=2',
        action: enumValue('cdk-imdsv2.Imdsv2Action', 'ACKNOWLEDGED'),
        impact: enumValue('cdk-imdsv2.Imdsv2DeployImpact', 'NONE'),
      }),
    ]));
    expect(entries).toHaveLength(2);
    // and the report file is in the cloud assembly
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'imdsv2-report.json'), 'utf-8'));
    expect(report.mode).toBe('REWRITE');
  }));

  test('EnforcementMode.REJECT, passed as a jsii enum, turns an open instance into a synthesis error', () => traced(async () => {
    // GIVEN (Python): Aspects.of(app).add(Imdsv2Aspect(mode=EnforcementMode.REJECT), priority=AspectPriority.MUTATING)
    const { app, stack, vpc } = await appWithVpc();
    await kernel.create(`${EC2}.Instance`, [stack, 'Legacy', struct(`${EC2}.InstanceProps`, { ...await instanceBasics(vpc) })]);
    const aspect = await kernel.create('cdk-imdsv2.Imdsv2Aspect', [struct('cdk-imdsv2.Imdsv2AspectProps', {
      mode: enumValue('cdk-imdsv2.EnforcementMode', 'REJECT'),
    })]);
    await addAspect(app, aspect, 'MUTATING');

    // WHEN
    const { template, messages } = await synthStack(app);

    // THEN: an error on the instance, which the CDK CLI refuses to deploy, and no rewrite
    const errors = messages.filter((m) => m.level === 'ERROR');
    expect(errors).toEqual([{
      level: 'ERROR',
      id: '/Stack/Legacy/Resource',
      data: expect.stringMatching(/^\[Imdsv2-TokensRequired\] AWS::EC2::Instance Legacy[0-9A-F]{8}: /),
    }]);
    expect(instanceNamed(template, 'Legacy').Properties.MetadataOptions).toBeUndefined();
  }));

  test('Imdsv2Rules: a rule id constant and acknowledge() exempt an instance from REJECT, as a Python app calls them', () => traced(async () => {
    // GIVEN (Python):
    //   legacy = ec2.Instance(stack, "Legacy", vpc=vpc, instance_type=..., machine_image=...)
    //   Imdsv2Rules.acknowledge(legacy, Imdsv2Rules.TOKENS_REQUIRED, "vendor agent reads IMDSv1 until 2027")
    //   Aspects.of(app).add(Imdsv2Aspect(mode=EnforcementMode.REJECT), priority=AspectPriority.MUTATING)
    const { app, stack, vpc } = await appWithVpc();
    const legacy = await kernel.create(`${EC2}.Instance`, [stack, 'Legacy', struct(`${EC2}.InstanceProps`, { ...await instanceBasics(vpc) })]);
    // the constant reaches Python as the id string itself, unlike the Imdsv2RuleId enum member
    const ruleId = await kernel.sget('cdk-imdsv2.Imdsv2Rules', 'TOKENS_REQUIRED');
    expect(ruleId).toBe('Imdsv2-TokensRequired');
    await kernel.sinvoke('cdk-imdsv2.Imdsv2Rules', 'acknowledge', [legacy, ruleId, 'vendor agent reads IMDSv1 until 2027']);
    const aspect = await kernel.create('cdk-imdsv2.Imdsv2Aspect', [struct('cdk-imdsv2.Imdsv2AspectProps', {
      mode: enumValue('cdk-imdsv2.EnforcementMode', 'REJECT'),
    })]);
    await addAspect(app, aspect, 'MUTATING');

    // WHEN
    const { template, messages } = await synthStack(app);

    // THEN: no error, the instance left as written, and the aspect's report says why
    expect(messages.filter((m) => m.level === 'ERROR')).toEqual([]);
    expect(instanceNamed(template, 'Legacy').Properties.MetadataOptions).toBeUndefined();
    const entries = [];
    for (const ref of await kernel.get(aspect, 'entries')) entries.push(await readStruct(ref, 'cdk-imdsv2.Imdsv2ReportEntry'));
    expect(entries).toEqual([expect.objectContaining({
      path: 'Stack/Legacy/Resource',
      action: enumValue('cdk-imdsv2.Imdsv2Action', 'ACKNOWLEDGED'),
    })]);
  }));

  test('Imdsv2Rules.acknowledge is honoured by Imdsv2Aspect.applyTo, Imdsv2Checks and Imdsv2Validator alike, as a Python app calls them', () => traced(async () => {
    // GIVEN (Python):
    //   legacy = ec2.Instance(stack, "Legacy", vpc=vpc, instance_type=..., machine_image=...)
    //   Imdsv2Rules.acknowledge(legacy, Imdsv2Rules.TOKENS_REQUIRED, "vendor agent reads IMDSv1 until 2027")
    //   Validations.of(app).add_plugins(Imdsv2Checks(app), Imdsv2Validator())
    //   aspect = Imdsv2Aspect.apply_to(app, mode=EnforcementMode.REPORT)
    const build = async (acknowledged: boolean) => {
      const { app, stack, vpc, outdir } = await appWithVpc();
      const legacy = await kernel.create(`${EC2}.Instance`, [stack, 'Legacy', struct(`${EC2}.InstanceProps`, { ...await instanceBasics(vpc) })]);
      if (acknowledged) {
        const ruleId = await kernel.sget('cdk-imdsv2.Imdsv2Rules', 'TOKENS_REQUIRED');
        await kernel.sinvoke('cdk-imdsv2.Imdsv2Rules', 'acknowledge', [legacy, ruleId, 'vendor agent reads IMDSv1 until 2027']);
      }
      const checks = await kernel.create('cdk-imdsv2.Imdsv2Checks', [app, null]);
      const validator = await kernel.create('cdk-imdsv2.Imdsv2Validator', [null]);
      await kernel.invoke(await kernel.sinvoke('aws-cdk-lib.Validations', 'of', [app]), 'addPlugins', [checks, validator]);
      const aspect = await kernel.sinvoke('cdk-imdsv2.Imdsv2Aspect', 'applyTo', [app, struct('cdk-imdsv2.Imdsv2AspectProps', {
        mode: enumValue('cdk-imdsv2.EnforcementMode', 'REPORT'),
      })]);
      const synth = await kernel.invoke(app, 'synth', []).then(() => undefined, (e: Error) => e);
      const entries = [];
      for (const ref of await kernel.get(aspect, 'entries')) entries.push(await readStruct(ref, 'cdk-imdsv2.Imdsv2ReportEntry'));
      return { synth, entries, outdir };
    };

    // WHEN
    const open = await build(false);
    const acknowledged = await build(true);

    // THEN (Imdsv2Checks reports as 'Imdsv2'): without the acknowledgement both plugins report the instance in CDK's policy
    // validation report (what `cdk synth` fails on) …
    for (const plugin of ['Imdsv2', 'Imdsv2Validator']) {
      const report = pluginReport(open.outdir, plugin);
      expect({ plugin, status: report.status }).toEqual({ plugin, status: 'failure' });
      expect(report.violations.map((v) => v.ruleName)).toContain('Imdsv2-TokensRequired');
    }
    expect(open.entries).toEqual([expect.objectContaining({ action: enumValue('cdk-imdsv2.Imdsv2Action', 'REPORTED') })]);
    // … and with it, every front door passes it, and the aspect says why
    // (aws-cdk-lib 2.257 leaves a plugin with nothing to report out of the file)
    const file = path.join(acknowledged.outdir, 'policy-validation-report.json');
    const reports = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf-8')).pluginReports : [];
    const violations = reports.flatMap((r: any) => r.violations.map((v: any) => `${r.summary.pluginName} ${v.ruleName}`));
    expect(violations.filter((v: string) => v.includes('Imdsv2-'))).toEqual([]);
    expect(open.synth).toBeUndefined();
    expect(acknowledged.synth).toBeUndefined();
    expect(acknowledged.entries).toEqual([expect.objectContaining({ action: enumValue('cdk-imdsv2.Imdsv2Action', 'ACKNOWLEDGED') })]);
  }));

  test('Imdsv2Rules.acknowledge with the enum member name Python would pass fails, naming the valid ids', () => traced(async () => {
    // GIVEN (Python): Imdsv2Rules.acknowledge(stack, "TOKENS_REQUIRED", "...")
    const { stack } = await appWithVpc();

    // WHEN / THEN
    const error = await kernel.sinvoke('cdk-imdsv2.Imdsv2Rules', 'acknowledge', [stack, 'TOKENS_REQUIRED', 'x']).catch((e) => e);
    expect(error).toBeInstanceOf(KernelError);
    expect(error.message).toMatch(/^Error: 'TOKENS_REQUIRED' is not a cdk-imdsv2 rule id: use one of Imdsv2-TokensRequired, Imdsv2-HopLimit, /);
  }));

  test('a prop that re-opens IMDSv1 fails with the library\'s message, across the protocol', () => traced(async () => {
    // GIVEN (Python): Imdsv2Instance(stack, "Bad", ..., http_tokens=ec2.HttpTokens.OPTIONAL)
    const { stack, vpc } = await appWithVpc();
    const props = struct('cdk-imdsv2.Imdsv2InstanceProps', { ...await instanceBasics(vpc), httpTokens: enumValue(`${EC2}.HttpTokens`, 'OPTIONAL') });

    // WHEN / THEN: the kernel answers with an error, which Python raises as a RuntimeError
    const error = await kernel.create('cdk-imdsv2.Imdsv2Instance', [stack, 'Bad', props]).catch((e) => e);
    expect(error).toBeInstanceOf(KernelError);
    expect(error.message).toMatch(/^Stack\/Bad: httpTokens is "optional", expected "required" or unset: any other value lets IMDSv1 answer/);
  }));

  test('an aspect prop out of range fails with the library\'s message, across the protocol', () => traced(async () => {
    // GIVEN (Python): Imdsv2Aspect(host_hop_limit=0)
    const props = struct('cdk-imdsv2.Imdsv2AspectProps', { mode: null, hostHopLimit: 0 });

    // WHEN / THEN
    const error = await kernel.create('cdk-imdsv2.Imdsv2Aspect', [props]).catch((e) => e);
    expect(error).toBeInstanceOf(KernelError);
    expect(error.message).toMatch(/^Imdsv2Aspect: hostHopLimit must be an integer from 1 to 64, got 0/);
  }));

  test('an enum member the assembly does not have is refused by the kernel', () => traced(async () => {
    // GIVEN: what a Python caller on a newer binding than the JavaScript would send
    const props = struct('cdk-imdsv2.Imdsv2AspectProps', { mode: enumValue('cdk-imdsv2.EnforcementMode', 'DELETE') });

    // WHEN / THEN
    const error = await kernel.create('cdk-imdsv2.Imdsv2Aspect', [props]).catch((e) => e);
    expect(error).toBeInstanceOf(KernelError);
    expect(error.message).toMatch(/DELETE/);
  }));

  test('a Python-implemented aspect next to Imdsv2Aspect is called back, and can call into the kernel meanwhile', () => traced(async () => {
    // GIVEN (Python):
    //   @jsii.implements(IAspect)
    //   class Paths:
    //       def visit(self, node): self.seen.append(node.node.path)
    //   Aspects.of(app).add(Paths())            # default priority: after Imdsv2Aspect
    const { app, stack, vpc } = await appWithVpc();
    await kernel.create('cdk-imdsv2.Imdsv2Instance', [stack, 'Web', struct('cdk-imdsv2.Imdsv2InstanceProps', { ...await instanceBasics(vpc) })]);
    await addAspect(app, await kernel.create('cdk-imdsv2.Imdsv2Aspect', [struct('cdk-imdsv2.Imdsv2AspectProps', {})]), 'MUTATING');
    const pythonAspect = await kernel.create('Object', [], { interfaces: ['aws-cdk-lib.IAspect'], overrides: [{ method: 'visit', cookie: 'visit' }] });
    const seen: string[] = [];
    const cfnInstanceSeen: string[] = [];
    kernel.onCallback(async (cb: KernelCallback) => {
      if (cb.invoke?.method !== 'visit' || cb.invoke.objref['$jsii.byref'] !== pythonAspect['$jsii.byref']) {
        throw new Error(`unexpected callback ${JSON.stringify(cb)}`);
      }
      // Requests of the host's own, sent before it completes the callback.
      const node = cb.invoke.args![0] as ObjRef;
      const nodePath: string = await kernel.get(await kernel.get(node, 'node'), 'path');
      seen.push(nodePath);
      if (await kernel.sinvoke(`${EC2}.CfnInstance`, 'isCfnInstance', [node])) cfnInstanceSeen.push(nodePath);
      return undefined;
    });
    await addAspect(app, pythonAspect, 'DEFAULT');

    // WHEN
    try {
      await synthStack(app);
    } finally {
      kernel.onCallback(undefined);
    }

    // THEN: it visited the whole tree, the instance's L1 included
    expect(seen).toEqual(expect.arrayContaining(['', 'Stack', 'Stack/Web', 'Stack/Web/Resource']));
    expect(cfnInstanceSeen).toEqual(['Stack/Web/Resource']);
  }));
});
