import { ResourceAdapter, switchCarrier } from '../adapter';
import { Impact } from '../model';

/** AWS::AppStream::Fleet: DisableIMDSV1 (default false). */
export const appStreamFleet: ResourceAdapter = {
  type: 'AWS::AppStream::Fleet',
  properties: ['DisableIMDSV1'],
  settings: switchCarrier(['DisableIMDSV1'], (v) => String(v).toLowerCase() === 'true', true),
  isContainerHost: () => false,
  versionChangeImpact: () => Impact.NONE,
};
