import { ResourceAdapter, metadataOptionsCarrier } from '../adapter';
import { Impact } from '../model';

/**
 * AWS::ImageBuilder::InfrastructureConfiguration. InstanceMetadataOptions (no endpoint
 * switch). Builds of container images run Docker on the build host, so it is a container
 * host (hop limit 2).
 */
export const imageBuilderInfrastructureConfiguration: ResourceAdapter = {
  type: 'AWS::ImageBuilder::InfrastructureConfiguration',
  properties: ['InstanceMetadataOptions'],
  settings: metadataOptionsCarrier(['InstanceMetadataOptions'], Impact.NO_INTERRUPTION, { endpoint: false }),
  isContainerHost: () => true,
  versionChangeImpact: () => Impact.NONE,
};
