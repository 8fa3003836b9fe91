import { ImdsSupportValues } from '@aws-sdk/client-ec2';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as imagebuilder from 'aws-cdk-lib/aws-imagebuilder';
import { checkSdkCall, customResourceCalls } from './sdk-model';
import { AmiImdsSupport } from '../../src/guardrails';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const TYPE = 'Custom::Imdsv2AmiImdsSupport';

describe('AmiImdsSupport', () => {
  test('calls ModifyImageAttribute with ImdsSupport v2.0 on create and update, nothing on delete', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Stack', { env: ENV });

    // WHEN
    new AmiImdsSupport(stack, 'Golden', { imageId: 'ami-0123456789abcdef0' });

    // THEN
    const [resource] = customResourceCalls(Template.fromStack(stack), TYPE);
    const expected = {
      service: 'EC2',
      action: 'ModifyImageAttribute',
      parameters: { ImageId: 'ami-0123456789abcdef0', ImdsSupport: { Value: 'v2.0' } },
      physicalResourceId: { id: 'ami-0123456789abcdef0' },
    };
    expect(resource.create).toEqual(expected);
    expect(resource.update).toEqual(expected);
    // Irreversible: there is no call that takes the mark off.
    expect(resource.delete).toBeUndefined();
    expect(resource.installLatestAwsSdk).toBe(false);
  });

  test('the call matches the real EC2 model, and v2.0 is the model\'s one ImdsSupport value', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    new AmiImdsSupport(stack, 'Golden', { imageId: 'ami-12345678' });
    const [resource] = customResourceCalls(Template.fromStack(stack), TYPE);
    expect(checkSdkCall(resource.create!)).toEqual([]);
    expect(checkSdkCall(resource.update!)).toEqual([]);
    // ModifyImageAttribute takes a plain AttributeValue; the enum is the one RegisterImage uses.
    expect(Object.values(ImdsSupportValues)).toEqual(['v2.0']);
  });

  test('IAM: ec2:ModifyImageAttribute on that AMI only', () => {
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    new AmiImdsSupport(stack, 'Golden', { imageId: 'ami-0123456789abcdef0' });
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .flatMap(p => p.Properties.PolicyDocument.Statement as unknown[]);
    expect(statements).toEqual([{
      Action: 'ec2:ModifyImageAttribute',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-1::image/ami-0123456789abcdef0']] },
    }]);
  });

  test('takes an image id from a token (an Image Builder image) and scopes IAM to it', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Stack', { env: ENV });
    const image = new imagebuilder.CfnImage(stack, 'Image', { infrastructureConfigurationArn: 'arn:aws:imagebuilder:eu-west-1:111111111111:infrastructure-configuration/x', imageRecipeArn: 'arn:aws:imagebuilder:eu-west-1:111111111111:image-recipe/x/1.0.0' });

    // WHEN
    const marked = new AmiImdsSupport(stack, 'Golden', { imageId: image.attrImageId });

    // THEN
    const template = Template.fromStack(stack);
    const [resource] = customResourceCalls(template, TYPE);
    expect(resource.create?.parameters).toEqual({ ImageId: 'TOKEN', ImdsSupport: { Value: 'v2.0' } });
    expect(checkSdkCall(resource.create!)).toEqual([]);
    expect(JSON.stringify(template.findResources(TYPE))).toContain('{"Fn::GetAtt":["Image","ImageId"]}');
    const statement = Object.values(template.findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument.Statement[0];
    expect(JSON.stringify(statement.Resource)).toContain('{"Fn::GetAtt":["Image","ImageId"]}');
    expect(stack.resolve(marked.imageId)).toEqual({ 'Fn::GetAtt': ['Image', 'ImageId'] });
  });

  test.each(['ami-123', 'i-0123456789abcdef0', 'ami-0123456789ABCDEF0', ''])('refuses image id %p', (imageId) => {
    expect(() => new AmiImdsSupport(new Stack(new App(), 'Stack'), 'Golden', { imageId })).toThrow(
      `AmiImdsSupport Stack/Golden: imageId is "${imageId}", expected an AMI id such as "ami-0123456789abcdef0"`);
  });
});
