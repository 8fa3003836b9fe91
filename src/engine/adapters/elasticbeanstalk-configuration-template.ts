import { ResourceAdapter } from '../adapter';
import { Impact } from '../model';
import { beanstalkOptionCarrier } from './elasticbeanstalk-option-settings';

/** AWS::ElasticBeanstalk::ConfigurationTemplate: option aws:autoscaling:launchconfiguration DisableIMDSv1. */
export const elasticBeanstalkConfigurationTemplate: ResourceAdapter = {
  type: 'AWS::ElasticBeanstalk::ConfigurationTemplate',
  properties: ['OptionSettings'],
  settings: beanstalkOptionCarrier,
  isContainerHost: () => false,
  versionChangeImpact: () => Impact.NONE,
};
