import { Imdsv2RuleId } from './rule-id';

/** How serious a broken rule is, in every check-only front door. */
export enum RuleSeverity {
  ERROR = 'error',
  WARNING = 'warning',
  NOTE = 'note',
}

/** What RULES.md says about one rule: used by the nag pack, the validator and the CLI. */
export interface RuleDoc {
  readonly id: Imdsv2RuleId;
  /** The suffix after `Imdsv2-`, for cdk-nag's `ruleSuffixOverride`. */
  readonly suffix: string;
  readonly name: string;
  /** Why the rule was triggered (cdk-nag's `info`). */
  readonly cause: string;
  /** Why the rule exists (cdk-nag's `explanation`). */
  readonly explanation: string;
  readonly fix: string;
  readonly severity: RuleSeverity;
}

/** Every rule, in the order of RULES.md. No module here loads aws-cdk-lib or cdk-nag. */
export const RULE_CATALOG: readonly RuleDoc[] = [
  {
    id: Imdsv2RuleId.TOKENS_REQUIRED,
    suffix: 'TokensRequired',
    name: 'IMDSv1 is reachable',
    cause: 'The resource leaves IMDSv1 reachable: HttpTokens is not required (or unset), and the metadata endpoint is enabled.',
    explanation: 'IMDSv1 answers any GET from the instance, so a server-side request forgery or an open proxy hands out the instance role\'s credentials. IMDSv2 needs a session token from a PUT first; HttpTokens: required turns IMDSv1 off. Unset is not required: the default depends on the AMI and the account. HttpEndpoint: disabled (no IMDS at all) is compliant.',
    fix: "Set HttpTokens to 'required' where the resource keeps its metadata options (its own, or its launch template's / launch configuration's; a Karpenter EC2NodeClass's spec.metadataOptions.httpTokens), give node groups and Batch environments a launch template that requires tokens, give EMR clusters a security configuration with MinimumInstanceMetadataServiceVersion 2, or add Imdsv2Aspect in REWRITE mode.",
    severity: RuleSeverity.ERROR,
  },
  {
    id: Imdsv2RuleId.HOP_LIMIT,
    suffix: 'HopLimit',
    name: 'Hop limit outside policy',
    cause: 'HttpPutResponseHopLimit is above hostHopLimit on a plain host (with no hostHopLimit, the default: above containerHopLimit, or as advice only above 1), or is not the container hop limit (default 2) on a container host.',
    explanation: 'The token PUT response carries an IP TTL. On a plain host a higher limit lets the token travel beyond it; on a container host (EKS, ECS, Batch, ImageBuilder) containers reach IMDS through one more hop, and with too small a limit SDKs in containers stall for seconds and fall back. Hop limit 2 with tokens required is what EC2 gives instances of IMDSv2-only AMIs and what Docker on a plain host needs, so by default it is advice (IMDSv1 stays closed), never an error; hostHopLimit: 1 makes it the policy.',
    fix: 'Set HttpPutResponseHopLimit to the policy value (hostHopLimit, containerHopLimit), keep an advisory 2 where containers on the host call IMDS, or acknowledge the rule for this scope.',
    severity: RuleSeverity.WARNING,
  },
  {
    id: Imdsv2RuleId.UNVERIFIABLE,
    suffix: 'Unverifiable',
    name: 'Settings cannot be decided here',
    cause: 'The IMDS settings, or the launch template / launch configuration that carries them, are decided at deploy time: a parameter, Fn::If, a launch template imported by id or name, or one in a template that is not checked; a Kubernetes manifest that cannot be read and may hold a Karpenter EC2NodeClass, a Helm chart that mentions Karpenter node classes, an EMR security configuration that is not in the app.',
    explanation: 'What cannot be seen cannot be passed: a launch template outside the app, a parameter or what a Helm chart renders at deploy time may leave IMDSv1 reachable.',
    fix: 'Write the settings literally, define the launch template in the app (or check its template too), or acknowledge the rule with the reason it is known to be safe.',
    severity: RuleSeverity.WARNING,
  },
  {
    id: Imdsv2RuleId.STALE_VERSION,
    suffix: 'StaleVersion',
    name: 'Pinned launch template version',
    cause: 'A consumer pins a launch template version number while the template must change to become compliant.',
    explanation: 'A consumer that pins Version "1" keeps launching with the old settings after the template is fixed, because the fix makes a new version.',
    fix: 'Follow Fn::GetAtt <LaunchTemplate>.LatestVersionNumber (for an EC2 instance or EC2 fleet this replaces it on deploy).',
    severity: RuleSeverity.ERROR,
  },
  {
    id: Imdsv2RuleId.USER_DATA_V1,
    suffix: 'UserDataV1',
    name: 'Scripts call IMDS without a token',
    cause: 'User data or AWS::CloudFormation::Init commands/files call 169.254.169.254, [fd00:ec2::254] or instance-data with curl, wget, Invoke-WebRequest, Invoke-RestMethod or a WebClient and send no X-aws-ec2-metadata-token header.',
    explanation: 'Such calls work only while IMDSv1 is reachable: once HttpTokens is required they get HTTP 401, and the boot script fails or carries on with empty values.',
    fix: 'Get a token with PUT /latest/api/token (header X-aws-ec2-metadata-token-ttl-seconds) and send it in the X-aws-ec2-metadata-token header of every call, or use the AWS CLI / an SDK, which do so themselves.',
    severity: RuleSeverity.WARNING,
  },
  {
    id: Imdsv2RuleId.REPLACEMENT,
    suffix: 'Replacement',
    name: 'The fix replaces a live resource',
    cause: 'Fixing the resource would replace or recreate a live resource, or could not be deployed: a launch template that an instance or EC2 fleet follows through LatestVersionNumber, a pinned or default version on an instance or EC2 fleet, a node group or compute environment given a launch template, a resource with a custom name (LaunchConfigurationName, NodegroupName, ComputeEnvironmentName, the Name of an EMR security configuration) whose fix replaces it, a launch template whose LatestVersionNumber another stack imports, a Karpenter EC2NodeClass (its nodes drift and are replaced), an EMR security configuration (replaced, with every cluster that names it).',
    explanation: 'A new launch template version re-versions every consumer that follows it; for an instance or an EC2 fleet that is a replacement on deploy, although their template text does not change. A node group created without a launch template cannot be given one in place. Karpenter replaces every node of an EC2NodeClass that changes. CloudFormation cannot replace a resource with a custom name, and refuses to change an export that another stack imports: such a deploy fails.',
    fix: 'Close instances through their own MetadataOptions, give other consumers a launch template of their own, or recreate the resource (Imdsv2Aspect with allowReplacement: true).',
    severity: RuleSeverity.NOTE,
  },
];

const BY_ID = new Map(RULE_CATALOG.map((r) => [r.id as string, r]));

/** The catalog entry of `id`. */
export function ruleDoc(id: Imdsv2RuleId): RuleDoc {
  const doc = BY_ID.get(id);
  if (!doc) throw new Error(`unknown rule id '${id}': expected one of ${RULE_CATALOG.map((r) => r.id).join(', ')}`);
  return doc;
}

/**
 * The rules a front door checks: `rules` when given (each must be a known id), else all.
 *
 * @param owner the class name for error messages
 */
export function selectRules(owner: string, rules: readonly Imdsv2RuleId[] | undefined): ReadonlySet<Imdsv2RuleId> {
  if (rules === undefined) return new Set(RULE_CATALOG.map((r) => r.id));
  // An empty list would check nothing and pass everything: a gate that is silently open.
  if (rules.length === 0) {
    throw new Error(`${owner}: rules is empty, expected at least one of ${RULE_CATALOG.map((r) => r.id).join(', ')} (or leave it unset for all)`);
  }
  for (const id of rules) {
    if (!BY_ID.has(id)) {
      throw new Error(`${owner}: unknown rule id '${id}' in rules: expected one of ${RULE_CATALOG.map((r) => r.id).join(', ')}`);
    }
  }
  return new Set(rules);
}
