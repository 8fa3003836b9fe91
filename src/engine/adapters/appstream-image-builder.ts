import { ResourceAdapter, switchCarrier } from '../adapter';
import { Impact } from '../model';

/**
 * AWS::AppStream::ImageBuilder: DisableIMDSV1 (default false). aws-cdk-lib 2.257's L1
 * lacks the property, the CloudFormation spec has it: it is written as an override.
 * (AppStream::AppBlockBuilder has no such property in the spec, so it is not listed.)
 */
export const appStreamImageBuilder: ResourceAdapter = {
  type: 'AWS::AppStream::ImageBuilder',
  properties: ['DisableIMDSV1'],
  settings: switchCarrier(['DisableIMDSV1'], (v) => String(v).toLowerCase() === 'true', true),
  isContainerHost: () => false,
  versionChangeImpact: () => Impact.NONE,
};
