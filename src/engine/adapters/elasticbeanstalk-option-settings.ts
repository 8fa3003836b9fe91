import { SettingsCarrier } from '../adapter';
import { UNRESOLVED, arrayAt, isPlainObject } from '../json';
import { Impact, MetadataState } from '../model';

const NAMESPACE = 'aws:autoscaling:launchconfiguration';
const OPTION = 'DisableIMDSv1';

function isTheOption(o: unknown): boolean {
  return isPlainObject(o) && o.Namespace === NAMESPACE && o.OptionName === OPTION;
}

/**
 * Elastic Beanstalk's `aws:autoscaling:launchconfiguration` / `DisableIMDSv1` option in
 * OptionSettings (there is no hop-limit option).
 */
export const beanstalkOptionCarrier: SettingsCarrier = {
  supportsHopLimit: false,
  changeImpact: Impact.NO_INTERRUPTION,
  read: (view): MetadataState => {
    const options = arrayAt(view.properties, ['OptionSettings']);
    if (options === UNRESOLVED) return { httpTokens: UNRESOLVED };
    const option = options.find(isTheOption);
    if (!option) return { httpTokens: 'optional' };
    const value = option.Value;
    if (typeof value !== 'string' && typeof value !== 'boolean') return { httpTokens: UNRESOLVED };
    return { httpTokens: String(value).toLowerCase() === 'true' ? 'required' : 'optional' };
  },
  isOpaque: (view) => arrayAt(view.properties, ['OptionSettings']) === UNRESOLVED,
  // Leaf writes only: the other options (often references to other stacks) stay untouched.
  write: (view, change) => {
    if (!change.httpTokens) return [];
    const options = arrayAt(view.properties, ['OptionSettings']);
    if (options === UNRESOLVED) return [];
    const at = options.findIndex(isTheOption);
    return [at >= 0
      ? { kind: 'set', resource: view, path: ['OptionSettings', String(at), 'Value'], value: 'true' }
      : { kind: 'set', resource: view, path: ['OptionSettings', String(options.length)], value: { Namespace: NAMESPACE, OptionName: OPTION, Value: 'true' } }];
  },
};
