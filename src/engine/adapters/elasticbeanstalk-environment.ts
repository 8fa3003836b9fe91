import { ResourceAdapter } from '../adapter';
import { Impact } from '../model';
import { beanstalkOptionCarrier } from './elasticbeanstalk-option-settings';

/** AWS::ElasticBeanstalk::Environment: option aws:autoscaling:launchconfiguration DisableIMDSv1. */
export const elasticBeanstalkEnvironment: ResourceAdapter = {
  type: 'AWS::ElasticBeanstalk::Environment',
  properties: ['OptionSettings'],
  settings: beanstalkOptionCarrier,
  isContainerHost: () => false,
  versionChangeImpact: () => Impact.NONE,
};
