import { TemplateLink, VersionRef } from './plan';
import { Json, Unresolved } from '../json';
import { parseReference } from '../references';

/** Classify a launch template Version value. */
export function versionOf(v: Json | Unresolved | undefined): VersionRef {
  if (v === undefined || v === null) return { kind: 'default', byGetAtt: false };
  if (v === '$Latest') return { kind: 'latest', byGetAtt: false };
  if (v === '$Default') return { kind: 'default', byGetAtt: false };
  if (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v))) return { kind: 'pinned', number: Number(v) };
  // `Fn::GetAtt` in either form, or a Sub that is only that reference (its value is the attribute's).
  const attr = parseReference(v)?.attribute;
  if (attr === 'LatestVersionNumber') return { kind: 'latest', byGetAtt: true };
  if (attr === 'DefaultVersionNumber') return { kind: 'default', byGetAtt: true };
  return { kind: 'unknown', raw: v };
}

/**
 * True when a consumer's Version reads LT's LatestVersionNumber (`Fn::GetAtt`, in either
 * form, or a Sub that reads it): any change to LT changes that value, which re-versions it.
 */
export function followsLatest(l: TemplateLink): boolean {
  return (l.version.kind === 'latest' && l.version.byGetAtt) || l.readsLatest === true;
}

/** How a consumer names the default version (its raw Version value), for messages. */
export function defaultHow(raw: Json): string {
  if (raw === undefined || raw === null) return 'no Version';
  return typeof raw === 'string' ? `Version '${raw}'` : 'Version Fn::GetAtt DefaultVersionNumber';
}

/** The version a consumer launches, as the report shows it. */
export function versionLabel(v: VersionRef): string {
  switch (v.kind) {
    case 'pinned': return String(v.number);
    case 'unknown': return '(unresolved)';
    default: return v.byGetAtt ? v.kind : `$${v.kind === 'latest' ? 'Latest' : 'Default'}`;
  }
}
