import { Impact } from '../model';
import { ResourceAdapter, switchCarrier } from '../adapter';

/** AWS::AppStream::Fleet: DisableIMDSV1 (default false). */
export const appStreamFleet: ResourceAdapter = {
  type: 'AWS::AppStream::Fleet',
  properties: ['DisableIMDSV1'],
  settings: switchCarrier(['DisableIMDSV1'], (v) => String(v).toLowerCase() === 'true', true),
  isContainerHost: () => false,
  versionChangeImpact: () => Impact.NONE,
};
