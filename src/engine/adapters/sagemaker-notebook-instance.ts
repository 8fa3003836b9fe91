import { ResourceAdapter, switchCarrier } from '../adapter';
import { Impact } from '../model';

/**
 * AWS::SageMaker::NotebookInstance. InstanceMetadataServiceConfiguration
 * .MinimumInstanceMetadataServiceVersion: "1" (the default) or "2".
 */
export const sageMakerNotebookInstance: ResourceAdapter = {
  type: 'AWS::SageMaker::NotebookInstance',
  properties: ['InstanceMetadataServiceConfiguration'],
  settings: switchCarrier(
    ['InstanceMetadataServiceConfiguration', 'MinimumInstanceMetadataServiceVersion'],
    (v) => String(v) === '2',
    '2',
  ),
  isContainerHost: () => false,
  versionChangeImpact: () => Impact.NONE,
};
