import { App, AspectPriority, Aspects, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EnforcementMode, Imdsv2Aspect, Imdsv2AspectProps } from '../../src';

export interface Synthesized {
  readonly stack: Stack;
  readonly template: Template;
  readonly json: any;
  readonly aspect: Imdsv2Aspect;
  /** Annotation messages on the stack, by level. */
  readonly warnings: string[];
  readonly infos: string[];
  /** The aspect's one summary line per stack. */
  readonly summaries: string[];
  readonly errors: string[];
}

/** Build a stack with `build`, add the aspect to the app, synthesize. */
export function synth(build: (stack: Stack) => void, props: Imdsv2AspectProps = {}): Synthesized {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
  build(stack);
  // Per-fix annotations are opt-in (fixes need no action); these tests read them.
  const aspect = new Imdsv2Aspect({ annotateFixes: true, ...props });
  Aspects.of(app).add(aspect, { priority: AspectPriority.MUTATING });
  const template = Template.fromStack(stack);
  const all = app.synth().getStackArtifact(stack.artifactId).messages;
  const messages = (level: string) => all.filter((m) => m.level === level).map((m) => String(m.entry.data));
  return {
    stack,
    template,
    json: template.toJSON(),
    aspect,
    warnings: messages('warning'),
    infos: messages('info').filter((m) => !m.startsWith('Imdsv2Aspect (')),
    summaries: messages('info').filter((m) => m.startsWith('Imdsv2Aspect (')),
    errors: messages('error'),
  };
}

/** The template of the same build with no aspect at all. */
export function synthWithoutAspect(build: (stack: Stack) => void): any {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
  build(stack);
  return Template.fromStack(stack).toJSON();
}

/** Properties of the only resource of `type`. */
export function propsOf(json: any, type: string): any {
  const found = Object.values(json.Resources as Record<string, any>).filter((r) => r.Type === type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0].Properties ?? {};
}

export function logicalIdOf(stack: Stack, r: CfnResource): string {
  return stack.resolve(r.logicalId);
}

export const ALL_MODES = [EnforcementMode.REWRITE, EnforcementMode.REPORT, EnforcementMode.REJECT];
