import { LaunchTemplateUse, ResourceAdapter, SettingsCarrier } from './adapter';
import { Json, UNRESOLVED, Unresolved, isIntrinsic, isPlainObject, show, valueAt } from './json';
import {
  EnginePolicy, Finding, Impact, MetadataChange, MetadataState, Patch, ResourceLookup, ResourceVerdict, ResourceView,
} from './model';
import { canonicalJson, mentionsReference, parseReference } from './references';
import { adapterFor } from './resource-table';
import { Imdsv2RuleId as Rule } from './rule-id';

/** Which launch template version a consumer launches. */
type VersionRef =
  | { readonly kind: 'latest' | 'default'; readonly byGetAtt: boolean }
  | { readonly kind: 'pinned'; readonly number: number }
  | { readonly kind: 'unknown'; readonly raw: Json };

interface TemplateLink {
  readonly consumer: Node;
  readonly target: Node;
  readonly use: LaunchTemplateUse;
  readonly version: VersionRef;
  /**
   * True when the version value reads the target's LatestVersionNumber, whatever else it
   * computes (a Sub of several references): it changes whenever the template changes.
   */
  readonly readsLatest?: boolean;
}

/** What a resource launches from. */
interface Sources {
  readonly templates: TemplateLink[];
  /** The launch template specification itself is an intrinsic. */
  readonly unresolvedTemplates: boolean;
  /** Why each template that is not in the app could not be found. */
  readonly missingTemplates: string[];
  configuration?: Node;
  missingConfiguration?: string;
}

interface Node {
  readonly view: ResourceView;
  readonly adapter: ResourceAdapter;
  /** Consumers of this launch template / launch configuration. */
  readonly consumers: TemplateLink[];
  /**
   * Resources whose launch template Version reads this template's LatestVersionNumber
   * although their spec names another template or one not found (a name given as a
   * parameter): a new version of this one changes them all the same.
   */
  readonly versionReaders: TemplateLink[];
  findings: Finding[];
  patches: Patch[];
  impact: Impact;
  /** True when IMDSv1 stays reachable after the planned patches (or cannot be decided). */
  openAfter: boolean;
  /** True when the plan changes this resource's own settings. */
  changed: boolean;
  /** The change planned to its own settings. */
  change: MetadataChange;
  compliantAsWritten: boolean;
  acknowledged: Rule[];
  acknowledgedThroughSource: boolean;
}

const IMPACT_ORDER = [Impact.NONE, Impact.NO_INTERRUPTION, Impact.NEW_VERSION, Impact.REFRESH, Impact.REPLACEMENT];

/** A launch template or configuration that breaks a rule, but only rules acknowledged on it. */
function isAcknowledgedSource(source: Node): boolean {
  return !source.compliantAsWritten && source.findings.length === 0 && source.acknowledged.length > 0;
}

function worst(a: Impact, b: Impact): Impact {
  return IMPACT_ORDER.indexOf(a) >= IMPACT_ORDER.indexOf(b) ? a : b;
}

/**
 * The engine: decides, for every IMDS-bearing resource among `views`, what is wrong and
 * what patch fixes it without replacing anything live (unless the policy allows it).
 *
 * It is mode-independent: the aspect applies the patches in REWRITE and only reports the
 * findings in REPORT/REJECT; the checks report them. Cost: one pass to index, one to
 * plan each resource, no search of the whole set per resource.
 */
export function analyze(views: readonly ResourceView[], lookup: ResourceLookup, policy: EnginePolicy): ResourceVerdict[] {
  const nodes = new Map<string, Node>();
  const settled: ResourceVerdict[] = [];
  const templatesByName = new Map<string, Node>();
  for (const view of views) {
    const adapter = adapterFor(view.type);
    if (!adapter) continue;
    if (view.compliantBecause) {
      const because = `(${view.compliantBecause})`;
      settled.push({
        resource: view,
        before: because,
        after: because,
        findings: [],
        patches: [],
        impact: Impact.NONE,
        compliantAsWritten: true,
        compliantAfter: true,
        acknowledged: [],
        acknowledgedThroughSource: false,
      });
      continue;
    }
    const node: Node = {
      view,
      adapter,
      consumers: [],
      versionReaders: [],
      findings: [],
      patches: [],
      impact: Impact.NONE,
      openAfter: false,
      changed: false,
      change: {},
      compliantAsWritten: true,
      acknowledged: [],
      acknowledgedThroughSource: false,
    };
    nodes.set(view.key, node);
    if (view.type === 'AWS::EC2::LaunchTemplate') {
      const name = nameKey(view, valueAt(view.properties, ['LaunchTemplateName']));
      if (name !== undefined) templatesByName.set(name, node);
    }
  }

  /**
   * The key of a launch template name in `templatesByName`: a literal name is one name in
   * the account and region, whichever template writes it; a name computed at deploy time
   * is matched by the same expression within the same template only (there it computes
   * the same value; a parameter or AWS::StackName of another stack does not).
   */
  function nameKey(view: ResourceView, raw: Json | Unresolved | undefined): string | undefined {
    if (typeof raw === 'string') return `literal:${raw}`;
    if (!isIntrinsic(raw)) return undefined;
    const template = lookup.templateIdOf?.(view);
    return template === undefined ? undefined : `computed:${template}\u0000${canonicalJson(raw)}`;
  }

  const ack = (node: Node, rule: Rule) => lookup.isAcknowledged(node.view, rule);
  const add = (node: Node, f: Omit<Finding, 'resource'>) => {
    if (ack(node, f.ruleId)) {
      if (!node.acknowledged.includes(f.ruleId)) node.acknowledged.push(f.ruleId);
      return false;
    }
    node.findings.push({ ...f, resource: node.view });
    return true;
  };

  // 1. Links: who launches from which template / configuration.
  const links = new Map<Node, Sources>();
  for (const node of nodes.values()) {
    const { adapter, view } = node;
    const uses = adapter.launchTemplates?.(view) ?? [];
    const entry: Sources = { templates: [], unresolvedTemplates: uses === UNRESOLVED, missingTemplates: [] };
    if (uses !== UNRESOLVED) {
      for (const use of uses) {
        const found = findTemplate(node, use);
        readerOf(node, use, typeof found === 'string' ? undefined : found);
        if (typeof found === 'string') {
          entry.missingTemplates.push(found);
          continue;
        }
        const rawVersion = valueAt(view.properties, [...use.specPath, use.versionKey]);
        const version = versionOf(rawVersion);
        const readsLatest = version.kind === 'unknown' && mentionsReference(rawVersion, found.view.logicalId, 'LatestVersionNumber');
        const link: TemplateLink = { consumer: node, target: found, use, version, readsLatest };
        entry.templates.push(link);
        found.consumers.push(link);
      }
    }
    if (adapter.launchConfigurationPath) {
      const raw = valueAt(view.properties, adapter.launchConfigurationPath);
      if (raw !== undefined) {
        const target = lookup.resourceAt(view, adapter.launchConfigurationPath);
        const targetNode = target && nodes.get(target.key);
        if (targetNode && targetNode.view.type === 'AWS::AutoScaling::LaunchConfiguration') {
          entry.configuration = targetNode;
          targetNode.consumers.push({ consumer: node, target: targetNode, use: { specPath: adapter.launchConfigurationPath, idKey: '', nameKey: '', versionKey: '' }, version: { kind: 'latest', byGetAtt: false } });
        } else {
          entry.missingConfiguration = `launch configuration ${show(raw)} is not in this app`;
        }
      }
    }
    links.set(node, entry);
  }

  /**
   * When `node`'s Version reads the LatestVersionNumber of a launch template other than the
   * one its spec was found to name (`linked`), records it as a reader of that template: the
   * hidden cascade follows the Version value, not the template the instance launches from.
   */
  function readerOf(node: Node, use: LaunchTemplateUse, linked: Node | undefined) {
    const versionPath = [...use.specPath, use.versionKey];
    if (parseReference(valueAt(node.view.properties, versionPath))?.attribute !== 'LatestVersionNumber') return;
    const target = lookup.resourceAt(node.view, versionPath);
    const targetNode = target && nodes.get(target.key);
    if (!targetNode || targetNode === linked || targetNode.view.type !== 'AWS::EC2::LaunchTemplate') return;
    targetNode.versionReaders.push({ consumer: node, target: targetNode, use, version: { kind: 'latest', byGetAtt: true } });
  }

  function findTemplate(node: Node, use: LaunchTemplateUse): Node | string {
    const spec = valueAt(node.view.properties, use.specPath);
    for (const key of [use.idKey, use.nameKey]) {
      const raw = isPlainObject(spec) ? spec[key] : undefined;
      if (raw === undefined) continue;
      const target = lookup.resourceAt(node.view, [...use.specPath, key]);
      const byLookup = target && nodes.get(target.key);
      if (byLookup && byLookup.view.type === 'AWS::EC2::LaunchTemplate') return byLookup;
      const name = key === use.nameKey ? nameKey(node.view, raw) : undefined;
      const byName = name === undefined ? undefined : templatesByName.get(name);
      if (byName) return byName;
      return typeof raw === 'string'
        ? `launch template ${key === use.idKey ? 'id' : 'name'} '${raw}' is not in this app`
        : `launch template ${key === use.idKey ? 'id' : 'name'} ${JSON.stringify(raw)} is decided at deploy time`;
    }
    return 'launch template specification names no template';
  }

  const isContainerHost = (node: Node): boolean =>
    node.adapter.isContainerHost(node.view) || node.consumers.some((l) => l.consumer.adapter.isContainerHost(l.consumer.view));

  // 2. Resources with settings of their own: templates, configurations, instances, ….
  for (const node of nodes.values()) {
    const carrier = node.adapter.settings;
    if (!carrier) continue;
    const link = links.get(node)!;
    // An instance whose own HttpTokens is unset takes it from its launch template: decided in step 4.
    const deferToTemplate = link.templates.length + link.missingTemplates.length > 0 || link.unresolvedTemplates;
    planOwnSettings(node, carrier, isContainerHost(node), deferToTemplate);
  }

  function planOwnSettings(node: Node, carrier: SettingsCarrier, container: boolean, deferToTemplate: boolean) {
    const state = carrier.read(node.view);
    const change: { httpTokens?: 'required'; hopLimit?: number } = {};
    if (carrier.isOpaque(node.view)) {
      node.compliantAsWritten = false;
      node.openAfter = true;
      add(node, {
        ruleId: Rule.UNVERIFIABLE,
        fixable: false,
        problem: 'its IMDS settings are one value computed at deploy time (a parameter or Fn::If)',
        remedy: "write HttpTokens: 'required' literally, or acknowledge Imdsv2-Unverifiable with the reason it is safe",
      });
      return;
    }
    if (state.httpEndpoint === 'disabled') return; // no IMDS at all: compliant, and never flipped on.
    const tokensDecided = state.httpTokens !== UNRESOLVED && state.httpEndpoint !== UNRESOLVED;
    if (!tokensDecided) {
      node.compliantAsWritten = false;
      node.openAfter = true;
      add(node, {
        ruleId: Rule.UNVERIFIABLE,
        fixable: false,
        problem: `HttpTokens ${show(state.httpTokens)} / HttpEndpoint ${show(state.httpEndpoint)} is decided at deploy time`,
        remedy: "write HttpTokens: 'required' literally, or acknowledge Imdsv2-Unverifiable with the reason it is safe",
      });
    } else if (state.httpTokens !== 'required' && !(state.httpTokens === undefined && deferToTemplate)) {
      node.compliantAsWritten = false;
      if (add(node, {
        ruleId: Rule.TOKENS_REQUIRED,
        fixable: true,
        problem: `HttpTokens is ${show(state.httpTokens)}${state.httpTokens === undefined ? ' (the default depends on the AMI and the account)' : ''}, so IMDSv1 is reachable`,
        remedy: "set HttpTokens to 'required' (other metadata options kept)",
      })) {
        change.httpTokens = 'required';
      } else {
        node.openAfter = true; // acknowledged: left as it is.
      }
    }
    if (carrier.supportsHopLimit) planHopLimit(node, state, container, change, deferToTemplate);
    applyOwnChange(node, carrier, change);
  }

  function planHopLimit(node: Node, state: MetadataState, container: boolean, change: { hopLimit?: number }, deferToTemplate: boolean) {
    if (state.hopLimit === undefined && deferToTemplate) return;
    if (state.hopLimit === UNRESOLVED) {
      node.compliantAsWritten = false;
      add(node, {
        ruleId: Rule.UNVERIFIABLE,
        fixable: false,
        problem: 'HttpPutResponseHopLimit is decided at deploy time',
        remedy: 'write the hop limit literally, or acknowledge Imdsv2-Unverifiable',
      });
      return;
    }
    const current = state.hopLimit ?? 1; // EC2's default (unset stays unset: nothing to lower)
    const shown = state.hopLimit ?? '(unset, so 1)';
    if (container) {
      if (current === policy.containerHopLimit) return;
      node.compliantAsWritten = false;
      if (add(node, {
        ruleId: Rule.HOP_LIMIT,
        fixable: true,
        problem: `HttpPutResponseHopLimit is ${shown}: a container host needs ${policy.containerHopLimit} (containers reach IMDS through one more hop)`,
        remedy: `set HttpPutResponseHopLimit to ${policy.containerHopLimit}`,
      })) {
        change.hopLimit = policy.containerHopLimit;
      }
      return;
    }
    // A plain host. Lowering it to 1 is a policy the user chooses (hostHopLimit): hop limit 2
    // with tokens required is what EC2 gives instances of IMDSv2-only AMIs and what Docker's
    // bridge network needs, and nothing here can tell whether containers run on the host.
    // Without that policy only limits no container needs (above containerHopLimit) are lowered.
    const limit = policy.hostHopLimit ?? policy.containerHopLimit;
    if (current > limit) {
      node.compliantAsWritten = false;
      if (add(node, {
        ruleId: Rule.HOP_LIMIT,
        fixable: true,
        problem: policy.hostHopLimit === undefined
          ? `HttpPutResponseHopLimit is ${shown}: more than even a container host needs (${limit}), so tokens can travel beyond the host and its containers`
          : `HttpPutResponseHopLimit is ${shown}: a plain host needs at most ${limit} (a higher limit lets tokens leave the host)`,
        remedy: `set HttpPutResponseHopLimit to ${limit}`,
      })) {
        change.hopLimit = limit;
      }
      return;
    }
    if (policy.hostHopLimit !== undefined || current <= 1) return;
    // Advice only: IMDSv1 stays closed, so it neither counts against compliance nor is changed,
    // and no front door makes it an error.
    add(node, {
      ruleId: Rule.HOP_LIMIT,
      fixable: false,
      advisory: true,
      problem: `HttpPutResponseHopLimit is ${current} on a plain host: a token can travel ${current - 1} hop${current === 2 ? '' : 's'} beyond it, which only containers on it need (advisory: IMDSv1 stays closed; EC2 sets 2 for IMDSv2-only AMIs)`,
      remedy: 'keep it if containers on this host call IMDS; else set HttpPutResponseHopLimit to 1, or hostHopLimit: 1 for every plain host, or acknowledge Imdsv2-HopLimit',
    });
  }

  function applyOwnChange(node: Node, carrier: SettingsCarrier, change: MetadataChange) {
    if (change.httpTokens === undefined && change.hopLimit === undefined) return;
    if (policy.mayChange && !policy.mayChange(node.view)) {
      // Out of the caller's reach: what launches from it stays as open as it is.
      node.findings = node.findings.map((f) => ({ ...f, fixable: false }));
      if (change.httpTokens) node.openAfter = true;
      return;
    }
    const named = carrier.replacesResource ? node.adapter.customName?.(node.view) : undefined;
    if (named) {
      // Writing its settings replaces it, and a resource with a custom name cannot be replaced.
      node.findings = node.findings.map((f) => ({ ...f, fixable: false }));
      node.openAfter = true;
      add(node, {
        ruleId: Rule.REPLACEMENT,
        fixable: false,
        problem: `changing its metadata options replaces it, and CloudFormation cannot replace a resource with a custom name (${named.name}): the deploy would fail`,
        remedy: named.remedy,
      });
      return;
    }
    node.patches.push(...carrier.write(node.view, change));
    node.change = { ...node.change, ...change };
    node.changed = true;
    node.impact = worst(node.impact, carrier.changeImpact);
  }

  // 3. The hidden cascade: a changed launch template re-versions every consumer that follows
  //    its LatestVersionNumber; for an instance or an EC2 fleet that is a replacement on deploy.
  //    (DefaultVersionNumber does not move: CloudFormation never changes a template's default
  //    version, cloudformation-coverage-roadmap #1518.)
  //    And a LatestVersionNumber that another top-level stack imports cannot change at all:
  //    CloudFormation refuses to update an export in use, so the template's stack fails to
  //    deploy (whatever allowReplacement says). A consumer that pins a number or follows the
  //    default version imports only the template id, which does not change.
  const deployment = (view: ResourceView) => lookup.deploymentOf?.(view);
  for (const node of nodes.values()) {
    if (node.view.type !== 'AWS::EC2::LaunchTemplate' || !node.changed) continue;
    const followers = [...node.consumers, ...node.versionReaders].filter(followsLatest);
    const replaced = policy.allowReplacement ? [] : followers.filter((l) =>
      l.consumer.adapter.versionChangeImpact(l.consumer.view) === Impact.REPLACEMENT);
    const home = deployment(node.view);
    const importers = home === undefined ? [] : followers.filter((l) =>
      deployment(l.consumer.view) !== undefined && deployment(l.consumer.view) !== home);
    if (replaced.length === 0 && importers.length === 0) continue;
    node.patches = [];
    node.changed = false;
    node.impact = Impact.NONE;
    node.openAfter = true;
    node.findings = node.findings.map((f) => ({ ...f, fixable: false }));
    if (importers.length > 0) {
      const stacks = [...new Set(importers.map((l) => deployment(l.consumer.view)!))].join(', ');
      const names = importers.map((l) => `${l.consumer.view.type} ${l.consumer.view.logicalId}`).join(', ');
      add(node, {
        ruleId: Rule.REPLACEMENT,
        fixable: false,
        problem: `changing this launch template makes a new version, and its LatestVersionNumber is exported to stack ${stacks}, where ${names} import${importers.length === 1 ? 's' : ''} it: CloudFormation refuses to change an export in use, so the deploy would fail`,
        remedy: 'move the consumers into this launch template\'s stack, or give them a launch template in their own stack, then fix it there',
      });
    }
    if (replaced.length === 0) continue;
    const names = replaced.map((l) => `${l.consumer.view.type} ${l.consumer.view.logicalId}`).join(', ');
    add(node, {
      ruleId: Rule.REPLACEMENT,
      fixable: false,
      problem: `changing this launch template makes a new version, and ${names} follow${replaced.length === 1 ? 's' : ''} its LatestVersionNumber: ${replaced.length === 1 ? 'it is' : 'they are'} replaced on deploy although ${replaced.length === 1 ? 'its' : 'their'} template text does not change`,
      remedy: 'close instances through their own MetadataOptions (done for AWS::EC2::Instance), give other consumers a template of their own, or set allowReplacement: true',
    });
  }

  // 4. Consumers: settings come from what they launch from.
  for (const node of nodes.values()) {
    const link = links.get(node)!;
    const isInstance = node.view.type === 'AWS::EC2::Instance';
    if (link.unresolvedTemplates) {
      node.compliantAsWritten = false;
      if (isInstance) {closeInstanceThroughOwnOptions(node, 'its launch template specification is decided at deploy time');} else {
        node.openAfter = true;
        add(node, {
          ruleId: Rule.UNVERIFIABLE,
          fixable: false,
          problem: 'its launch template specification is decided at deploy time',
          remedy: 'name the launch template literally, or acknowledge Imdsv2-Unverifiable',
        });
      }
    }
    for (const missing of link.missingTemplates) {
      node.compliantAsWritten = false;
      if (isInstance) {
        closeInstanceThroughOwnOptions(node, missing);
      } else {
        node.openAfter = true;
        add(node, {
          ruleId: Rule.UNVERIFIABLE,
          fixable: false,
          problem: `${missing}: its IMDS settings cannot be checked here`,
          remedy: 'define the launch template in the app, or acknowledge Imdsv2-Unverifiable once it is known to require tokens',
        });
      }
    }
    for (const l of link.templates) planTemplateLink(node, l, isInstance);
    if (link.configuration) {
      const lc = link.configuration;
      if (!lc.compliantAsWritten) node.compliantAsWritten = false;
      if (isAcknowledgedSource(lc)) node.acknowledgedThroughSource = true;
      if (lc.openAfter) node.openAfter = true;
      if (lc.changed) node.impact = worst(node.impact, Impact.REFRESH);
    }
    if (link.missingConfiguration) {
      node.compliantAsWritten = false;
      node.openAfter = true;
      add(node, {
        ruleId: Rule.UNVERIFIABLE,
        fixable: false,
        problem: `${link.missingConfiguration}: its IMDS settings cannot be checked here`,
        remedy: 'define the launch configuration in the app, or acknowledge Imdsv2-Unverifiable',
      });
    }
    const hasSource = link.templates.length + link.missingTemplates.length > 0 || link.unresolvedTemplates;
    if (!hasSource && node.adapter.withoutLaunchTemplate) planMissingTemplate(node);
    for (const p of node.adapter.extraProblems?.(node.view) ?? []) {
      node.compliantAsWritten = false;
      node.openAfter = true;
      add(node, { ruleId: Rule.TOKENS_REQUIRED, fixable: false, problem: p.problem, remedy: p.remedy });
    }
  }

  function planTemplateLink(node: Node, l: TemplateLink, isInstance: boolean) {
    const lt = l.target;
    const name = `launch template ${lt.view.logicalId}`;
    if (isInstance) {
      // A running instance keeps the settings it was launched with, whatever its template
      // becomes; its own MetadataOptions win over the template's and change with no interruption.
      const reopened = reopensDisabledEndpoint(node, lt);
      if (!lt.compliantAsWritten || l.version.kind === 'unknown' || reopened) {
        node.compliantAsWritten = false;
        closeInstanceThroughOwnOptions(node, l.version.kind === 'unknown'
          ? `the version of ${name} it launches from is decided at deploy time`
          : reopened ?? `${name} it launches from leaves IMDSv1 reachable`);
      }
      if (reopened) {
        // The template's hop limit was never checked (no IMDS there); now it is the instance's.
        const ltHop = lt.adapter.settings!.read(lt.view).hopLimit;
        const own = node.adapter.settings!.read(node.view);
        if (own.hopLimit === undefined && typeof ltHop === 'number') {
          const change: { hopLimit?: number } = {};
          planHopLimit(node, { hopLimit: ltHop }, false, change, false);
          applyOwnChange(node, node.adapter.settings!, change);
        }
      }
      if (lt.changed && followsLatest(l)) {
        node.impact = worst(node.impact, Impact.REPLACEMENT); // only reached with allowReplacement
      }
      return;
    }
    if (!lt.compliantAsWritten) node.compliantAsWritten = false;
    if (isAcknowledgedSource(lt)) node.acknowledgedThroughSource = true;
    if (lt.openAfter) {
      node.openAfter = true; // the template carries the finding
      return;
    }
    if (!lt.changed) return;
    const consumerImpact = node.adapter.versionChangeImpact(node.view);
    switch (l.version.kind) {
      case 'latest':
        node.impact = worst(node.impact, l.version.byGetAtt ? consumerImpact : Impact.REFRESH);
        return;
      case 'unknown':
        node.openAfter = true;
        add(node, {
          ruleId: Rule.UNVERIFIABLE,
          fixable: false,
          problem: `the version of ${name} it launches (${JSON.stringify(l.version.raw)}) is decided at deploy time, and the fix makes a new version`,
          remedy: `use Fn::GetAtt ${lt.view.logicalId}.LatestVersionNumber, or acknowledge Imdsv2-Unverifiable`,
        });
        return;
      case 'default':
      // CloudFormation never moves a launch template's default version when it updates the
      // template (cloudformation-coverage-roadmap #1518): a consumer on the default version
      // (no Version, '$Default', Fn::GetAtt DefaultVersionNumber) keeps launching version 1,
      // exactly like one that pins a number.
      case 'pinned': {
        const named = consumerImpact === Impact.REPLACEMENT ? node.adapter.customName?.(node.view) : undefined;
        const replaces = consumerImpact === Impact.REPLACEMENT && (!policy.allowReplacement || named !== undefined);
        const problem = l.version.kind === 'pinned'
          ? `it pins version ${l.version.number} of ${name}, which keeps launching with the old settings once the fix makes a new version`
          : `it launches the default version of ${name} (${defaultHow(valueAt(node.view.properties, [...l.use.specPath, l.use.versionKey]))}): CloudFormation does not move the default version when it updates the template, so it keeps launching with the old settings once the fix makes a new version`;
        const reported = add(node, {
          ruleId: Rule.STALE_VERSION,
          fixable: !replaces,
          problem,
          remedy: `follow ${lt.view.logicalId}.LatestVersionNumber`,
        });
        if (!reported) {
          node.openAfter = true;
          return;
        }
        if (replaces) {
          node.openAfter = true;
          add(node, named ? {
            ruleId: Rule.REPLACEMENT,
            fixable: false,
            problem: `moving it to another version of ${name} replaces it on deploy, and CloudFormation cannot replace a resource with a custom name (${named.name}): the deploy would fail`,
            remedy: named.remedy,
          } : {
            ruleId: Rule.REPLACEMENT,
            fixable: false,
            problem: `moving it to another version of ${name} replaces it on deploy`,
            remedy: 'recreate it on the new version, or set allowReplacement: true',
          });
          return;
        }
        node.patches.push({ kind: 'follow-latest', resource: node.view, path: [...l.use.specPath, l.use.versionKey], launchTemplate: lt.view });
        node.impact = worst(node.impact, consumerImpact);
        return;
      }
    }
  }

  /**
   * An instance's own fields win over its template's, field by field: its own
   * HttpEndpoint 'enabled' over a template's 'disabled' turns IMDS back on, with the
   * template's HttpTokens. Returns why it is open then, or undefined.
   */
  function reopensDisabledEndpoint(node: Node, lt: Node): string | undefined {
    const own = node.adapter.settings!.read(node.view);
    const template = lt.adapter.settings!.read(lt.view);
    if (own.httpEndpoint !== 'enabled' || template.httpEndpoint !== 'disabled' || template.httpTokens === 'required') return undefined;
    if (lt.adapter.settings!.isOpaque(lt.view)) return undefined; // the template carries an Unverifiable finding
    return `its own HttpEndpoint 'enabled' overrides the 'disabled' of launch template ${lt.view.logicalId}, whose HttpTokens is ${show(template.httpTokens)} (an instance's own fields win over its template's)`;
  }

  function closeInstanceThroughOwnOptions(node: Node, why: string) {
    const carrier = node.adapter.settings!;
    const state = carrier.read(node.view);
    if (carrier.isOpaque(node.view) || state.httpEndpoint === 'disabled' || state.httpTokens === 'required' || state.httpTokens === UNRESOLVED) return;
    if (state.httpTokens === 'optional' || node.change.httpTokens) return; // already reported in step 2
    if (add(node, {
      ruleId: Rule.TOKENS_REQUIRED,
      fixable: true,
      problem: `HttpTokens is unset and ${why}, so IMDSv1 may be reachable`,
      remedy: "set the instance's own MetadataOptions.HttpTokens to 'required' (an update with no interruption; the instance's settings win over its template's)",
    })) {
      applyOwnChange(node, carrier, { httpTokens: 'required' });
    } else {
      node.openAfter = true;
    }
  }

  function planMissingTemplate(node: Node) {
    const missing = node.adapter.withoutLaunchTemplate!(node.view);
    if (!missing) return;
    node.compliantAsWritten = false;
    const container = node.adapter.isContainerHost(node.view);
    // Only container hosts (EKS, Batch) come without a launch template today; a plain host with
    // no host policy gets what no container would miss either.
    const metadataOptions = { HttpTokens: 'required', HttpPutResponseHopLimit: container ? policy.containerHopLimit : policy.hostHopLimit ?? policy.containerHopLimit };
    const named = missing.impact === Impact.REPLACEMENT ? node.adapter.customName?.(node.view) : undefined;
    const replaces = missing.impact === Impact.REPLACEMENT && (!policy.allowReplacement || named !== undefined);
    const fixable = !replaces && !missing.blocker;
    const reported = add(node, {
      ruleId: Rule.TOKENS_REQUIRED,
      fixable,
      problem: `it has no launch template: ${missing.serviceDefault}`,
      remedy: missing.blocker
        ? `give it a launch template that requires tokens; ${missing.blocker}`
        : `give it a launch template with HttpTokens 'required' and hop limit ${metadataOptions.HttpPutResponseHopLimit}`,
    });
    if (!reported) {
      node.openAfter = true;
      return;
    }
    if (replaces) {
      const how = `giving it a launch template ${node.view.type === 'AWS::EKS::Nodegroup' ? 'cannot be done in place: the node group must be recreated' : 'replaces it on deploy'}`;
      add(node, named ? {
        ruleId: Rule.REPLACEMENT,
        fixable: false,
        problem: `${how}, and CloudFormation cannot replace a resource with a custom name (${named.name}): the deploy would fail`,
        remedy: named.remedy,
      } : {
        ruleId: Rule.REPLACEMENT,
        fixable: false,
        problem: how,
        remedy: 'recreate it with a launch template (e.g. under a new id), or set allowReplacement: true',
      });
    }
    if (!fixable) {
      node.openAfter = true;
      return;
    }
    node.patches.push({ kind: 'attach-launch-template', resource: node.view, specPath: missing.specPath, idKey: missing.idKey, versionKey: missing.versionKey, metadataOptions });
    node.changed = true;
    node.impact = worst(node.impact, missing.impact);
  }

  return [...[...nodes.values()].map(verdictOf), ...settled];

  function verdictOf(node: Node): ResourceVerdict {
    // The descriptions are for the aspect's report; the checks and the validator never read
    // them, so they are written when first read, not for every resource of every analysis.
    let before: string | undefined;
    let after: string | undefined;
    return {
      resource: node.view,
      get before() {
        return before ??= describe(node, false);
      },
      get after() {
        return after ??= node.patches.length ? describe(node, true) : this.before;
      },
      findings: node.findings,
      patches: node.patches,
      impact: node.impact,
      compliantAsWritten: node.compliantAsWritten,
      compliantAfter: !node.openAfter,
      acknowledged: node.acknowledged,
      acknowledgedThroughSource: node.acknowledgedThroughSource,
    };
  }

  function describe(node: Node, after: boolean): string {
    const parts: string[] = [];
    const carrier = node.adapter.settings;
    if (carrier) {
      const state = { ...carrier.read(node.view), ...(after ? node.change : {}) };
      const fields = [`tokens=${brief(state.httpTokens)}`];
      if (carrier.supportsHopLimit) fields.push(`hop=${brief(state.hopLimit)}`);
      if (state.httpEndpoint !== undefined) fields.push(`endpoint=${brief(state.httpEndpoint)}`);
      parts.push(carrier.isOpaque(node.view) ? 'settings=(unresolved)' : fields.join(' '));
    }
    const link = links.get(node)!;
    const followed = new Set(after ? node.patches.filter((p) => p.kind === 'follow-latest').map((p) => (p as { path: readonly string[] }).path.join('.')) : []);
    for (const l of link.templates) {
      const version = followed.has([...l.use.specPath, l.use.versionKey].join('.')) ? 'latest' : versionLabel(l.version);
      parts.push(`template ${l.target.view.logicalId}@${version}`);
    }
    for (const m of link.missingTemplates) parts.push(m);
    if (link.unresolvedTemplates) parts.push('template=(unresolved)');
    if (link.configuration) parts.push(`configuration ${link.configuration.view.logicalId}`);
    const attach = after ? node.patches.find((p) => p.kind === 'attach-launch-template') : undefined;
    if (attach) parts.push(`new template tokens=required hop=${(attach as { metadataOptions: Json }).metadataOptions.HttpPutResponseHopLimit}`);
    else if (!carrier && parts.length === 0 && node.adapter.withoutLaunchTemplate?.(node.view)) parts.push('no launch template');
    return parts.join('; ') || 'no IMDS settings';
  }
}

function brief(v: unknown): string {
  if (v === UNRESOLVED) return '(unresolved)';
  return v === undefined ? '(unset)' : String(v);
}

function versionLabel(v: VersionRef): string {
  switch (v.kind) {
    case 'pinned': return String(v.number);
    case 'unknown': return '(unresolved)';
    default: return v.byGetAtt ? v.kind : `$${v.kind === 'latest' ? 'Latest' : 'Default'}`;
  }
}

/**
 * True when a consumer's Version reads LT's LatestVersionNumber (`Fn::GetAtt`, in either
 * form, or a Sub that reads it): any change to LT changes that value, which re-versions it.
 */
function followsLatest(l: TemplateLink): boolean {
  return (l.version.kind === 'latest' && l.version.byGetAtt) || l.readsLatest === true;
}

/** How a consumer names the default version (its raw Version value), for messages. */
function defaultHow(raw: Json): string {
  if (raw === undefined || raw === null) return 'no Version';
  return typeof raw === 'string' ? `Version '${raw}'` : 'Version Fn::GetAtt DefaultVersionNumber';
}

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
