import { TemplateFile } from './load-templates';
import { TemplateResources } from './template-resources';
import { analyze } from '../engine/analyze';
import { Json, isPlainObject } from '../engine/json';
import { Finding, Patch, ResourceVerdict } from '../engine/model';
import { NO_OPT_OUTS, OptOuts, withOptOuts } from '../engine/opt-outs';
import { adapterFor } from '../engine/resource-table';
import { RuleSeverity, ruleDoc } from '../engine/rule-catalog';
import { Imdsv2RuleId } from '../engine/rule-id';
import { userDataFindings } from '../engine/user-data';

/** What the template front doors (validator, CLI) check for. */
export interface ScanPolicy {
  /** Undefined: no host policy (see EnginePolicy). */
  readonly hostHopLimit?: number;
  readonly containerHopLimit: number;
  /** The rules reported; findings of other rules are left out. */
  readonly rules: ReadonlySet<Imdsv2RuleId>;
  /** Rules and resource types switched off app-wide: treated as acknowledged. Default: none. */
  readonly optOuts?: OptOuts;
}

/** One finding, located in its template. */
export interface ScanFinding {
  readonly ruleId: Imdsv2RuleId;
  readonly severity: RuleSeverity;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly template: TemplateFile;
  /** Construct path of the resource, when the template or its cloud assembly tells it. */
  readonly constructPath?: string;
  /** Where in the resource, e.g. `Properties/LaunchTemplateData/MetadataOptions/HttpTokens`. */
  readonly location: string;
  readonly problem: string;
  readonly remedy: string;
}

/** The result of one scan. */
export interface ScanResult {
  readonly templates: readonly TemplateFile[];
  /** How many IMDS-bearing resources were checked. */
  readonly resources: number;
  /** Findings, in template and resource order. */
  readonly findings: ScanFinding[];
  /** How many findings were left out because they are acknowledged. */
  readonly acknowledged: number;
}

/**
 * Run the engine once over a set of templates (cross-template references resolved through
 * TemplateResources), add the user data findings, keep the selected rules.
 */
export function scanTemplates(templates: readonly TemplateFile[], policy: ScanPolicy): ScanResult {
  const resources = new TemplateResources(templates);
  const lookup = withOptOuts(resources, policy.optOuts ?? NO_OPT_OUTS);
  const verdicts = analyze(resources.views, lookup, {
    hostHopLimit: policy.hostHopLimit,
    containerHopLimit: policy.containerHopLimit,
    allowReplacement: false,
  });
  const verdictByKey = new Map<string, ResourceVerdict>(verdicts.map((v) => [v.resource.key, v]));
  const findings: ScanFinding[] = [];
  let acknowledged = verdicts.reduce((n, v) => n + v.acknowledged.length, 0);
  for (const view of resources.views) {
    const verdict = verdictByKey.get(view.key);
    const own: Finding[] = [...verdict?.findings ?? []];
    if (policy.rules.has(Imdsv2RuleId.USER_DATA_V1)) {
      for (const f of userDataFindings(view, resources.scriptsOf(view))) {
        if (lookup.isAcknowledged(view, f.ruleId)) acknowledged++;
        else own.push(f);
      }
    }
    for (const f of own) {
      if (!policy.rules.has(f.ruleId)) continue;
      findings.push({
        ruleId: f.ruleId,
        severity: ruleDoc(f.ruleId).severity,
        logicalId: view.logicalId,
        resourceType: view.type,
        template: resources.templateOf(view),
        // Worked out when read (the CLI reads it, the validator does not): without
        // `aws:cdk:path` in the template it takes the stack's metadata file, as large as the template.
        get constructPath() {
          return resources.constructPathOf(view);
        },
        location: locationOf(f, verdict?.patches ?? []),
        problem: f.problem,
        remedy: f.remedy,
      });
    }
  }
  if (policy.rules.has(Imdsv2RuleId.UNVERIFIABLE)) {
    for (const t of templates) findings.push(...includeFindings(t), ...unexpandedFindings(t));
  }
  // One verdict per resource that may launch EC2: a Kubernetes manifest of no node class has none.
  return { templates, resources: verdicts.length, findings, acknowledged };
}

const INCLUDE = 'AWS::Include';

/**
 * An `AWS::Include` transform left in a template (`Fn::Transform` named AWS::Include, or a
 * top-level `Transform: AWS::Include`): CloudFormation inserts a snippet from S3 at deploy
 * time, which may hold or change an IMDS-bearing resource. Not seen here, so said: one
 * Imdsv2-Unverifiable finding at each place, on the resource that holds it when one does.
 */
export function includeFindings(t: TemplateFile): ScanFinding[] {
  if (!t.text.includes(INCLUDE)) return [];
  const doc: Json = t.template;
  const out: ScanFinding[] = [];
  const finding = (logicalId: string, resourceType: string, location: string, from: Json): ScanFinding => ({
    ruleId: Imdsv2RuleId.UNVERIFIABLE,
    severity: ruleDoc(Imdsv2RuleId.UNVERIFIABLE).severity,
    logicalId,
    resourceType,
    template: t,
    location,
    problem: `an unresolved AWS::Include transform inserts a snippet${locationText(from)} at deploy time, which is not checked here`,
    remedy: 'check the snippet, or scan the processed template (aws cloudformation get-template --template-stage Processed)',
  });
  const transform = doc.Transform;
  if ([transform].flat().some((x: Json) => x === INCLUDE || x?.Name === INCLUDE)) {
    out.push(finding('Transform', INCLUDE, 'Transform', undefined));
  }
  for (const [section, body] of Object.entries<Json>(doc)) {
    if (section === 'Transform' || !isPlainObject(body)) continue;
    if (section !== 'Resources') {
      for (const [at, parameters] of includesIn(body, [])) out.push(finding(section, INCLUDE, [section, ...at].join('/'), parameters));
      continue;
    }
    for (const [logicalId, resource] of Object.entries<Json>(body)) {
      const type = isPlainObject(resource) && typeof resource.Type === 'string' ? resource.Type : INCLUDE;
      for (const [at, parameters] of includesIn(resource, logicalId === 'Fn::Transform' ? ['Fn::Transform'] : [])) {
        out.push(finding(logicalId, type, at.join('/'), parameters));
      }
    }
  }
  return out;
}

/**
 * Resources this scan cannot see because something else makes them: a Type that is not a
 * string (a preprocessor's module, e.g. `Rain::Module`), and an `Fn::ForEach` loop
 * (AWS::LanguageExtensions) whose body holds an IMDS-bearing type. One Imdsv2-Unverifiable
 * finding each.
 */
function unexpandedFindings(t: TemplateFile): ScanFinding[] {
  const out: ScanFinding[] = [];
  const resources: Record<string, Json> = t.template.Resources;
  for (const logicalId in resources) {
    const resource = resources[logicalId];
    let problem: string | undefined;
    let location = 'Type';
    if (logicalId.startsWith('Fn::ForEach::')) {
      const types = imdsTypesIn(resource);
      if (types.length > 0) problem = `the Fn::ForEach loop makes ${types.join(', ')} resources at deploy time (AWS::LanguageExtensions), which are not checked here`;
      location = '';
    } else if (isPlainObject(resource) && resource.Type !== undefined && typeof resource.Type !== 'string') {
      problem = `its Type is not a resource type but ${JSON.stringify(resource.Type).slice(0, 120)} (a preprocessor's, such as a Rain module), so what it deploys is not checked here`;
    }
    if (!problem) continue;
    out.push({
      ruleId: Imdsv2RuleId.UNVERIFIABLE,
      severity: ruleDoc(Imdsv2RuleId.UNVERIFIABLE).severity,
      logicalId,
      resourceType: typeof resource?.Type === 'string' ? resource.Type : 'unknown',
      template: t,
      location,
      problem,
      remedy: 'scan the template the preprocessor or transform produces (e.g. rain pkg, or aws cloudformation get-template --template-stage Processed)',
    });
  }
  return out;
}

/** The IMDS-bearing resource types named as a `Type` anywhere under `v`. */
function imdsTypesIn(v: Json): string[] {
  const found = new Set<string>();
  const walk = (node: Json): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
    } else if (isPlainObject(node)) {
      if (typeof node.Type === 'string' && adapterFor(node.Type)) found.add(node.Type);
      Object.values<Json>(node).forEach(walk);
    }
  };
  walk(v);
  return [...found].sort();
}

/** Each `Fn::Transform` named AWS::Include under `v`: its path (to the Fn::Transform key) and parameters. */
function includesIn(v: Json, at: string[]): Array<[string[], Json]> {
  const out: Array<[string[], Json]> = [];
  const walk = (node: Json, p: string[]) => {
    if (Array.isArray(node)) {
      node.forEach((x, i) => walk(x, [...p, String(i)]));
    } else if (isPlainObject(node)) {
      for (const [k, x] of Object.entries<Json>(node)) {
        if (k === 'Fn::Transform' && [x].flat().some((y: Json) => y?.Name === INCLUDE)) out.push([[...p, k], [x].flat().find((y: Json) => y?.Name === INCLUDE)?.Parameters]);
        else walk(x, [...p, k]);
      }
    }
  };
  if (at.length > 0 && isPlainObject(v) && v.Name === INCLUDE) out.push([at, v.Parameters]);
  else walk(v, at);
  return out;
}

function locationText(parameters: Json): string {
  const location = parameters?.Location;
  return typeof location === 'string' ? ` from ${location}` : '';
}

/**
 * Where a finding is, as a CloudFormation location (`Properties/…`, `Metadata/…`): the path
 * the engine's fix would write for the rule, else the part of the resource the rule reads.
 */
export function locationOf(finding: Finding, patches: readonly Patch[]): string {
  const own = patches.filter((p) => p.resource.key === finding.resource.key);
  const pathOf = (p: Patch) => p.kind === 'attach-launch-template' ? p.specPath : p.path;
  // Which key a hop limit is written at is the carrier's (MetadataOptions: HttpPutResponseHopLimit).
  const hopKey = adapterFor(finding.resource.type)?.settings?.hopLimitKey;
  let match: Patch | undefined;
  switch (finding.ruleId) {
    case Imdsv2RuleId.TOKENS_REQUIRED:
      match = own.find((p) => p.kind === 'attach-launch-template' || (p.kind === 'set' && p.path[p.path.length - 1] !== hopKey));
      break;
    case Imdsv2RuleId.HOP_LIMIT:
      match = own.find((p) => p.kind === 'set' && hopKey !== undefined && p.path[p.path.length - 1] === hopKey);
      break;
    case Imdsv2RuleId.STALE_VERSION:
      match = own.find((p) => p.kind === 'follow-latest');
      break;
    case Imdsv2RuleId.USER_DATA_V1:
      return finding.problem.startsWith('cfn-init') ? 'Metadata/AWS::CloudFormation::Init' : `Properties/${userDataPath(finding.resource.type)}`;
  }
  return match ? ['Properties', ...pathOf(match)].join('/') : 'Properties';
}

/** Where the type keeps user data (its adapter's `scripts`); 'UserData' when it does not say. */
function userDataPath(type: string): string {
  return adapterFor(type)?.scripts?.location ?? 'UserData';
}
