// Shared, not exported from the package: the hop-limit policy, the checks every
// construct of this library makes on its props, and the reading of a launch template's
// metadata options. Kept free of union types in anything a construct exposes.
import { Token, Tokenization, Reference, Validations, isResolvableObject } from 'aws-cdk-lib';
import { CfnLaunchTemplate, ILaunchTemplate } from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { checkHopLimit } from '../engine/hop-limit';
import { Imdsv2RuleId } from '../engine/rule-id';
import { renamedProp } from '../private/renamed-prop';

/** Hop limit of a plain host: the token never leaves the instance. */
export const HOST_HOP_LIMIT = 1;

/** Hop limit of a container host: containers behind a bridge (or pods) reach IMDS through one more hop. */
export const CONTAINER_HOP_LIMIT = 2;

/** The path a construct will have once created, for messages thrown before `super()`. */
export function pathOf(scope: IConstruct, id: string): string {
  return scope.node.path ? `${scope.node.path}/${id}` : id;
}

/** `"value"` for a string, the number as is, `unset` for undefined. */
export function show(value: unknown): string {
  if (value === undefined) return 'unset';
  if (typeof value === 'string') return `"${value}"`;
  return String(value);
}

/**
 * Throw unless `httpTokens` is unset or `required` (the constructs render `required`).
 *
 * @param path the construct path, for the message
 * @param httpTokens the value the user passed (an `ec2.HttpTokens` or `ec2.LaunchTemplateHttpTokens`)
 */
export function assertTokensNotOptional(path: string, httpTokens: string | undefined): void {
  if (httpTokens === undefined || httpTokens === 'required') return;
  throw new Error(`${path}: httpTokens is ${show(httpTokens)}, expected "required" or unset: `
    + 'any other value lets IMDSv1 answer requests without a token');
}

/**
 * The hop limit to render: the user's own value if given (checked), else the default for
 * the kind of host.
 *
 * @param path the construct path, for the message
 * @param explicit the `httpPutResponseHopLimit` the user passed
 * @param containerImdsAccess whether containers on the host need IMDS
 * @param switchName the name of the prop the user gave for it, for the message
 */
export function hopLimitFor(path: string, explicit: number | undefined, containerImdsAccess: boolean, switchName: string): number {
  if (explicit === undefined) return containerImdsAccess ? CONTAINER_HOP_LIMIT : HOST_HOP_LIMIT;
  if (Token.isUnresolved(explicit)) return explicit;
  checkHopLimit(path, 'httpPutResponseHopLimit', explicit);
  if (containerImdsAccess && explicit < CONTAINER_HOP_LIMIT) {
    throw new Error(`${path}: httpPutResponseHopLimit is ${explicit} but ${switchName} is true, `
      + `expected ${CONTAINER_HOP_LIMIT} or more: containers reach IMDS through one more hop than the host `
      + `(or drop ${switchName} to keep the token on the host)`);
  }
  return explicit;
}

/** What a launch template's metadata options allow. */
export enum LaunchTemplateImds {
  /** `HttpTokens: required`: IMDSv1 is closed. */
  TOKENS_REQUIRED = 'tokens-required',
  /** `HttpEndpoint: disabled`: no IMDS at all. */
  ENDPOINT_DISABLED = 'endpoint-disabled',
  /** Tokens optional or unset, endpoint enabled or unset: IMDSv1 is reachable. */
  OPEN = 'open',
  /** The settings cannot be read here (imported template, token). */
  UNVERIFIABLE = 'unverifiable',
}

/** The result of reading a launch template. */
export interface LaunchTemplateInspection {
  readonly state: LaunchTemplateImds;
  /** For OPEN: the `HttpTokens` value found; for UNVERIFIABLE: why. */
  readonly detail: string;
  /** The path of the template, or its id when imported. */
  readonly label: string;
}

/** Read the metadata options of an L1 launch template. */
export function inspectCfnLaunchTemplate(cfn: CfnLaunchTemplate): LaunchTemplateInspection {
  const label = cfn.node.path;
  const data = cfn.launchTemplateData;
  if (isResolvableObject(data)) {
    return { state: LaunchTemplateImds.UNVERIFIABLE, detail: 'its LaunchTemplateData is a token', label };
  }
  const options = data.metadataOptions;
  if (isResolvableObject(options)) {
    return { state: LaunchTemplateImds.UNVERIFIABLE, detail: 'its MetadataOptions is a token', label };
  }
  const endpoint = options?.httpEndpoint;
  const tokens = options?.httpTokens;
  if (endpoint === 'disabled') return { state: LaunchTemplateImds.ENDPOINT_DISABLED, detail: '', label };
  if (Token.isUnresolved(tokens) || Token.isUnresolved(endpoint)) {
    return { state: LaunchTemplateImds.UNVERIFIABLE, detail: 'its HttpTokens or HttpEndpoint is a token', label };
  }
  if (tokens === 'required') return { state: LaunchTemplateImds.TOKENS_REQUIRED, detail: '', label };
  return { state: LaunchTemplateImds.OPEN, detail: show(tokens), label };
}

/** Read the metadata options of an L2 launch template (or say why it cannot be read). */
export function inspectLaunchTemplate(lt: ILaunchTemplate): LaunchTemplateInspection {
  const cfn = lt.node.defaultChild;
  if (cfn !== undefined && CfnLaunchTemplate.isCfnLaunchTemplate(cfn)) return inspectCfnLaunchTemplate(cfn);
  const label = lt.launchTemplateId !== undefined && !Token.isUnresolved(lt.launchTemplateId) ? lt.launchTemplateId : lt.node.path;
  return { state: LaunchTemplateImds.UNVERIFIABLE, detail: 'it is imported, its settings are not in this app', label };
}

/**
 * The L1 launch template a launch template id points at, when the id is a reference
 * to one in this app (`Ref` of a `CfnLaunchTemplate`); undefined otherwise.
 */
export function cfnLaunchTemplateOfId(id: string): CfnLaunchTemplate | undefined {
  if (!Token.isUnresolved(id)) return undefined;
  const fragments = Tokenization.reverseString(id);
  if (fragments.length !== 1) return undefined;
  const token = fragments.firstToken;
  if (!Reference.isReference(token)) return undefined;
  const target = token.target;
  return CfnLaunchTemplate.isCfnLaunchTemplate(target) ? target : undefined;
}

/** The message for a launch template that leaves IMDSv1 open. */
export function openLaunchTemplateMessage(path: string, what: string, inspection: LaunchTemplateInspection): string {
  return `${path}: ${what} ${inspection.label} has httpTokens ${inspection.detail}, expected "required": `
    + 'use Imdsv2LaunchTemplate, or set httpTokens: LaunchTemplateHttpTokens.REQUIRED on it';
}

/** The message for a launch template that cannot be checked here. */
export function unverifiableLaunchTemplateMessage(what: string, inspection: LaunchTemplateInspection): string {
  return `${what} ${inspection.label} cannot be checked for HttpTokens "required" (${inspection.detail}); `
    + 'make sure it requires tokens';
}

/**
 * Whether containers on the host need IMDS: `containerImdsAccess`, or its deprecated name
 * (`containerHost` on the EC2 and Auto Scaling constructs, `podImdsAccess` on the EKS ones).
 */
export function containerImdsAccessOf(path: string, containerImdsAccess: boolean | undefined,
  deprecatedName: string, deprecated: boolean | undefined): boolean | undefined {
  return renamedProp(path, 'containerImdsAccess', containerImdsAccess, deprecatedName, deprecated);
}

/**
 * Check aws-cdk-lib's `requireImdsv2` on one of this library's constructs, the same way on
 * each: `false` is refused, since the construct exists to require IMDSv2 and cannot honour
 * it; `true` says what the construct does anyway and is accepted. The caller never hands it
 * to aws-cdk-lib, whose meaning differs per class (a launch template attached to an
 * instance, an aspect on a group or a template).
 *
 * @param path the construct path, for the message
 * @param construct the class name, for the message
 * @param requireImdsv2 the value the user passed
 */
export function assertRequireImdsv2NotFalse(path: string, construct: string, requireImdsv2: boolean | undefined): void {
  if (requireImdsv2 !== false) return;
  throw new Error(`${path}: requireImdsv2 is false, expected true or unset: ${construct} always requires IMDSv2 tokens; `
    + 'use the aws-cdk-lib class for a resource that must keep IMDSv1, or acknowledge Imdsv2-TokensRequired on it');
}

/** The hop limit of the property injectors' props, checked. */
export function injectorHopLimit(httpPutResponseHopLimit: number | undefined, hopLimit: number | undefined): number {
  const chosen = renamedProp('Imdsv2PropertyInjectorProps', 'httpPutResponseHopLimit', httpPutResponseHopLimit, 'hopLimit', hopLimit) ?? HOST_HOP_LIMIT;
  return Token.isUnresolved(chosen) ? chosen : checkHopLimit('Imdsv2PropertyInjectorProps', 'httpPutResponseHopLimit', chosen);
}

/**
 * Record, on `scope`, that its hop limit was chosen in code (`containerImdsAccess`,
 * `httpPutResponseHopLimit`): acknowledges `Imdsv2-HopLimit` there
 * with that reason, so that `Imdsv2Aspect` neither rejects it nor rewrites it back to its
 * default. Only when the choice differs from the host default of 1.
 */
export function acknowledgeChosenHopLimit(scope: IConstruct, reason: string): void {
  Validations.of(scope).acknowledge({ id: Imdsv2RuleId.HOP_LIMIT, reason });
}

/**
 * Props objects of launch templates made for a resource the aspect already treats as a
 * container host (an EKS node group's template): their hop limit 2 is the policy default
 * there, not a choice to acknowledge.
 */
const CONTAINER_DEFAULT_PROPS = new WeakSet<object>();

/** Mark `props` (handed to `Imdsv2LaunchTemplate` as is) as the container-host default. */
export function asContainerDefault<T extends object>(props: T): T {
  CONTAINER_DEFAULT_PROPS.add(props);
  return props;
}

/** Whether `props` were marked with `asContainerDefault`. */
export function isContainerDefault(props: object): boolean {
  return CONTAINER_DEFAULT_PROPS.has(props);
}

/** Why a construct's hop limit was chosen in code, or undefined when it is the host default. */
export function chosenHopLimitReason(construct: string, containerImdsAccess: boolean, explicit: number | undefined): string | undefined {
  if (explicit !== undefined && (Token.isUnresolved(explicit) || explicit !== HOST_HOP_LIMIT)) {
    return `hop limit chosen in code: ${construct} httpPutResponseHopLimit ${Token.isUnresolved(explicit) ? '(a token)' : explicit}`;
  }
  if (explicit === undefined && containerImdsAccess) {
    return `hop limit chosen in code: ${construct} containerImdsAccess: true (hop limit ${CONTAINER_HOP_LIMIT})`;
  }
  return undefined;
}
