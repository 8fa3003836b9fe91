import { CfnResource } from 'aws-cdk-lib';
import { resolveWithoutTrace } from './render-resource';
import { InstanceScripts, scriptPropertiesOf } from '../engine/user-data';

const CFN_INIT = 'AWS::CloudFormation::Init';

/** A resource as it reads in a synthesized template. */
export interface SynthesizedResource {
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/**
 * The scripts of a resource for `userDataFindings`, read from its synthesized template
 * entry (the nag pack, after synthesis): the properties that carry user data and its
 * AWS::CloudFormation::Init metadata. Before synthesis, `AppResources.scriptsOf` has them
 * from the render that made the resource's view.
 */
export function synthesizedScriptsOf(resource: CfnResource, synthesized: SynthesizedResource): InstanceScripts {
  const init = synthesized.Metadata?.[CFN_INIT];
  return {
    properties: scriptPropertiesOf(resource.cfnResourceType) !== undefined ? synthesized.Properties ?? {} : {},
    metadata: init === undefined ? undefined : { [CFN_INIT]: init },
  };
}

/** The resource's AWS::CloudFormation::Init metadata as a Metadata section, resolved without trace. */
export function cfnInitOf(resource: CfnResource): Record<string, unknown> | undefined {
  const init = resource.getMetadata(CFN_INIT);
  return init === undefined ? undefined : { [CFN_INIT]: resolveWithoutTrace(resource, init) };
}
