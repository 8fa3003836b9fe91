import { App, Fn, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { resolveWithoutTrace } from '../../src/private/render-resource';

// resolveWithoutTrace copies the literal parts of a value itself and hands aws-cdk-lib only
// the tokens (for speed): whatever the value, the result must be what aws-cdk-lib's own
// resolve gives.
describe('resolveWithoutTrace gives what Stack.resolve gives', () => {
  const stack = new Stack(new App(), 'S');
  const lt = new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: {} });
  const values: Record<string, unknown> = {
    'literals, nested, undefined dropped': { a: 'x', b: 1, c: true, d: null, e: undefined, f: [1, undefined, 'y'], g: { h: { i: [] } } },
    'a reference in a string': `prefix-${lt.ref}-suffix`,
    'a reference object and an attribute': { id: lt.ref, version: lt.attrLatestVersionNumber },
    'an intrinsic among literals': { UserData: Fn.base64(`#!/bin/bash\necho ${lt.ref}`), Other: ['a', { b: 2 }] },
    'a lazy producing literals with undefined inside': Lazy.any({ produce: () => ({ a: undefined, b: [undefined, 1] }) }),
    'a token number': { n: Token.asNumber(Lazy.number({ produce: () => 42 })) },
    'a list token among list elements': { list: Token.asList(Lazy.list({ produce: () => ['p', 'q'] })) },
    'a list with a token element': ['a', lt.ref, 'b'],
    'a token as a key': { [Lazy.string({ produce: () => 'Key' })]: 'v' },
    'a date': { when: new Date(0) },
    'an empty object and list kept': { o: {}, l: [] },
  };

  // Wrapped in a lazy, the whole value goes through aws-cdk-lib's resolve (with the same
  // resolver): the way every value went before the literal parts were copied here.
  const whole = (v: unknown) => Lazy.any({ produce: () => v });

  test.each(Object.keys(values))('%s', (name) => {
    const ours = resolveWithoutTrace(lt, values[name]);
    expect(ours).toEqual(resolveWithoutTrace(lt, whole(values[name])));
    if (!name.includes('in a string')) expect(ours).toEqual(stack.resolve(values[name])); // joins are written differently
  });

  test.each(Object.keys(values))('%s, keeping undefined (removeEmpty false, as overrides are resolved)', (name) => {
    const ours = resolveWithoutTrace(lt, values[name], false);
    const theirs = resolveWithoutTrace(lt, whole(values[name]), false);
    expect(ours).toEqual(theirs);
    expect(Object.keys(ours ?? {})).toEqual(Object.keys(theirs ?? {}));
  });

  test('a cycle in a literal value fails as aws-cdk-lib fails on it, not with a stack overflow', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => resolveWithoutTrace(lt, cyclic)).toThrow(/circular reference/i);
  });

  test('what aws-cdk-lib refuses, it refuses: a reference as a key, a list token where a string goes', () => {
    expect(() => resolveWithoutTrace(lt, { [lt.ref]: 'v' })).toThrow(/key in a map/);
    expect(() => stack.resolve({ [lt.ref]: 'v' })).toThrow(/key in a map/);
    const listToken = Token.asList(Lazy.list({ produce: () => ['p'] }))[0];
    expect(() => resolveWithoutTrace(lt, { scalar: listToken })).toThrow(/list token/);
    expect(() => stack.resolve({ scalar: listToken })).toThrow(/list token/);
  });

  test('a function fails as aws-cdk-lib fails on it', () => {
    expect(() => resolveWithoutTrace(lt, { f: () => 1 })).toThrow(/non-data object/);
  });
});
