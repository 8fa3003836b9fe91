import { CfnResource, Stack } from 'aws-cdk-lib';
import { InstanceScripts, USER_DATA_PROPERTIES } from '../engine/user-data';
import { renderedProperties } from '../private/render-resource';

const CFN_INIT = 'AWS::CloudFormation::Init';

/** True when resources of `type` can carry user data (cfn-init metadata is looked for on every one). */
export function carriesUserData(type: string): boolean {
  return USER_DATA_PROPERTIES[type] !== undefined;
}

/**
 * The scripts of a CfnResource for `userDataFindings`: its rendered Properties (property
 * overrides included) and its resolved AWS::CloudFormation::Init metadata (what
 * `applyCloudFormationInit` and `addMetadata` attach), read from its synthesized template
 * entry when the caller has it.
 */
export function instanceScriptsOf(resource: CfnResource, synthesized?: SynthesizedResource): InstanceScripts {
  if (synthesized) {
    const init = synthesized.Metadata?.[CFN_INIT];
    return {
      properties: carriesUserData(resource.cfnResourceType) ? synthesized.Properties ?? {} : {},
      metadata: init === undefined ? undefined : { [CFN_INIT]: init },
    };
  }
  const stack = Stack.of(resource);
  const init = resource.getMetadata(CFN_INIT);
  return {
    properties: carriesUserData(resource.cfnResourceType) ? renderedProperties(resource) : {},
    metadata: init === undefined ? undefined : { [CFN_INIT]: stack.resolve(init) },
  };
}

/** A resource as it reads in a synthesized template. */
export interface SynthesizedResource {
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}
