import { CfnResource } from 'aws-cdk-lib';
import { resolveWithoutTrace, renderedProperties } from './render-resource';
import { InstanceScripts, USER_DATA_PROPERTIES } from '../engine/user-data';

const CFN_INIT = 'AWS::CloudFormation::Init';

/** A resource as it reads in a synthesized template. */
export interface SynthesizedResource {
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/**
 * The scripts of a CfnResource for `userDataFindings`: the properties that carry user data
 * (property overrides included) and its AWS::CloudFormation::Init metadata (what
 * `applyCloudFormationInit` and `addMetadata` attach).
 *
 * Read from its synthesized template entry when the caller has it (the nag pack, after
 * synthesis); otherwise rendered and resolved without trace (the aspect, before synthesis).
 */
export function instanceScriptsOf(resource: CfnResource, synthesized?: SynthesizedResource): InstanceScripts {
  const userDataProperties = USER_DATA_PROPERTIES[resource.cfnResourceType];
  if (synthesized) {
    const init = synthesized.Metadata?.[CFN_INIT];
    return {
      properties: userDataProperties !== undefined ? synthesized.Properties ?? {} : {},
      metadata: init === undefined ? undefined : { [CFN_INIT]: init },
    };
  }
  return {
    properties: userDataProperties !== undefined ? renderedProperties(resource, userDataProperties) : {},
    metadata: cfnInitOf(resource),
  };
}

/** The resource's AWS::CloudFormation::Init metadata as a Metadata section, resolved without trace. */
export function cfnInitOf(resource: CfnResource): Record<string, unknown> | undefined {
  const init = resource.getMetadata(CFN_INIT);
  return init === undefined ? undefined : { [CFN_INIT]: resolveWithoutTrace(resource, init) };
}
