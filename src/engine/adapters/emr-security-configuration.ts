import { ResourceAdapter, SettingsCarrier, namedBy } from '../adapter';
import { Json, UNRESOLVED, Unresolved, isIntrinsic, isPlainObject } from '../json';
import { Impact, MetadataState, Patch, ResourceView } from '../model';

const IMDS = 'InstanceMetadataServiceConfiguration';
const VERSION = 'MinimumInstanceMetadataServiceVersion';
const HOP = 'HttpPutResponseHopLimit';

/**
 * The security configuration document: `SecurityConfiguration` is CloudFormation Json, an
 * object or a JSON string. UNRESOLVED when it is computed at deploy time or not JSON.
 */
function documentOf(view: ResourceView): { doc: Record<string, Json>; asString: boolean } | Unresolved {
  const raw = isPlainObject(view.properties) ? view.properties.SecurityConfiguration : undefined;
  if (raw === undefined || raw === null) return { doc: {}, asString: false };
  if (typeof raw === 'string') {
    try {
      const parsed = JSON.parse(raw);
      return isPlainObject(parsed) ? { doc: parsed, asString: true } : UNRESOLVED;
    } catch {
      return UNRESOLVED;
    }
  }
  return isPlainObject(raw) && !isIntrinsic(raw) ? { doc: raw, asString: false } : UNRESOLVED;
}

function decided(v: Json): boolean {
  return v === undefined || typeof v === 'number' || (typeof v === 'string' && /^\s*\d+\s*$/.test(v));
}

/**
 * EMR's `InstanceMetadataServiceConfiguration` (Amazon EMR Management Guide, "Create a
 * security configuration", Configure Instance Metadata Service): `MinimumInstanceMetadataServiceVersion`
 * 1 (IMDSv1 and IMDSv2) or 2 (IMDSv2 only), and `HttpPutResponseHopLimit` 1–64 (default 1).
 * Without it EMR's instances answer IMDSv1: since EMR 5.32 / 6.2 (and 5.23.1, 5.27.1) EMR's
 * own components use IMDSv2, and application code may use either unless the security
 * configuration requires version 2 (What's New, 2021-03-30, "Amazon EMR now supports Amazon
 * EC2 Instance Metadata Service v2").
 */
const emrImdsCarrier: SettingsCarrier = {
  supportsHopLimit: true,
  // The CloudFormation spec: a change to SecurityConfiguration replaces the resource, which
  // gets a new name; every cluster that names it (a Ref) is replaced with it.
  changeImpact: Impact.REPLACEMENT,
  replacesResource: true,
  replacedHow: 'CloudFormation replaces the security configuration (SecurityConfiguration requires replacement), and every EMR cluster that names it is replaced with it',
  hopLimitKey: HOP,
  tokensRemedy: `set ${IMDS}.${VERSION} to 2 in the security configuration (the rest of the document kept)`,
  where: (_, field) => field === 'tokens'
    ? `${IMDS}.${VERSION} is not 2 (1 or unset: IMDSv1 answers too)`
    : IMDS,
  read: (view): MetadataState => {
    const found = documentOf(view);
    if (found === UNRESOLVED) return { httpTokens: UNRESOLVED };
    const imds = found.doc[IMDS];
    if (imds === undefined || imds === null) return { httpTokens: 'optional' };
    if (!isPlainObject(imds) || isIntrinsic(imds)) return { httpTokens: UNRESOLVED, hopLimit: UNRESOLVED };
    const version = imds[VERSION];
    const hop = imds[HOP];
    return {
      httpTokens: !decided(version) ? UNRESOLVED : Number(version) === 2 ? 'required' : 'optional',
      hopLimit: hop === undefined ? undefined : decided(hop) ? Number(hop) : UNRESOLVED,
    };
  },
  isOpaque: (view) => documentOf(view) === UNRESOLVED,
  opaqueProblem: () => 'its security configuration document is computed at deploy time or is not JSON',
  write: (view, change): Patch[] => {
    const found = documentOf(view);
    if (found === UNRESOLVED) return [];
    const fields: Record<string, number> = {};
    if (change.httpTokens) fields[VERSION] = 2;
    if (change.hopLimit !== undefined) fields[HOP] = change.hopLimit;
    if (found.asString) {
      // A JSON string is one value: written whole, with the fields set.
      const imds = isPlainObject(found.doc[IMDS]) ? found.doc[IMDS] : {};
      const doc = { ...found.doc, [IMDS]: { ...imds, ...fields } };
      return [{ kind: 'set', resource: view, path: ['SecurityConfiguration'], value: JSON.stringify(doc) }];
    }
    return Object.entries(fields).map(([key, value]) => ({ kind: 'set', resource: view, path: ['SecurityConfiguration', IMDS, key], value }));
  },
};

/**
 * AWS::EMR::SecurityConfiguration: `SecurityConfiguration.InstanceMetadataServiceConfiguration`.
 * EMR hosts are plain hosts (YARN containers share the host's network). Fixing it replaces
 * it and the clusters that name it: applied only with allowReplacement, and never when it
 * has a Name (CloudFormation cannot replace a resource with a custom name).
 */
export const emrSecurityConfiguration: ResourceAdapter = {
  type: 'AWS::EMR::SecurityConfiguration',
  properties: ['SecurityConfiguration', 'Name'],
  settings: emrImdsCarrier,
  isContainerHost: () => false,
  versionChangeImpact: () => Impact.NONE,
  customName: namedBy('Name',
    'create a security configuration without a Name (or with another one) that requires IMDSv2, and point the clusters at it (which replaces them)'),
};
