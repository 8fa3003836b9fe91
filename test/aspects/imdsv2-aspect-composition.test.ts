import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AspectPriority, Aspects, CfnOutput, CfnResource, IAspect, NestedStack, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { EnforcementMode, Imdsv2Aspect, Imdsv2AspectProps, Imdsv2Checks, Imdsv2Validator } from '../../src';
import { failedPlugins } from '../validation-report';

// The aspect under composition: Stages, later aspects, escape hatches, aws-cdk-lib's own
// IMDS aspects, consumers outside its scope. What it says must match what is deployed.

const ENV = { account: '111111111111', region: 'eu-west-1' };

function newApp(context: Record<string, unknown> = {}): App {
  return new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'imdsv2-composition-')), context });
}

function openInstance(stack: Stack, id = 'Web'): ec2.CfnInstance {
  return new ec2.CfnInstance(stack, id, { imageId: 'ami-1', metadataOptions: { httpTokens: 'optional' } });
}

/** The synthesized template of `stack` (synthesizing its Stage, and the App above it). */
function templateOf(app: App, stack: Stack): any {
  const assembly = app.synth();
  const stage = Stage.of(stack)!;
  const dir = stage === app ? assembly.directory : path.join(assembly.directory, path.relative(app.outdir, stage.outdir));
  return JSON.parse(fs.readFileSync(path.join(dir, stack.templateFile), 'utf-8'));
}

/** Annotations of `level` on `stack`, as the CDK CLI prints them. */
function messagesOf(app: App, stack: Stack, level: 'error' | 'warning' | 'info'): string[] {
  const stage = Stage.of(stack)!;
  const artifact = stage.synth().getStackArtifact(stack.artifactId);
  void app;
  return artifact.messages.filter((m) => m.level === level).map((m) => String(m.entry.data));
}

describe('Stages (every CDK Pipelines app)', () => {
  test('GIVEN an open instance in a stack inside a Stage WHEN the aspect is applied with applyTo(app) THEN it is fixed and the Stage gets its own report', () => {
    const app = newApp();
    const web = new Stack(new Stage(app, 'Prod'), 'Web', { env: ENV });
    openInstance(web);
    const aspect = Imdsv2Aspect.applyTo(app);

    const template = templateOf(app, web);

    expect(template.Resources.Web.Properties.MetadataOptions).toEqual({ HttpTokens: 'required' });
    const report = JSON.parse(fs.readFileSync(path.join(app.outdir, 'assembly-Prod', Imdsv2Aspect.REPORT_FILE_NAME), 'utf-8'));
    expect(report.resources).toEqual([expect.objectContaining({ logicalId: 'Web', action: 'fixed' })]);
    expect(aspect.entries.map((e) => e.path)).toEqual(['Prod/Web/Web']);
  });

  test('GIVEN Stages nested in Stages and a stack at top level WHEN applyTo(app) in REJECT THEN every stack is judged', () => {
    const app = newApp();
    const top = new Stack(app, 'Top', { env: ENV });
    openInstance(top);
    const inner = new Stack(new Stage(new Stage(app, 'Outer'), 'Inner'), 'Deep', { env: ENV });
    openInstance(inner);
    Imdsv2Aspect.applyTo(app, { mode: EnforcementMode.REJECT });

    expect(messagesOf(app, top, 'error').join('\n')).toMatch(/\[Imdsv2-TokensRequired\] AWS::EC2::Instance Web/);
    expect(messagesOf(app, inner, 'error').join('\n')).toMatch(/\[Imdsv2-TokensRequired\] AWS::EC2::Instance Web/);
  });

  test('GIVEN an aspect added to the App only WHEN a Stage below it holds an instance THEN synthesis fails naming the Stage and the fix', () => {
    const app = newApp();
    openInstance(new Stack(new Stage(app, 'Prod'), 'Web', { env: ENV }));
    Aspects.of(app).add(new Imdsv2Aspect(), { priority: AspectPriority.MUTATING });

    expect(() => app.synth()).toThrow(/cannot reach Stage 'Prod'.*Imdsv2Aspect\.applyTo\(app, props\)/);
  });

  test('GIVEN applyTo(app) called before a Stage is created WHEN the app synthesizes THEN synthesis fails naming that Stage', () => {
    const app = newApp();
    Imdsv2Aspect.applyTo(app);
    openInstance(new Stack(new Stage(app, 'Late'), 'Web', { env: ENV }));

    expect(() => app.synth()).toThrow(/cannot reach Stage 'Late'/);
  });

  test('GIVEN a Stage with no EC2 resource WHEN the aspect is on the App only THEN synthesis succeeds', () => {
    const app = newApp();
    new Stack(new Stage(app, 'Empty'), 'Nothing', { env: ENV });
    openInstance(new Stack(app, 'Top', { env: ENV }));
    Aspects.of(app).add(new Imdsv2Aspect(), { priority: AspectPriority.MUTATING });

    expect(() => app.synth()).not.toThrow();
  });

  test('GIVEN a Stage whose only IMDS-typed resources are Kubernetes manifests of no node class WHEN the aspect is on the App only THEN synthesis succeeds; one with a node class fails', () => {
    function manifest(stack: Stack, kind: string): CfnResource {
      const spec = kind === 'EC2NodeClass' ? { metadataOptions: { httpTokens: 'optional' } } : { replicas: 1 };
      return new CfnResource(stack, kind, {
        type: 'Custom::AWSCDK-EKS-KubernetesResource',
        properties: { ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:kubectl', ClusterName: 'c', Manifest: JSON.stringify([{ apiVersion: kind === 'EC2NodeClass' ? 'karpenter.k8s.aws/v1' : 'apps/v1', kind, metadata: { name: 'x' }, spec }]) },
      });
    }
    const quiet = newApp();
    manifest(new Stack(new Stage(quiet, 'Apps'), 'Deployments', { env: ENV }), 'Deployment');
    Aspects.of(quiet).add(new Imdsv2Aspect(), { priority: AspectPriority.MUTATING });
    expect(() => quiet.synth()).not.toThrow();

    const karpenter = newApp();
    manifest(new Stack(new Stage(karpenter, 'Nodes'), 'Classes', { env: ENV }), 'EC2NodeClass');
    Aspects.of(karpenter).add(new Imdsv2Aspect(), { priority: AspectPriority.MUTATING });
    expect(() => karpenter.synth()).toThrow(/cannot reach Stage 'Nodes'/);
  });
});

/** An aspect that sets every instance's HttpTokens back to optional (default priority, after ours). */
class ReopenInstances implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof ec2.CfnInstance) node.addPropertyOverride('MetadataOptions.HttpTokens', 'optional');
  }
}

describe('stacks with nothing to check', () => {
  test.each([EnforcementMode.REWRITE, EnforcementMode.REPORT, EnforcementMode.REJECT])(
    'GIVEN an empty stack, a stack of outputs only, an empty stack in a Stage and a closed instance in a nested stack WHEN the aspect (%s), Imdsv2Checks and Imdsv2Validator all run THEN synthesis succeeds', (mode) => {
      // GIVEN stacks the CDK CLI skips (no resources) beside one it deploys
      const app = newApp();
      new Stack(app, 'Placeholder', { env: ENV });
      new CfnOutput(new Stack(app, 'OutputsOnly', { env: ENV }), 'Endpoint', { value: 'https://example.com' });
      new Stack(new Stage(app, 'Beta'), 'PlaceholderInStage', { env: ENV });
      const nested = new NestedStack(new Stack(app, 'Parent', { env: ENV }), 'Hosts');
      new ec2.CfnInstance(nested, 'Web', { imageId: 'ami-1', metadataOptions: { httpTokens: 'required' } });
      Validations.of(app).addPlugins(new Imdsv2Validator(), new Imdsv2Checks(app));
      Imdsv2Aspect.applyTo(app, { mode });
      const report = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      // WHEN
      let assembly;
      try {
        assembly = app.synth();
      } finally {
        report.mockRestore();
      }
      // THEN no plugin failed (a failed one makes `cdk synth` exit 1)
      expect(failedPlugins(assembly.directory)).toEqual([]);
      expect(fs.readdirSync(assembly.directory)).toContain('Placeholder.template.json');
    });
});

describe('the verdict is taken on what is deployed', () => {
  function reopened(props: Imdsv2AspectProps) {
    const app = newApp();
    const stack = new Stack(app, 'S', { env: ENV });
    openInstance(stack);
    const aspect = Imdsv2Aspect.applyTo(app, props);
    Aspects.of(app).add(new ReopenInstances());
    return { app, stack, aspect };
  }

  test('GIVEN a later aspect that reopens an instance WHEN REJECT THEN synthesis reports an error', () => {
    const { app, stack } = reopened({ mode: EnforcementMode.REJECT });
    expect(messagesOf(app, stack, 'error').join('\n')).toMatch(/\[Imdsv2-TokensRequired\] AWS::EC2::Instance Web: HttpTokens is 'optional'/);
  });

  test('GIVEN a later aspect that reopens an instance WHEN REWRITE THEN the deployed template requires tokens', () => {
    const { app, stack, aspect } = reopened({});
    expect(templateOf(app, stack).Resources.Web.Properties.MetadataOptions).toEqual({ HttpTokens: 'required' });
    expect(aspect.entries).toEqual([expect.objectContaining({ logicalId: 'Web', action: 'fixed' })]);
  });

  test('GIVEN requireImdsv2 and an override that reopens the instance WHEN REJECT THEN it is an error (its own fields win over the template aws-cdk-lib attaches)', () => {
    const app = newApp();
    const stack = new Stack(app, 'S', { env: ENV });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
    const instance = new ec2.Instance(stack, 'Box', {
      vpc, instanceType: new ec2.InstanceType('t3.micro'), machineImage: ec2.MachineImage.latestAmazonLinux2023(), requireImdsv2: true,
    });
    (instance.node.defaultChild as ec2.CfnInstance).addPropertyOverride('MetadataOptions.HttpTokens', 'optional');
    Imdsv2Aspect.applyTo(app, { mode: EnforcementMode.REJECT });

    expect(messagesOf(app, stack, 'error').join('\n')).toMatch(/\[Imdsv2-TokensRequired\] AWS::EC2::Instance Box/);
  });

  test('GIVEN an L2 launch template closed by aws-cdk-lib\'s LaunchTemplateRequireImdsv2Aspect WHEN REJECT THEN no error', () => {
    const app = newApp();
    const stack = new Stack(app, 'S', { env: ENV });
    new ec2.LaunchTemplate(stack, 'Lt', { instanceType: new ec2.InstanceType('t3.micro') });
    Aspects.of(app).add(new ec2.LaunchTemplateRequireImdsv2Aspect());
    Imdsv2Aspect.applyTo(app, { mode: EnforcementMode.REJECT });

    expect(messagesOf(app, stack, 'error')).toEqual([]);
  });

  test('GIVEN an L2 launch template with no IMDS settings WHEN REJECT without aws-cdk-lib\'s aspect THEN it is an error (the control for the test above)', () => {
    const app = newApp();
    const stack = new Stack(app, 'S', { env: ENV });
    new ec2.LaunchTemplate(stack, 'Lt', { instanceType: new ec2.InstanceType('t3.micro') });
    Imdsv2Aspect.applyTo(app, { mode: EnforcementMode.REJECT });

    expect(messagesOf(app, stack, 'error').join('\n')).toMatch(/\[Imdsv2-TokensRequired\] AWS::EC2::LaunchTemplate/);
  });
});

describe('the hidden cascade, wherever the consumer is', () => {
  test('GIVEN the aspect on the template\'s stack only WHEN an instance in another stack follows its LatestVersionNumber THEN the template is not changed and carries Imdsv2-Replacement', () => {
    const app = newApp();
    const templates = new Stack(app, 'Templates', { env: ENV });
    const lt = new ec2.CfnLaunchTemplate(templates, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    const servers = new Stack(app, 'Servers', { env: ENV });
    new ec2.CfnInstance(servers, 'Box', {
      imageId: 'ami-1', launchTemplate: { launchTemplateId: lt.ref, version: lt.attrLatestVersionNumber },
    });
    const aspect = new Imdsv2Aspect();
    Aspects.of(templates).add(aspect, { priority: AspectPriority.MUTATING });

    expect(templateOf(app, templates).Resources.Lt.Properties.LaunchTemplateData.MetadataOptions).toEqual({ HttpTokens: 'optional' });
    expect(messagesOf(app, templates, 'warning').join('\n')).toMatch(/\[ack: Imdsv2-Replacement\]/);
    expect(aspect.entries.find((e) => e.logicalId === 'Lt')).toMatchObject({ action: 'reported', impact: 'none' });
  });

  test('GIVEN a later aspect that adds an instance following a fixed template WHEN REWRITE THEN the fix is undone, reported, and the instance closed through its own options', () => {
    const app = newApp();
    const stack = new Stack(app, 'S', { env: ENV });
    const lt = new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    const aspect = Imdsv2Aspect.applyTo(app);
    let added = false;
    Aspects.of(app).add({
      visit: () => {
        if (added) return;
        added = true;
        new ec2.CfnInstance(stack, 'LateBox', { imageId: 'ami-1', launchTemplate: { launchTemplateId: lt.ref, version: lt.attrLatestVersionNumber } });
      },
    });

    const template = templateOf(app, stack);
    expect(template.Resources.Lt.Properties.LaunchTemplateData).toEqual({ MetadataOptions: { HttpTokens: 'optional' } });
    expect(template.Resources.LateBox.Properties.MetadataOptions).toEqual({ HttpTokens: 'required' });
    expect(aspect.entries.find((e) => e.logicalId === 'Lt')?.ruleIds).toContain('Imdsv2-Replacement');
  });

  test('GIVEN a template the aspect created MetadataOptions on WHEN the fix is undone THEN the template renders as without the aspect', () => {
    const build = (app: App) => {
      const stack = new Stack(app, 'S', { env: ENV });
      const lt = new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: { instanceType: 't3.micro' } });
      Aspects.of(app).add({
        visit: (n) => {
          if (n === stack && !stack.node.tryFindChild('LateBox')) {
            new ec2.CfnInstance(stack, 'LateBox', { imageId: 'ami-1', metadataOptions: { httpTokens: 'required' }, launchTemplate: { launchTemplateId: lt.ref, version: lt.attrLatestVersionNumber } });
          }
        },
      });
      return stack;
    };
    const withAspect = newApp();
    const s1 = build(withAspect);
    Imdsv2Aspect.applyTo(withAspect);
    const without = newApp();
    const s2 = build(without);
    expect(templateOf(withAspect, s1).Resources.Lt).toEqual(templateOf(without, s2).Resources.Lt);
  });
});

describe('props are checked', () => {
  test.each([['reject'], ['ENFORCE'], [3]])('mode %p is an error listing the accepted values', (mode) => {
    expect(() => new Imdsv2Aspect({ mode: mode as any }))
      .toThrow(/mode must be one of EnforcementMode.REWRITE, EnforcementMode.REPORT, EnforcementMode.REJECT, got/);
  });

  test('null and undefined props mean the defaults', () => {
    expect(() => new Imdsv2Aspect(null as any)).not.toThrow();
    expect(() => new Imdsv2Aspect(undefined)).not.toThrow();
    expect(() => new Imdsv2Aspect({ mode: null as any, hostHopLimit: null as any })).not.toThrow();
  });

  test.each([[0], [65], [1.5], ['2']])('hop limit %p is an error', (hop) => {
    expect(() => new Imdsv2Aspect({ containerHopLimit: hop as any })).toThrow(/containerHopLimit must be an integer from 1 to 64/);
  });

  test('allowReplacement that is not a boolean is an error', () => {
    expect(() => new Imdsv2Aspect({ allowReplacement: 'yes' as any })).toThrow(/allowReplacement must be true or false, got "yes"/);
  });
});

describe('a quiet synth', () => {
  function fixedApp(context: Record<string, unknown> = {}, props: Imdsv2AspectProps = {}) {
    const app = newApp(context);
    const stack = new Stack(app, 'S', { env: ENV });
    for (let i = 0; i < 5; i++) openInstance(stack, `Box${i}`);
    Imdsv2Aspect.applyTo(app, props);
    return { app, stack };
  }

  test('GIVEN five fixed instances WHEN synthesized THEN the stack gets one info line, with the counts and the report path', () => {
    const { app, stack } = fixedApp();
    const infos = messagesOf(app, stack, 'info');
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatch(/^Imdsv2Aspect \(REWRITE\): 5 IMDS-bearing resources, 5 fixed, 0 with findings; details in .*imdsv2-report\.json/);
  });

  test('GIVEN annotateFixes WHEN synthesized THEN each fix is annotated too', () => {
    const { app, stack } = fixedApp({}, { annotateFixes: true });
    expect(messagesOf(app, stack, 'info').filter((m) => m.includes('. fixed: '))).toHaveLength(5);
  });

  test('GIVEN the context key cdk-imdsv2:annotateFixes WHEN synthesized THEN each fix is annotated', () => {
    const { app, stack } = fixedApp({ 'cdk-imdsv2:annotateFixes': true });
    expect(messagesOf(app, stack, 'info').filter((m) => m.includes('. fixed: '))).toHaveLength(5);
  });
});
