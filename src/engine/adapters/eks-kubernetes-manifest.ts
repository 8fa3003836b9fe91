import { ResourceAdapter, SettingsCarrier } from '../adapter';
import { Json, UNRESOLVED, Unresolved, isIntrinsic, isPlainObject } from '../json';
import { JsonText, TextEdit, hasIntrinsic, readJsonText, writeJsonText } from '../json-text';
import { Impact, MetadataChange, MetadataState, ResourceLookup, ResourceView } from '../model';
import { parseReference } from '../references';

/**
 * Custom::AWSCDK-EKS-KubernetesResource: what aws-eks and aws-eks-v2 make for
 * `cluster.addManifest()` / `new KubernetesManifest()`. Its `Manifest` is a JSON string of a
 * list of Kubernetes objects (an `Fn::Join` when they hold tokens). Karpenter launches EC2
 * nodes from each `EC2NodeClass` (karpenter.k8s.aws/v1 or v1beta1) in it, with the
 * class's `spec.metadataOptions`; a manifest without one launches nothing and is not
 * IMDS-bearing.
 *
 * Karpenter's defaults, from its CRD (aws/karpenter-provider-aws,
 * pkg/apis/crds/karpenter.k8s.aws_ec2nodeclasses.yaml): with no metadataOptions, v1 gives
 * httpEndpoint enabled, httpProtocolIPv6 disabled, httpPutResponseHopLimit 1 and httpTokens
 * required; v1beta1 the same with hop limit 2; each field is defaulted on its own when the
 * block is given. Both defaults are compliant, so a class without the block is.
 *
 * Nodes run pods (container hosts): a hop limit above containerHopLimit is lowered to it,
 * Karpenter's own 1 (pods kept off IMDS, as EKS best practices advise) is kept. Changing an
 * EC2NodeClass makes Karpenter see its nodes drift and replace them all, so the fix is a
 * replacement: applied only with allowReplacement. The fix edits the values in the
 * manifest's text and keeps every other byte of it.
 */
export const eksKubernetesManifest: ResourceAdapter = {
  type: 'Custom::AWSCDK-EKS-KubernetesResource',
  properties: ['Manifest'],
  launchesInstances: (view) => read(view) !== 'none',
  settings: manifestCarrier(),
  isContainerHost: () => true,
  versionChangeImpact: () => Impact.NONE,
};

/** One EC2NodeClass of the manifest: where its metadata options are, and what they are. */
interface NodeClass {
  /** Its kind and metadata.name, for messages. */
  readonly kind: string;
  readonly name: string;
  /** The path of its `spec` in the document (ranges of JsonText). */
  readonly specPath: string;
  readonly state: MetadataState;
}

type Manifest = { readonly doc: JsonText; readonly classes: readonly NodeClass[] } | 'none' | 'unreadable';

const GROUP = 'karpenter.k8s.aws/';
/** Whether any object could be a node class: an unreadable manifest that mentions none is some other object. */
const MENTIONS_NODE_CLASS = /EC2NodeClass|AWSNodeTemplate|karpenter\.k8s\.aws/;
const cache = new WeakMap<object, Manifest>();

/** The manifest of `view`, read once per properties object. */
function read(view: ResourceView): Manifest {
  const props = isPlainObject(view.properties) ? view.properties : {};
  let found = cache.get(props);
  if (found === undefined) cache.set(props, found = readManifest(props.Manifest));
  return found;
}

function readManifest(manifest: Json): Manifest {
  if (manifest === undefined || manifest === null) return 'none';
  const doc = readJsonText(manifest);
  if (!doc) {
    // Not readable: a manifest that mentions a node class, or has no text at all (a
    // parameter, an import), may hold one. A readable-looking one with a number token in it
    // (JSON that is not JSON until deploy) and no mention is some other Kubernetes object.
    const hasText = typeof manifest === 'string' || (isIntrinsic(manifest) && ('Fn::Join' in manifest || 'Fn::Sub' in manifest));
    return !hasText || MENTIONS_NODE_CLASS.test(JSON.stringify(manifest)) ? 'unreadable' : 'none';
  }
  const objects: Json[] = Array.isArray(doc.value) ? doc.value : [doc.value];
  const classes: NodeClass[] = [];
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i];
    if (!isPlainObject(o)) continue;
    const kind = o.kind;
    const apiVersion = o.apiVersion;
    if ((typeof kind === 'string' && hasIntrinsic(kind)) || (typeof apiVersion === 'string' && hasIntrinsic(apiVersion))) return 'unreadable';
    const defaults = typeof apiVersion === 'string' && apiVersion.startsWith(GROUP) ? defaultsOf(kind, apiVersion) : undefined;
    if (!defaults) continue;
    const base = Array.isArray(doc.value) ? `${i}.` : '';
    const name = typeof o.metadata?.name === 'string' ? o.metadata.name : `#${i}`;
    classes.push({ kind, name, specPath: `${base}spec`, state: stateOf(o.spec, defaults) });
  }
  return classes.length === 0 ? 'none' : { doc, classes };
}

/** What Karpenter does where metadataOptions, or a field of it, is not written. */
interface KarpenterDefaults {
  /** The hop limit with no metadataOptions at all (tokens are then required, the endpoint enabled). */
  readonly hopWithoutBlock: number;
  /** httpTokens and the hop limit when the block is given without them. */
  readonly tokensInBlock: string;
  readonly hopInBlock: number;
}

/**
 * Per kind and API version, from Karpenter's CRDs (aws/karpenter-provider-aws,
 * pkg/apis/crds/): EC2NodeClass v1 defaults the block and each field to tokens required,
 * hop limit 1; v1beta1 the same with hop limit 2. The older AWSNodeTemplate (v1alpha1,
 * Karpenter before 0.33) gives tokens required and hop limit 2 with no block, but a block
 * without httpTokens leaves tokens optional (and hop limit 1).
 */
function defaultsOf(kind: Json, apiVersion: string): KarpenterDefaults | undefined {
  if (kind === 'EC2NodeClass') {
    const hop = apiVersion === `${GROUP}v1beta1` ? 2 : 1;
    return { hopWithoutBlock: hop, tokensInBlock: 'required', hopInBlock: hop };
  }
  if (kind === 'AWSNodeTemplate') return { hopWithoutBlock: 2, tokensInBlock: 'optional', hopInBlock: 1 };
  return undefined;
}

/** Karpenter's effective metadata options of a class's spec (its defaults where unset). */
function stateOf(spec: Json, defaults: KarpenterDefaults): MetadataState {
  const options = isPlainObject(spec) ? spec.metadataOptions : undefined;
  if (options === undefined || options === null) return { httpTokens: 'required', hopLimit: defaults.hopWithoutBlock, httpEndpoint: 'enabled' };
  if (!isPlainObject(options)) return { httpTokens: UNRESOLVED, hopLimit: UNRESOLVED, httpEndpoint: UNRESOLVED };
  return {
    httpTokens: field(options.httpTokens, defaults.tokensInBlock),
    hopLimit: typeof options.httpPutResponseHopLimit === 'number' ? options.httpPutResponseHopLimit
      : options.httpPutResponseHopLimit === undefined ? defaults.hopInBlock : UNRESOLVED,
    httpEndpoint: field(options.httpEndpoint, 'enabled'),
  };
}

function field(v: Json, unset: string): string | Unresolved {
  if (v === undefined || v === null) return unset;
  return typeof v === 'string' && !hasIntrinsic(v) ? v.toLowerCase() : UNRESOLVED;
}

/**
 * The classes' settings as one: IMDSv1 is reachable when it is on any class whose endpoint is
 * enabled, the hop limit is the highest. `write` then changes only the classes that need it.
 */
function combined(classes: readonly NodeClass[]): MetadataState {
  const open = classes.filter((c) => c.state.httpEndpoint !== 'disabled');
  if (open.length === 0) return { httpEndpoint: 'disabled' };
  const states = open.map((c) => c.state);
  const any = (f: (s: MetadataState) => boolean) => states.some(f);
  return {
    httpEndpoint: any((s) => s.httpEndpoint === UNRESOLVED) ? UNRESOLVED : 'enabled',
    httpTokens: any((s) => s.httpTokens === UNRESOLVED) ? UNRESOLVED : any((s) => s.httpTokens !== 'required') ? 'optional' : 'required',
    hopLimit: any((s) => s.hopLimit === UNRESOLVED) ? UNRESOLVED : Math.max(...states.map((s) => s.hopLimit as number)),
  };
}

function manifestCarrier(): SettingsCarrier {
  return {
    supportsHopLimit: true,
    changeImpact: Impact.REPLACEMENT,
    replacedHow: 'Karpenter sees the EC2NodeClass drift and replaces every node launched from it (their pods are evicted and rescheduled)',
    acceptsLowerHopLimit: true,
    tokensRemedy: "set spec.metadataOptions.httpTokens to 'required' in the node class (the rest of the manifest kept)",
    hopLimitKey: 'httpPutResponseHopLimit',
    read: (view) => {
      const m = read(view);
      return typeof m === 'string' ? { httpTokens: UNRESOLVED } : combined(m.classes);
    },
    isOpaque: (view) => read(view) === 'unreadable',
    where: (view, which) => {
      const m = read(view);
      if (typeof m === 'string') return undefined;
      const open = m.classes.filter((c) => c.state.httpEndpoint !== 'disabled');
      const top = Math.max(...open.map((c) => (typeof c.state.hopLimit === 'number' ? c.state.hopLimit : 0)));
      const named = open.filter((c) => (which === 'tokens' ? c.state.httpTokens !== 'required' : c.state.hopLimit === top));
      return named.length === 0 ? undefined : `${named.map((c) => `${c.kind} '${c.name}'`).join(', ')} spec.metadataOptions`;
    },
    opaqueProblem: () => 'its Kubernetes manifest cannot be read here (computed at deploy time, or not JSON until then) and may hold a Karpenter EC2NodeClass',
    cannotWrite: crossStackReference,
    write: (view, change) => {
      const m = read(view);
      if (typeof m === 'string') return [];
      const edits = m.classes.flatMap((c) => editsOf(m.doc, c, change));
      return edits.length === 0 ? [] : [{ kind: 'set', resource: view, path: ['Manifest'], value: writeJsonText(m.doc, edits) }];
    },
  };
}

/** The text edits that give class `c` the change (only where it needs it). */
function editsOf(doc: JsonText, c: NodeClass, change: MetadataChange): TextEdit[] {
  if (c.state.httpEndpoint === 'disabled') return [];
  const options = `${c.specPath}.metadataOptions`;
  const edits: TextEdit[] = [];
  if (change.httpTokens && c.state.httpTokens === 'optional') {
    const at = doc.ranges.get(`${options}.httpTokens`);
    // Unset inside a block is optional for an AWSNodeTemplate: the field is added.
    edits.push(at ? { range: at, replacement: '"required"' } : insertKey(doc, options, 'httpTokens', 'required'));
  }
  if (change.hopLimit !== undefined && typeof c.state.hopLimit === 'number' && c.state.hopLimit > change.hopLimit) {
    const at = doc.ranges.get(`${options}.httpPutResponseHopLimit`);
    if (at) edits.push({ range: at, replacement: String(change.hopLimit) });
    else if (doc.ranges.has(options)) edits.push(insertKey(doc, options, 'httpPutResponseHopLimit', change.hopLimit));
    // No block: Karpenter's defaults (tokens required, endpoint enabled) written with the limit.
    else edits.push(insertKey(doc, c.specPath, 'metadataOptions', { httpTokens: 'required', httpPutResponseHopLimit: change.hopLimit }));
  }
  return edits;
}

/** An edit that adds `key` first in the object at `path`. */
function insertKey(doc: JsonText, path: string, key: string, value: Json): TextEdit {
  const at = doc.ranges.get(path)!;
  const object = path.split('.').reduce<Json>((o, k) => o?.[k], doc.value);
  const comma = isPlainObject(object) && Object.keys(object).length > 0 ? ',' : '';
  return { range: { start: at.start + 1, end: at.start + 1 }, replacement: `${JSON.stringify(key)}:${JSON.stringify(value)}${comma}` };
}

/**
 * Why the manifest cannot be rewritten here: it copies references, and one of them is not
 * of its own stack (before the app is prepared a reference into another stack reads as a
 * plain Ref; copied into a new value it would no longer become an import).
 */
function crossStackReference(view: ResourceView, lookup: ResourceLookup): string | undefined {
  const m = read(view);
  if (typeof m === 'string' || !lookup.definesLogicalId) return undefined;
  for (const id of m.doc.intrinsics.flatMap(referencedIds)) {
    if (lookup.definesLogicalId(view, id) === false) {
      return `the manifest refers to '${id}', which is not in its stack, and a rewritten manifest would lose that reference; set it in the code that writes the manifest`;
    }
  }
  return undefined;
}

/** The logical ids an intrinsic refers to (pseudo parameters and imports need no check). */
function referencedIds(v: Json): string[] {
  if (Array.isArray(v)) return v.flatMap(referencedIds);
  if (!isPlainObject(v)) return [];
  const ref = parseReference(v);
  if (ref) return ref.logicalId.startsWith('AWS::') ? [] : [ref.logicalId];
  return Object.values(v).flatMap(referencedIds);
}
