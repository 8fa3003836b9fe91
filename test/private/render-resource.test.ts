import { App, CfnResource, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { renderedProperties } from '../../src/private/render-resource';

// renderedProperties() is the one place that uses an aws-cdk-lib internal
// (CfnResource._toCloudFormation). If aws-cdk-lib changes it, these tests fail first.
describe('renderedProperties', () => {
  test('aws-cdk-lib still has CfnResource._toCloudFormation', () => {
    expect(typeof (CfnResource.prototype as any)._toCloudFormation).toBe('function');
  });

  test('returns the properties as synthesized: CloudFormation names, overrides and tokens resolved', () => {
    // GIVEN
    const stack = new Stack(new App(), 'S');
    const lt = new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 2 } } });
    const instance = new ec2.CfnInstance(stack, 'I', { launchTemplate: { launchTemplateId: lt.ref, version: lt.attrLatestVersionNumber } });
    instance.addPropertyOverride('MetadataOptions.HttpTokens', 'optional');

    // WHEN
    const props = renderedProperties(instance);

    // THEN
    expect(props).toEqual({
      LaunchTemplate: { LaunchTemplateId: { Ref: 'Lt' }, Version: { 'Fn::GetAtt': ['Lt', 'LatestVersionNumber'] } },
      MetadataOptions: { HttpTokens: 'optional' },
    });
    expect(renderedProperties(lt)).toEqual({ LaunchTemplateData: { MetadataOptions: { HttpTokens: 'optional', HttpPutResponseHopLimit: 2 } } });
  });

  test('fails loudly, naming the resource, if the internal disappears', () => {
    const stack = new Stack(new App(), 'S');
    const instance = new ec2.CfnInstance(stack, 'I', {});
    (instance as any)._toCloudFormation = undefined;
    expect(() => renderedProperties(instance)).toThrow('cdk-imdsv2: aws-cdk-lib no longer has CfnResource._toCloudFormation(); cannot read S/I');
  });
});
