import { canonicalJson, mentionsReference, parseReference } from '../../src/engine/references';

describe('parseReference', () => {
  test.each<[string, unknown, unknown]>([
    ['Ref', { Ref: 'Lt' }, { logicalId: 'Lt' }],
    ['Ref to a pseudo parameter', { Ref: 'AWS::StackName' }, { logicalId: 'AWS::StackName' }],
    ['GetAtt list', { 'Fn::GetAtt': ['Lt', 'LatestVersionNumber'] }, { logicalId: 'Lt', attribute: 'LatestVersionNumber' }],
    ['GetAtt string', { 'Fn::GetAtt': 'Lt.LatestVersionNumber' }, { logicalId: 'Lt', attribute: 'LatestVersionNumber' }],
    ['GetAtt string of a dotted attribute', { 'Fn::GetAtt': 'Nested.Outputs.LtId' }, { logicalId: 'Nested', attribute: 'Outputs.LtId' }],
    ['Sub of a Ref', { 'Fn::Sub': '${Lt}' }, { logicalId: 'Lt' }],
    ['Sub of an attribute', { 'Fn::Sub': '${Lt.LatestVersionNumber}' }, { logicalId: 'Lt', attribute: 'LatestVersionNumber' }],
    ['Sub list, no variables', { 'Fn::Sub': ['${Lt.LaunchTemplateId}', {}] }, { logicalId: 'Lt', attribute: 'LaunchTemplateId' }],
    ['Sub list, a variable bound to a GetAtt', { 'Fn::Sub': ['${V}', { V: { 'Fn::GetAtt': 'Lt.LatestVersionNumber' } }] }, { logicalId: 'Lt', attribute: 'LatestVersionNumber' }],
    ['Sub list, a variable bound to a Sub', { 'Fn::Sub': ['${V}', { V: { 'Fn::Sub': '${Lt}' } }] }, { logicalId: 'Lt' }],
  ])('%s is read', (_, value, expected) => {
    expect(parseReference(value)).toEqual(expected);
  });

  test.each<[string, unknown]>([
    ['a literal', 'lt-0123'],
    ['a number', 3],
    ['Fn::Join', { 'Fn::Join': ['', [{ Ref: 'Lt' }]] }],
    ['Fn::ImportValue', { 'Fn::ImportValue': 'x' }],
    ['an object with Ref and more keys (not an intrinsic)', { Ref: 'Lt', Other: 1 }],
    ['GetAtt string without an attribute', { 'Fn::GetAtt': 'Lt' }],
    ['GetAtt with a computed attribute', { 'Fn::GetAtt': ['Lt', { Ref: 'Attr' }] }],
    ['Sub with text around the reference', { 'Fn::Sub': 'v${Lt.LatestVersionNumber}' }],
    ['Sub of two references', { 'Fn::Sub': '${Lt.LatestVersionNumber}${Lt.DefaultVersionNumber}' }],
    ['Sub of an escaped ${!Literal}', { 'Fn::Sub': '${!Lt}' }],
    ['Sub list, a variable bound to a literal', { 'Fn::Sub': ['${V}', { V: '3' }] }],
    ['Sub list of the wrong shape', { 'Fn::Sub': ['${Lt}'] }],
  ])('%s is not a reference', (_, value) => {
    expect(parseReference(value)).toBeUndefined();
  });
});

describe('mentionsReference', () => {
  test('finds the attribute inside a Sub of several references, Fn::Join and nested GetAtts of both forms', () => {
    expect(mentionsReference({ 'Fn::Sub': '${Lt.LatestVersionNumber}-${AWS::Region}' }, 'Lt', 'LatestVersionNumber')).toBe(true);
    expect(mentionsReference({ 'Fn::Join': ['', [{ 'Fn::GetAtt': 'Lt.LatestVersionNumber' }]] }, 'Lt', 'LatestVersionNumber')).toBe(true);
    expect(mentionsReference({ 'Fn::If': ['C', { 'Fn::GetAtt': ['Lt', 'LatestVersionNumber'] }, '1'] }, 'Lt', 'LatestVersionNumber')).toBe(true);
  });

  test('does not confuse another attribute, another resource, an escaped name or a variable of the same name', () => {
    expect(mentionsReference({ 'Fn::Sub': '${Lt.DefaultVersionNumber}' }, 'Lt', 'LatestVersionNumber')).toBe(false);
    expect(mentionsReference({ 'Fn::Sub': '${Other.LatestVersionNumber}' }, 'Lt', 'LatestVersionNumber')).toBe(false);
    expect(mentionsReference({ 'Fn::Sub': '${!Lt.LatestVersionNumber}' }, 'Lt', 'LatestVersionNumber')).toBe(false);
    expect(mentionsReference({ 'Fn::Sub': ['${Lt.LatestVersionNumber}', { 'Lt.LatestVersionNumber': '1' }] }, 'Lt', 'LatestVersionNumber')).toBe(false);
    expect(mentionsReference('1', 'Lt', 'LatestVersionNumber')).toBe(false);
  });
});

describe('canonicalJson', () => {
  test('is the same for objects whose keys are written in another order, and differs with the values', () => {
    expect(canonicalJson({ b: [1, { y: 1, x: 2 }], a: 'x' })).toBe(canonicalJson({ a: 'x', b: [1, { x: 2, y: 1 }] }));
    expect(canonicalJson({ 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, 'lt']] }))
      .not.toBe(canonicalJson({ 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, 'lt2']] }));
  });
});
