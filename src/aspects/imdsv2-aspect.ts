import * as fs from 'fs';
import * as path from 'path';
import { AspectPriority, Aspects, CfnResource, IAspect, Stack, Stage, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { constructsOfAssembly, scopeAndStagesBelow, stagesNotReached } from './assembly-walk';
import { deployImpactOf } from './deploy-impact';
import { EnforcementMode } from './enforcement-mode';
import { Imdsv2Action, Imdsv2DeployImpact, Imdsv2ReportEntry } from './imdsv2-report';
import { AppliedSet, applyPatch, undoSets, withoutSets } from './patching';
import { analyze } from '../engine/analyze';
import { checkHopLimit as checkEngineHopLimit } from '../engine/hop-limit';
import { valueAt } from '../engine/json';
import { EnginePolicy, Finding, Impact, Patch, ResourceLookup, ResourceVerdict, ResourceView } from '../engine/model';
import { OptOuts, checkOptOuts, withOptOuts } from '../engine/opt-outs';
import { RESOURCE_TABLE } from '../engine/resource-table';
import { Imdsv2RuleId } from '../engine/rule-id';
import { userDataFindings } from '../engine/user-data';
import { annotationsOf, productStackPrefixOf } from '../private/annotations';
import { AppResources } from '../private/app-resources';
import { applyRequireImdsv2OfGroup } from '../private/builtin-imdsv2-aspects';
import { renderedProperties, withReferencesAsWritten } from '../private/render-resource';
import { isServiceCatalogProduct, productTemplateVerdicts } from '../validation/product-file-templates';

/**
 * Properties of `Imdsv2Aspect`.
 */
export interface Imdsv2AspectProps {
  /**
   * Rewrite, report or reject what is found.
   *
   * @default EnforcementMode.REWRITE
   */
  readonly mode?: EnforcementMode;

  /**
   * The highest IMDS hop limit a plain host may have: hosts above it are lowered to it in
   * REWRITE (and are errors in REJECT). Set it to 1 to keep every token on its host, e.g. for
   * AWS Control Tower's CT.EC2.PR.2.
   *
   * Unset, there is no host policy, because a plain host may run containers (hop limit 2 is
   * what EC2 gives instances of IMDSv2-only AMIs, and what Docker's bridge network needs):
   * hosts above `containerHopLimit` are lowered to it; a host above 1 and at most
   * `containerHopLimit` is left as it is with an advisory `Imdsv2-HopLimit` warning (a
   * warning in every mode, REJECT too); an unset hop limit stays unset.
   *
   * @default - no host policy: plain hosts are lowered only above `containerHopLimit`
   */
  readonly hostHopLimit?: number;

  /**
   * The hop limit a container host gets (EKS node groups and their launch templates,
   * Batch, Auto Scaling groups tagged for a cluster, ImageBuilder): containers reach IMDS
   * through one more hop than the host. Limits above it are lowered, below it raised. While
   * `hostHopLimit` is unset it is also the most a plain host may have.
   *
   * @default 2
   */
  readonly containerHopLimit?: number;

  /**
   * Apply fixes that replace or recreate a live resource (an EKS node group without a
   * launch template, an instance that follows a launch template's latest version, an EC2
   * fleet). When false they are reported as `Imdsv2-Replacement` and not applied.
   *
   * @default false
   */
  readonly allowReplacement?: boolean;

  /**
   * Annotate every fix on its resource (an info message per fix). Fixes need no action, so
   * by default each stack gets one summary line and the report file has the detail.
   * The context key `cdk-imdsv2:annotateFixes` (true) turns it on for a whole app.
   *
   * @default false
   */
  readonly annotateFixes?: boolean;

  /**
   * Rule ids switched off for everything the aspect covers, e.g. `['Imdsv2-UserDataV1']`.
   *
   * A disabled rule counts as acknowledged on every resource: REWRITE leaves what it would
   * fix unchanged, and no mode reports it (as `Validations.of(app).acknowledge()` would, for
   * the whole app at once). Each id must be one of `Imdsv2RuleId`'s values; an unknown id is
   * an error listing the valid ones.
   *
   * @default - every rule is on
   */
  readonly disabledRules?: string[];

  /**
   * CloudFormation resource types left alone for everything the aspect covers, e.g.
   * `['AWS::SageMaker::NotebookInstance']`.
   *
   * Every rule counts as acknowledged on a resource of such a type: REWRITE leaves it
   * unchanged and no mode reports it. Resources of other types that use it (an Auto Scaling
   * group and its launch template) are still judged on their own. Each type must be one the
   * aspect checks (the table in the README); an unknown type is an error listing them.
   *
   * @default - every IMDS-bearing resource type is checked
   */
  readonly ignoredResourceTypes?: string[];
}

/** The name of the report the aspect writes into each cloud assembly. */
const REPORT_FILE = 'imdsv2-report.json';

/** Every IMDS-bearing resource some Imdsv2Aspect has taken, whichever instance. */
const TAKEN = new WeakSet<IConstruct>();

function isImdsBearing(c: IConstruct): c is CfnResource {
  return CfnResource.isCfnResource(c) && RESOURCE_TABLE.has(c.cfnResourceType);
}

/**
 * An IMDS-bearing resource that may launch EC2 as written: a Kubernetes manifest of no
 * Karpenter node class (every EKS cluster has some) does not, so a Stage that holds only
 * such manifests needs no aspect. Rendered only for types whose adapter can say so.
 */
function mayLaunchInstances(c: IConstruct): boolean {
  if (!isImdsBearing(c)) return false;
  const adapter = RESOURCE_TABLE.get(c.cfnResourceType)!;
  if (!adapter.launchesInstances) return true;
  const properties = renderedProperties(c, adapter.properties);
  return adapter.launchesInstances({ key: c.node.path, logicalId: c.node.id, type: c.cfnResourceType, properties, path: c.node.path });
}

/** The context key that turns `annotateFixes` on for a whole app. */
const ANNOTATE_FIXES_CONTEXT = 'cdk-imdsv2:annotateFixes';

/** What the aspect did to one resource (REWRITE). */
interface Rewrite {
  /** The paths written, with what they replaced (all but a new launch template's). */
  applied: AppliedSet[];
  /**
   * When a launch template was made for it (it stays: it cannot be shown away): what the
   * visit's verdict said it fixes, and the impact on deploy. Only this of the verdict is
   * kept: a verdict holds the resource's whole view.
   */
  readonly attached?: { readonly fixed: Finding[]; readonly impact: Impact };
}

/** What the final check decided for one resource, on the templates that will be deployed. */
interface FinalVerdict {
  readonly resource: CfnResource;
  readonly verdict: ResourceVerdict;
  readonly fixed: Finding[];
  readonly open: Finding[];
  readonly applied: boolean;
  readonly impact: Impact;
}

/**
 * Makes IMDSv1 impossible in everything below the scope it is added to, whoever made
 * the resources: L2 or L1 constructs, `CfnInclude`, property overrides, nested stacks.
 *
 * It reads the synthesized CloudFormation properties of every IMDS-bearing resource,
 * asks the engine what is wrong, and (in REWRITE) fixes it with property overrides that
 * keep the other metadata options. It never makes a change that replaces a live resource
 * unless `allowReplacement` is set; it reports it as `Imdsv2-Replacement` instead.
 *
 * What it reports is judged on what will be deployed: after every other aspect and escape
 * hatch has run (at validation), it reads the resources again, undoes a fix that a
 * consumer found since would turn into a replacement, closes what was reopened (REWRITE),
 * and only then reports, rejects and writes `imdsv2-report.json`.
 *
 * Use `Imdsv2Aspect.applyTo(app)`: aws-cdk-lib synthesizes a nested `Stage` (every CDK
 * Pipelines stage) before the aspects of the App run, so an aspect added to the App alone
 * cannot reach it, and synthesis fails saying so.
 *
 * @example
 * const app = new App();
 * // ... your stacks and stages ...
 * Imdsv2Aspect.applyTo(app, { mode: EnforcementMode.REWRITE });
 */
export class Imdsv2Aspect implements IAspect {
  /** The name of the report file written into each cloud assembly. */
  public static readonly REPORT_FILE_NAME = REPORT_FILE;

  /**
   * Adds one aspect to `scope` and to every Stage below it (CDK Pipelines stages, Stages
   * in Stages), at `AspectPriority.MUTATING`, and returns it. Call it once the stages
   * exist (just before `app.synth()`, or at the end of the app's entry point): a Stage
   * added later is not covered, and synthesis fails naming it.
   *
   * @param scope the App (or any scope) to cover
   * @param props the mode and the policy
   */
  public static applyTo(scope: IConstruct, props?: Imdsv2AspectProps): Imdsv2Aspect {
    const aspect = new Imdsv2Aspect(props);
    for (const target of scopeAndStagesBelow(scope)) {
      Aspects.of(target).add(aspect, { priority: AspectPriority.MUTATING });
    }
    return aspect;
  }

  private readonly mode: EnforcementMode;
  private readonly policy: EnginePolicy;
  private readonly annotateFixes?: boolean;
  private readonly optOuts: OptOuts;
  /** Every construct already looked at: later visits of them return at once. */
  private readonly covered = new WeakSet<IConstruct>();
  /** The visit's index (renders, references): dropped once every Stage it holds is judged. */
  private resources = new AppResources();
  /** The IMDS-bearing resources in this aspect's scope, per Stage (cloud assembly). */
  private readonly owned = new Map<Stage, Set<CfnResource>>();
  private readonly rewrites = new Map<CfnResource, Rewrite>();
  /** The report entries of each judged Stage (kept as entries: the verdicts behind them are large). */
  private readonly judged = new Map<Stage, Imdsv2ReportEntry[]>();

  /**
   * @param props the mode, the hop-limit policy and whether replacements are allowed
   */
  public constructor(props?: Imdsv2AspectProps) {
    const given: Imdsv2AspectProps = props ?? {};
    this.mode = checkMode(given.mode);
    this.policy = {
      hostHopLimit: given.hostHopLimit === undefined || given.hostHopLimit === null ? undefined : checkHopLimit('hostHopLimit', given.hostHopLimit),
      containerHopLimit: checkHopLimit('containerHopLimit', given.containerHopLimit ?? 2),
      allowReplacement: checkBoolean('allowReplacement', given.allowReplacement) ?? false,
    };
    this.annotateFixes = checkBoolean('annotateFixes', given.annotateFixes);
    this.optOuts = checkOptOuts('Imdsv2Aspect', 'disabledRules', given.disabledRules,
      'ignoredResourceTypes', given.ignoredResourceTypes);
  }

  /**
   * What the aspect found and did, one entry per IMDS-bearing resource, judged on the
   * templates that are deployed (filled in when each Stage synthesizes).
   */
  public get entries(): Imdsv2ReportEntry[] {
    return [...this.judged.values()].flat().map((e) => ({ ...e }));
  }

  /**
   * Check, and in REWRITE fix, every IMDS-bearing resource under `node`; called by CDK.
   *
   * @param node the construct the aspect was added to, or one added below it later
   */
  public visit(node: IConstruct): void {
    if (this.covered.has(node)) return;
    // The first visit is the scope the aspect was added to: take its whole subtree at once,
    // so that a launch template and all its consumers are decided together. Constructs
    // added later (by other aspects) arrive here on their own and are taken the same way.
    const { constructs, nestedStages } = constructsOfAssembly(node);
    this.requireReach(node, nestedStages);
    const found: CfnResource[] = [];
    for (const c of constructs) {
      if (this.covered.has(c)) continue;
      this.covered.add(c);
      applyRequireImdsv2OfGroup(c);
      if (isImdsBearing(c)) {
        found.push(c);
        TAKEN.add(c);
      } else if (isServiceCatalogProduct(c)) {
        this.own(c); // its file-asset templates: validation/product-file-templates.ts
      }
    }
    for (const resource of found) this.own(resource);
    // REPORT and REJECT judge only the final templates; REWRITE fixes now, so that what
    // runs after it (other aspects, cdk-nag) sees the fixed resources, and checks again then.
    if (found.length === 0 || this.mode !== EnforcementMode.REWRITE) return;
    const views = found.map((r) => this.resources.add(r));
    for (const verdict of analyze(views, withOptOuts(this.resources, this.optOuts), this.policy)) {
      if (verdict.patches.length === 0) continue;
      const resource = this.resources.resourceOf(verdict.resource);
      const applied: AppliedSet[] = [];
      for (const patch of verdict.patches) {
        const done = applyPatch(resource, patch, verdict.resource.properties, (v) => this.resources.resourceOf(v),
          (template) => { this.covered.add(template); TAKEN.add(template); this.own(template); });
        if (done) applied.push(done);
      }
      const attached = verdict.patches.some((p) => p.kind === 'attach-launch-template')
        ? { fixed: verdict.findings.filter((f) => f.fixable), impact: verdict.impact } : undefined;
      this.rewrites.set(resource, { applied, attached });
    }
  }

  /**
   * Fails synthesis when `node`'s subtree holds a nested Stage whose EC2 resources no
   * Imdsv2Aspect took before the Stage synthesized: aws-cdk-lib has written its templates
   * already, and a security check that passes what it cannot see is worse than none.
   */
  private requireReach(node: IConstruct, nestedStages: readonly Stage[]): void {
    if (nestedStages.length === 0) return;
    const missed = stagesNotReached(nestedStages, mayLaunchInstances, (c) => TAKEN.has(c));
    if (missed.length === 0) return;
    throw new Error(`Imdsv2Aspect on '${node.node.path || '(app)'}' cannot reach Stage ${missed.map((s) => `'${s.node.path}'`).join(', ')}: `
      + 'aws-cdk-lib synthesizes a nested Stage before the aspects of the scopes above it run (and CDK Pipelines\' addStage() '
      + 'synthesizes it at once), so its EC2 resources would be deployed unchecked. Call Imdsv2Aspect.applyTo(app, props) '
      + 'once the stages exist; for a CDK Pipelines stage, call Imdsv2Aspect.applyTo(stage, props) before pipeline.addStage(stage).');
  }

  /** Take `resource` into this aspect's care: judged when its Stage synthesizes. */
  private own(resource: CfnResource): void {
    const stage = Stage.of(resource);
    if (!stage) return;
    let owned = this.owned.get(stage);
    if (!owned) {
      this.owned.set(stage, owned = new Set());
      stage.node.addValidation({ validate: () => this.finalCheck(stage) });
    }
    owned.add(resource);
  }

  /**
   * At validation, after every aspect has run and the app is prepared: judge the resources
   * of `stage` as they will be deployed, fix (REWRITE) what is open now, undo a fix that
   * has become a replacement, then annotate and write the report.
   */
  private finalCheck(stage: Stage): string[] {
    const owned = this.owned.get(stage)!;
    // The visit's index is not read again: the final check renders afresh, and the Stage's
    // visits are over (a Stage's aspects all run before its validation, and a reference
    // cannot cross Stages). Freed before the judge renders everything once more.
    this.resources = new AppResources();
    const constructs = constructsOfAssembly(stage).constructs;
    const all = constructs.filter(isImdsBearing);
    let verdicts = this.judge(all, owned);
    if (this.mode === EnforcementMode.REWRITE && this.rewriteFinal(verdicts)) verdicts = this.judge(all, owned);
    const products = [...owned].filter(isServiceCatalogProduct);
    verdicts = [...verdicts, ...productTemplateVerdicts(constructs, products, this.policy, this.optOuts)];
    const finals = verdicts.map((v) => this.finalVerdictOf(v));
    const entries = finals.map((f) => this.entryOf(f));
    this.judged.set(stage, entries);
    this.annotateFinal(finals, stage);
    fs.mkdirSync(stage.outdir, { recursive: true });
    fs.writeFileSync(path.join(stage.outdir, REPORT_FILE),
      JSON.stringify({ mode: this.mode, resources: entries }, undefined, 2));
    return [];
  }

  /**
   * The engine's verdicts on `owned`, read from the resources as they now render (references
   * into other stacks as written), with every other IMDS-bearing resource of the Stage
   * there too (read-only), so that a consumer anywhere in it counts. Each resource is shown
   * without what this aspect wrote: the engine decides again, on everything else that
   * happened since, what is wrong and what is safe to fix. What it asks for and this
   * aspect has written is fixed; the rest is open.
   */
  private judge(all: readonly CfnResource[], owned: ReadonlySet<CfnResource>): Array<{ resource: CfnResource; verdict: ResourceVerdict }> {
    return withReferencesAsWritten(() => {
      const resources = new AppResources(false);
      const ownedKeys = new Set<string>();
      const views: ResourceView[] = all.map((r) => {
        const view = resources.add(r);
        if (owned.has(r)) ownedKeys.add(view.key);
        const rewrite = this.rewrites.get(r);
        if (!rewrite || rewrite.applied.length === 0) return view;
        // What another aspect or override wrote over since is theirs now, not ours.
        rewrite.applied = rewrite.applied.filter((a) => stillWritten(view.properties, a));
        return { ...view, properties: withoutSets(view.properties, rewrite.applied) };
      });
      const lookup = withOptOuts(resources, this.optOuts);
      const verdicts = analyze(views, lookup, { ...this.policy, mayChange: (v) => ownedKeys.has(v.key) });
      return verdicts.filter((v) => ownedKeys.has(v.resource.key)).map((analyzed) => {
        const resource = resources.resourceOf(analyzed.resource);
        return { resource, verdict: this.withUserDataFindings(resources, lookup, resource, analyzed) };
      });
    });
  }

  /**
   * REWRITE at validation: makes what is written match what the engine asks for now.
   * What this aspect wrote and the engine no longer asks for is undone (a launch template
   * that a consumer found since would have replaced, or that another stack imports); `set`
   * fixes it asks for and nobody wrote are applied (what a later aspect or an escape hatch
   * reopened, an instance behind an undone template). Fixes that add a reference (a
   * template version, a new template) cannot be added once the app is prepared: they stay
   * open. Returns whether anything changed.
   */
  private rewriteFinal(verdicts: Array<{ resource: CfnResource; verdict: ResourceVerdict }>): boolean {
    let changed = false;
    for (const { resource, verdict } of verdicts) {
      const rewrite = this.rewrites.get(resource);
      const wanted = new Set(verdict.patches.filter((p) => p.kind !== 'attach-launch-template').map((p) => pathOf(p)));
      if (rewrite && rewrite.applied.some((a) => !wanted.has(a.path.join('.')))) {
        undoSets(resource, rewrite.applied);
        rewrite.applied = [];
        changed = true;
      }
      const written = new Set((rewrite?.applied ?? []).map((a) => a.path.join('.')));
      const missing = verdict.patches.filter((p) => p.kind === 'set' && !written.has(pathOf(p)));
      if (missing.length === 0) continue;
      const late = missing.map((p) => applyPatch(resource, p, verdict.resource.properties, () => resource, () => undefined)!);
      if (rewrite) rewrite.applied.push(...late);
      else this.rewrites.set(resource, { applied: late });
      changed = true;
    }
    return changed;
  }

  /** What the final verdict means for the report: what was fixed, what is open. */
  private finalVerdictOf({ resource, verdict }: { resource: CfnResource; verdict: ResourceVerdict }): FinalVerdict {
    const rewrite = this.mode === EnforcementMode.REWRITE ? this.rewrites.get(resource) : undefined;
    const written = new Set((rewrite?.applied ?? []).map((a) => a.path.join('.')));
    const allWritten = verdict.patches.every((p) => p.kind === 'attach-launch-template' ? rewrite?.attached !== undefined : written.has(pathOf(p)));
    // The engine's fixable findings are fixed when every patch it asks for is written.
    const fixedNow = rewrite && allWritten ? verdict.findings.filter((f) => f.fixable) : [];
    // A new launch template cannot be shown away: what it fixed comes from the visit.
    const fixedByAttach = rewrite?.attached?.fixed ?? [];
    const open = verdict.findings.filter((f) => !fixedNow.includes(f));
    const applied = rewrite !== undefined && (written.size > 0 || rewrite.attached !== undefined) && allWritten;
    const consumerOfFix = this.mode === EnforcementMode.REWRITE && allWritten && verdict.impact !== Impact.NONE;
    return {
      resource,
      verdict,
      fixed: [...fixedByAttach, ...fixedNow],
      open,
      applied: applied || consumerOfFix,
      impact: rewrite?.attached?.impact ?? verdict.impact,
    };
  }

  /**
   * The verdict with an `Imdsv2-UserDataV1` finding per user-data or cfn-init line that
   * calls IMDS without a token: requiring tokens (here, or anywhere) breaks that line, so
   * it is said next to the fix. Never fixable: only a person can rewrite a script.
   */
  private withUserDataFindings(resources: AppResources, lookup: ResourceLookup, resource: CfnResource,
    verdict: ResourceVerdict): ResourceVerdict {
    if (lookup.isAcknowledged(verdict.resource, Imdsv2RuleId.USER_DATA_V1)) return verdict;
    const found = userDataFindings(verdict.resource, resources.scriptsOf(resource));
    return found.length === 0 ? verdict : { ...verdict, findings: [...verdict.findings, ...found] };
  }

  /**
   * Warnings and errors per resource (they ask for action); fixes as one line per stack,
   * or per resource with `annotateFixes`.
   */
  private annotateFinal(finals: readonly FinalVerdict[], stage: Stage): void {
    const perFix = this.annotateFixes ?? stage.node.tryGetContext(ANNOTATE_FIXES_CONTEXT) === true;
    const byStack = new Map<Stack, FinalVerdict[]>();
    for (const f of finals) {
      const stack = Stack.of(f.resource);
      const list = byStack.get(stack);
      if (list) list.push(f);
      else byStack.set(stack, [f]);
      for (const finding of f.open) this.annotateOpen(f, finding);
      if (perFix) for (const finding of f.fixed) this.annotateFixed(f, finding);
    }
    for (const [stack, list] of byStack) {
      const fixed = list.filter((f) => f.applied && f.open.length === 0).length;
      const open = list.filter((f) => f.open.length > 0).length;
      // No id: a summary asks for nothing, so the CDK CLI should not offer to acknowledge it.
      annotationsOf(stack).addInfo(`Imdsv2Aspect (${this.mode}): ${productStackPrefixOf(stack)}${list.length} IMDS-bearing resources, `
        + `${fixed} fixed, ${open} with findings; details in ${path.join(stage.outdir, REPORT_FILE)}`);
    }
  }

  private annotateFixed(f: FinalVerdict, finding: Finding): void {
    annotationsOf(f.resource).addInfoV2(finding.ruleId,
      `${this.what(f, finding)}. fixed: ${finding.remedy} (on deploy: ${f.impact})`);
  }

  private annotateOpen(f: FinalVerdict, finding: Finding): void {
    const what = this.what(f, finding);
    // no stack trace: it would point into app.synth(), not at the user's code
    const annotations = annotationsOf(f.resource);
    switch (this.mode) {
      case EnforcementMode.REWRITE:
        annotations.addWarningV2(finding.ruleId, `${what}. not fixed: ${finding.remedy}`);
        return;
      case EnforcementMode.REPORT:
        annotations.addWarningV2(finding.ruleId,
          `${what}. ${finding.fixable ? 'Imdsv2Aspect in REWRITE mode would' : 'to fix:'} ${finding.remedy}`);
        return;
      case EnforcementMode.REJECT:
        // An advisory finding leaves IMDSv1 closed: REJECT fails only on what is left open.
        if (finding.advisory) return annotations.addWarningV2(finding.ruleId, `${what}. not rejected (advisory): ${finding.remedy}`);
        // Most remedies already say how to acknowledge; say it once.
        annotations.addError(`[${finding.ruleId}] ${what}. to fix: ${finding.remedy}`
          + (finding.remedy.includes('acknowledge') ? '' : `, or acknowledge ${finding.ruleId}`));
        return;
    }
  }

  private what(f: FinalVerdict, finding: Finding): string {
    return `${productStackPrefixOf(f.resource)}${f.resource.cfnResourceType} ${f.verdict.resource.logicalId}: ${finding.problem}`;
  }

  private entryOf(f: FinalVerdict): Imdsv2ReportEntry {
    const v = f.verdict;
    return {
      path: v.resource.path,
      logicalId: v.resource.logicalId,
      resourceType: v.resource.type,
      before: f.verdict.before,
      after: this.mode === EnforcementMode.REWRITE ? v.after : v.before,
      action: this.actionOf(f),
      impact: f.applied ? deployImpactOf(f.impact) : Imdsv2DeployImpact.NONE,
      ruleIds: [...new Set([...f.fixed, ...f.open].map((x) => x.ruleId))],
    };
  }

  private actionOf(f: FinalVerdict): Imdsv2Action {
    const v = f.verdict;
    // An acknowledged rule (an advisory hop limit chosen in code, say) is said, not hidden as compliant.
    if (!f.applied && v.compliantAsWritten && v.findings.length === 0 && v.acknowledged.length === 0) return Imdsv2Action.COMPLIANT;
    if (!f.applied && v.findings.length === 0 && v.acknowledgedThroughSource) return Imdsv2Action.ACKNOWLEDGED;
    if (f.open.length > 0) {
      if (this.mode === EnforcementMode.REJECT && f.open.some((x) => !x.advisory)) return Imdsv2Action.REJECTED;
      return f.applied ? Imdsv2Action.PARTLY_FIXED : Imdsv2Action.REPORTED;
    }
    if (f.applied) return Imdsv2Action.FIXED;
    if (v.acknowledged.length > 0) return Imdsv2Action.ACKNOWLEDGED;
    return this.mode === EnforcementMode.REWRITE && v.compliantAfter ? Imdsv2Action.COMPLIANT : Imdsv2Action.OPEN_THROUGH_SOURCE;
  }
}

/** The mode, checked: JavaScript and a typo in Python can pass any string. */
function checkMode(mode: unknown): EnforcementMode {
  if (mode === undefined || mode === null) return EnforcementMode.REWRITE;
  const accepted = Object.values(EnforcementMode) as string[];
  if (typeof mode !== 'string' || !accepted.includes(mode)) {
    throw new Error(`Imdsv2Aspect: mode must be one of ${accepted.map((m) => `EnforcementMode.${m}`).join(', ')}, got ${JSON.stringify(mode)}`);
  }
  return mode as EnforcementMode;
}

function checkBoolean(name: string, value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new Error(`Imdsv2Aspect: ${name} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** A token is refused too: a token number is no integer from 1 to 64. */
function checkHopLimit(name: string, value: number): number {
  return checkEngineHopLimit('Imdsv2Aspect', name, value);
}

/** The property path a path-writing patch writes (a new launch template writes several). */
function pathOf(p: Patch): string {
  return p.kind === 'attach-launch-template' ? p.specPath.join('.') : p.path.join('.');
}

/** Whether what `a` wrote is still what renders at its path (a reference is taken as kept). */
function stillWritten(properties: unknown, a: AppliedSet): boolean {
  if (Token.isUnresolved(a.value)) return true;
  // An object or array (an option list, say) is compared by value: an overwrite is theirs too.
  return JSON.stringify(valueAt(properties, a.path)) === JSON.stringify(a.value);
}
