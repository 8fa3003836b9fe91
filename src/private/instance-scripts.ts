import { CfnResource } from 'aws-cdk-lib';
import { resolveWithoutTrace, renderedProperties } from './render-resource';
import { InstanceScripts, USER_DATA_PROPERTIES } from '../engine/user-data';

const CFN_INIT = 'AWS::CloudFormation::Init';

/**
 * The scripts of a CfnResource for `userDataFindings`: the rendered properties that carry
 * user data (property overrides included) and its resolved AWS::CloudFormation::Init
 * metadata (what `applyCloudFormationInit` and `addMetadata` attach). Resolved without
 * trace, since the aspect reads them before synthesis.
 */
export function instanceScriptsOf(resource: CfnResource): InstanceScripts {
  const userDataProperties = USER_DATA_PROPERTIES[resource.cfnResourceType];
  const init = resource.getMetadata(CFN_INIT);
  return {
    properties: userDataProperties !== undefined ? renderedProperties(resource, userDataProperties) : {},
    metadata: init === undefined ? undefined : { [CFN_INIT]: resolveWithoutTrace(resource, init) },
  };
}
