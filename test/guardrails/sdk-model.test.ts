import { checkSdkCall } from './sdk-model';

// The checker itself: it must accept the calls the real model allows and name each
// kind of mistake, or the construct tests that rely on it would prove nothing.
describe('checkSdkCall (against @aws-sdk/client-ec2)', () => {
  test('accepts a call the model allows', () => {
    expect(checkSdkCall({
      service: 'EC2',
      action: 'ModifyInstanceMetadataDefaults',
      parameters: { HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpTokensEnforced: 'enabled' },
    })).toEqual([]);
    expect(checkSdkCall({ service: 'EC2', action: 'GetInstanceMetadataDefaults', outputPaths: ['AccountLevel'] }, ['AccountLevel.HttpTokensEnforced'])).toEqual([]);
  });

  test('names a misspelt parameter, with the members that exist', () => {
    const errors = checkSdkCall({ service: 'EC2', action: 'ModifyInstanceMetadataDefaults', parameters: { HttpTokenEnforced: 'enabled' } });
    expect(errors).toEqual([expect.stringMatching(/ModifyInstanceMetadataDefaults\.HttpTokenEnforced: no member HttpTokenEnforced in ModifyInstanceMetadataDefaultsRequest \(members: .*HttpTokensEnforced/)]);
  });

  test('names a value outside the model\'s enum', () => {
    const errors = checkSdkCall({ service: 'EC2', action: 'ModifyInstanceMetadataDefaults', parameters: { HttpTokens: 'no_preference' } });
    expect(errors).toEqual([expect.stringMatching(/HttpTokens: "no_preference" is not a value of MetadataDefaultHttpTokensState \(no-preference, optional, required\)/)]);
  });

  test('names a value of the wrong type', () => {
    const errors = checkSdkCall({ service: 'EC2', action: 'ModifyInstanceMetadataDefaults', parameters: { HttpPutResponseHopLimit: '2' } });
    expect(errors).toEqual([expect.stringMatching(/HttpPutResponseHopLimit: expected a number, got "2"/)]);
  });

  test('checks nested structures', () => {
    expect(checkSdkCall({ service: 'EC2', action: 'ModifyImageAttribute', parameters: { ImageId: 'ami-1', ImdsSupport: { Value: 'v2.0' } } })).toEqual([]);
    expect(checkSdkCall({ service: 'EC2', action: 'ModifyImageAttribute', parameters: { ImageId: 'ami-1', ImdsSupport: { value: 'v2.0' } } }))
      .toEqual([expect.stringMatching(/ModifyImageAttribute\.ImdsSupport\.value: no member value in AttributeValue/)]);
    expect(checkSdkCall({ service: 'EC2', action: 'ModifyImageAttribute', parameters: { ImdsSupport: 'v2.0' } }))
      .toEqual([expect.stringMatching(/ImdsSupport: expected a structure AttributeValue/)]);
  });

  test('names an unknown action or service', () => {
    expect(checkSdkCall({ service: 'EC2', action: 'ModifyInstanceMetadataDefault' }))
      .toEqual(expect.arrayContaining([expect.stringMatching(/no ModifyInstanceMetadataDefaultCommand in @aws-sdk\/client-ec2/)]));
    expect(checkSdkCall({ service: 'EC22', action: 'ModifyInstanceMetadataDefaults' }))
      .toEqual([expect.stringMatching(/service EC22: no package/)]);
  });

  test('names a response path the output does not have', () => {
    expect(checkSdkCall({ service: 'EC2', action: 'GetInstanceMetadataDefaults', outputPaths: ['AccountLevel'] }, ['AccountLevel.HttpToken']))
      .toEqual([expect.stringMatching(/response path AccountLevel\.HttpToken: no member HttpToken in InstanceMetadataDefaultsResponse/)]);
  });
});
