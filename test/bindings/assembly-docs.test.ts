// The generated .jsii is what every other language's bindings and docs are made from:
// its summaries become Python docstrings and Javadoc, its @default the "Default:" lines.
import { readAssembly, ROOT } from './assemblies';
import { AnyAllowList, lintAssembly } from './assembly-lint';

/** `any` that aws-cdk-lib's interfaces impose on us, with why. */
const ANY_ALLOWED: AnyAllowList = Object.fromEntries(
  ['Imdsv2InstancePropertyInjector', 'Imdsv2LaunchTemplatePropertyInjector', 'Imdsv2AutoScalingGroupPropertyInjector'].flatMap((c) => [
    [`cdk-imdsv2.${c}.inject(originalProps)`, 'aws-cdk-lib IPropertyInjector.inject(originalProps: any, ...)'],
    [`cdk-imdsv2.${c}.inject:returns`, 'aws-cdk-lib IPropertyInjector.inject(...): any'],
  ]),
);

/** Protected members a subclass contract needs, with why. */
const PROTECTED_ALLOWED: AnyAllowList = {
  'cdk-imdsv2.Imdsv2Checks.checkResource': 'cdk-nag NagPack declares `protected abstract checkResource`; jsii keeps an override protected',
};

describe('the assembly this build wrote (.jsii)', () => {
  test('every public type and member has a summary, every optional property a @default, no union, any or protected', () => {
    // GIVEN
    const assembly = readAssembly(ROOT);
    expect(Object.keys(assembly.types).length).toBeGreaterThan(20);

    // WHEN
    const violations = lintAssembly(assembly, ANY_ALLOWED, PROTECTED_ALLOWED).map((v) => `${v.where}: ${v.problem}`);

    // THEN
    expect(violations).toEqual([]);
  });

  test('every allow-listed exception still exists (a stale entry would hide nothing and mislead)', () => {
    // GIVEN
    const assembly = readAssembly(ROOT);

    // WHEN: linted with no exceptions
    const where = new Set(lintAssembly(assembly).map((v) => v.where));

    // THEN
    expect(Object.keys({ ...ANY_ALLOWED, ...PROTECTED_ALLOWED }).filter((w) => !where.has(w))).toEqual([]);
  });
});

describe('lintAssembly', () => {
  const struct = (properties: any[]) => ({ kind: 'interface', datatype: true, docs: { summary: 'A struct.' }, properties });

  test('reports each kind of problem, and where it is', () => {
    // GIVEN: an assembly with one of each problem
    const assembly = {
      types: {
        'm.NoDocs': { kind: 'class' },
        'm.Props': struct([
          { name: 'noSummary', type: { primitive: 'string' }, optional: true, docs: { default: '1' } },
          { name: 'noDefault', type: { primitive: 'string' }, optional: true, docs: { summary: 'A.' } },
          { name: 'undefinedDefault', type: { primitive: 'string' }, optional: true, docs: { summary: 'A.', default: 'undefined' } },
          { name: 'union', type: { union: { types: [{ primitive: 'string' }, { primitive: 'number' }] } }, docs: { summary: 'A.' } },
          { name: 'anyList', type: { collection: { kind: 'array', elementtype: { primitive: 'any' } } }, docs: { summary: 'A.' } },
          { name: 'required', type: { primitive: 'string' }, docs: { summary: 'Needs no default.' } },
        ]),
        'm.Klass': {
          kind: 'class',
          docs: { summary: 'A class.' },
          initializer: { parameters: [{ name: 'scope', type: { fqn: 'constructs.Construct' } }] },
          methods: [
            { name: 'helper', protected: true, docs: { summary: 'A helper.' } },
            { name: 'undocumented', parameters: [{ name: 'x', type: { primitive: 'number' }, docs: { summary: 'X.' } }] },
          ],
        },
        'm.Mode': { kind: 'enum', docs: { summary: 'Modes.' }, members: [{ name: 'A', docs: { summary: 'A.' } }, { name: 'B' }] },
      },
    };

    // WHEN
    const violations = lintAssembly(assembly).map((v) => `${v.where}: ${v.problem}`);

    // THEN
    expect(violations).toEqual([
      'm.NoDocs: no summary',
      'm.Props.noSummary: no summary',
      'm.Props.noDefault: optional without @default',
      'm.Props.undefinedDefault: @default undefined: say what happens instead (`- <behaviour>`)',
      'm.Props.union: union type string | number: not expressible in Java, .NET or Go',
      'm.Props.anyList: type any: untyped in every language (a generic or `unknown` leaking out?)',
      'm.Klass.<initializer>(scope): no summary',
      'm.Klass.helper: protected: published to every language as part of the API; make it private or unexported',
      'm.Klass.undocumented: no summary',
      'm.Mode.B: no summary',
    ]);
  });

  test('a clean assembly has no violations, and allow-lists silence exactly what they name', () => {
    // GIVEN
    const assembly = {
      types: {
        'm.Props': struct([{ name: 'data', type: { primitive: 'any' }, optional: true, docs: { summary: 'Raw JSON.', default: '- none' } }]),
      },
    };

    // WHEN / THEN
    expect(lintAssembly(assembly, { 'm.Props.data': 'CloudFormation JSON' })).toEqual([]);
    expect(lintAssembly(assembly).map((v) => v.where)).toEqual(['m.Props.data']);
  });
});
