import * as fs from 'fs';
import * as path from 'path';
import { CfnResource, IAspect, Stage, Token } from 'aws-cdk-lib';
import { CfnLaunchTemplate } from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { deployImpactOf } from './deploy-impact';
import { EnforcementMode } from './enforcement-mode';
import { Imdsv2Action, Imdsv2DeployImpact, Imdsv2ReportEntry } from './imdsv2-report';
import { analyze } from '../engine/analyze';
import { Finding, Impact, Patch, ResourceVerdict } from '../engine/model';
import { RESOURCE_TABLE } from '../engine/resource-table';
import { Imdsv2RuleId } from '../engine/rule-id';
import { userDataFindings } from '../engine/user-data';
import { annotationsOf } from '../private/annotations';
import { AppResources } from '../private/app-resources';
import { applyRequireImdsv2OfGroup } from '../private/builtin-imdsv2-aspects';

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
}

/** The name of the report the aspect writes into each cloud assembly. */
const REPORT_FILE = 'imdsv2-report.json';

/**
 * Makes IMDSv1 impossible in everything below the scope it is added to, whoever made
 * the resources: L2 or L1 constructs, `CfnInclude`, property overrides, nested stacks.
 *
 * It reads the synthesized CloudFormation properties of every IMDS-bearing resource,
 * asks the engine what is wrong, and (in REWRITE) fixes it with property overrides that
 * keep the other metadata options. It never makes a change that replaces a live resource
 * unless `allowReplacement` is set; it reports it as `Imdsv2-Replacement` instead.
 *
 * Add it with `AspectPriority.MUTATING` so that it runs before read-only aspects.
 *
 * @example
 * const app = new App();
 * Aspects.of(app).add(new Imdsv2Aspect({ mode: EnforcementMode.REWRITE }), {
 *   priority: AspectPriority.MUTATING,
 * });
 */
export class Imdsv2Aspect implements IAspect {
  /** The name of the report file written into each cloud assembly. */
  public static readonly REPORT_FILE_NAME = REPORT_FILE;

  private readonly mode: EnforcementMode;
  private readonly hostHopLimit: number | undefined;
  private readonly containerHopLimit: number;
  private readonly allowReplacement: boolean;
  /** Every construct already looked at: later visits of them return at once. */
  private readonly covered = new WeakSet<IConstruct>();
  private readonly resources = new AppResources();
  private readonly verdicts: Array<{ verdict: ResourceVerdict; stage: Stage | undefined }> = [];
  private readonly stagesWithReport = new WeakSet<Stage>();

  /**
   * @param props the mode, the hop-limit policy and whether replacements are allowed
   */
  public constructor(props: Imdsv2AspectProps = {}) {
    this.mode = props.mode ?? EnforcementMode.REWRITE;
    this.hostHopLimit = props.hostHopLimit === undefined ? undefined : checkHopLimit('hostHopLimit', props.hostHopLimit);
    this.containerHopLimit = checkHopLimit('containerHopLimit', props.containerHopLimit ?? 2);
    this.allowReplacement = props.allowReplacement ?? false;
  }

  /**
   * What the aspect found and did, one entry per IMDS-bearing resource (after synthesis).
   */
  public get entries(): Imdsv2ReportEntry[] {
    return this.verdicts.map(({ verdict }) => this.entryOf(verdict));
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
    const found: CfnResource[] = [];
    for (const c of node.node.findAll()) {
      if (this.covered.has(c)) continue;
      this.covered.add(c);
      applyRequireImdsv2OfGroup(c);
      if (CfnResource.isCfnResource(c) && RESOURCE_TABLE.has(c.cfnResourceType)) found.push(c);
    }
    if (found.length === 0) return;
    const views = found.map((r) => this.resources.add(r));
    const verdicts = analyze(views, this.resources, {
      hostHopLimit: this.hostHopLimit,
      containerHopLimit: this.containerHopLimit,
      allowReplacement: this.allowReplacement,
    });
    for (const analyzed of verdicts) {
      const resource = this.resources.resourceOf(analyzed.resource);
      const verdict = this.withUserDataFindings(resource, analyzed);
      if (this.mode === EnforcementMode.REWRITE) {
        for (const patch of verdict.patches) this.apply(resource, patch);
      }
      for (const finding of verdict.findings) this.annotate(resource, finding, verdict);
      const stage = Stage.of(resource);
      this.verdicts.push({ verdict, stage });
      this.writeReportWith(stage);
    }
  }

  /**
   * The verdict with an `Imdsv2-UserDataV1` finding per user-data or cfn-init line that
   * calls IMDS without a token: requiring tokens (here, or anywhere) breaks that line, so
   * it is said next to the fix. Never fixable: only a person can rewrite a script.
   */
  private withUserDataFindings(resource: CfnResource, verdict: ResourceVerdict): ResourceVerdict {
    if (this.resources.isAcknowledged(verdict.resource, Imdsv2RuleId.USER_DATA_V1)) return verdict;
    const found = userDataFindings(verdict.resource, this.resources.scriptsOf(resource));
    return found.length === 0 ? verdict : { ...verdict, findings: [...verdict.findings, ...found] };
  }

  private apply(resource: CfnResource, patch: Patch): void {
    switch (patch.kind) {
      case 'set':
        resource.addPropertyOverride(patch.path.join('.'), patch.value);
        return;
      case 'follow-latest': {
        const template = this.resources.resourceOf(patch.launchTemplate);
        resource.addPropertyOverride(patch.path.join('.'), template.getAtt('LatestVersionNumber'));
        return;
      }
      case 'attach-launch-template': {
        // Next to the resource; inside its L2 when it is one's default child ("Resource").
        const id = resource.node.id === 'Resource' ? 'Imdsv2LaunchTemplate' : `${resource.node.id}Imdsv2LaunchTemplate`;
        const template = new CfnLaunchTemplate(resource.node.scope!, id, {
          launchTemplateData: {
            metadataOptions: {
              httpTokens: patch.metadataOptions.HttpTokens,
              httpPutResponseHopLimit: patch.metadataOptions.HttpPutResponseHopLimit,
            },
          },
        });
        this.covered.add(template);
        const spec = patch.specPath.join('.');
        resource.addPropertyOverride(`${spec}.${patch.idKey}`, template.ref);
        resource.addPropertyOverride(`${spec}.${patch.versionKey}`, template.attrLatestVersionNumber);
        if (resource.cfnResourceType === 'AWS::EKS::Nodegroup') {
          // EKS cannot add a launch template to a node group in place: a new logical id
          // makes CloudFormation create the new group before it deletes the old one.
          resource.overrideLogicalId(`${patch.resource.logicalId}Imdsv2`);
        }
        return;
      }
    }
  }

  private annotate(resource: CfnResource, finding: Finding, verdict: ResourceVerdict): void {
    const what = `${resource.cfnResourceType} ${verdict.resource.logicalId}: ${finding.problem}`;
    // no stack trace: it would point into app.synth(), not at the user's code
    const annotations = annotationsOf(resource);
    switch (this.mode) {
      case EnforcementMode.REWRITE:
        if (finding.fixable) {
          annotations.addInfoV2(finding.ruleId, `${what}. fixed: ${finding.remedy} (on deploy: ${verdict.impact})`);
        } else {
          annotations.addWarningV2(finding.ruleId, `${what}. not fixed: ${finding.remedy}`);
        }
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

  private entryOf(verdict: ResourceVerdict): Imdsv2ReportEntry {
    const rewrite = this.mode === EnforcementMode.REWRITE;
    const applied = rewrite && verdict.patches.length > 0;
    return {
      path: verdict.resource.path,
      logicalId: verdict.resource.logicalId,
      resourceType: verdict.resource.type,
      before: verdict.before,
      after: rewrite ? verdict.after : verdict.before,
      action: actionOf(this.mode, verdict),
      impact: applied || (rewrite && verdict.impact !== Impact.NONE) ? deployImpactOf(verdict.impact) : Imdsv2DeployImpact.NONE,
      ruleIds: [...new Set(verdict.findings.map((f) => f.ruleId))],
    };
  }

  /** Once per stage: write the report next to the templates when the stage synthesizes. */
  private writeReportWith(stage: Stage | undefined): void {
    if (!stage || this.stagesWithReport.has(stage)) return;
    this.stagesWithReport.add(stage);
    stage.node.addValidation({
      validate: () => {
        const entries = this.verdicts.filter((v) => v.stage === stage).map((v) => this.entryOf(v.verdict));
        fs.mkdirSync(stage.outdir, { recursive: true });
        fs.writeFileSync(path.join(stage.outdir, REPORT_FILE), JSON.stringify({ mode: this.mode, resources: entries }, undefined, 2));
        return [];
      },
    });
  }
}

function actionOf(mode: EnforcementMode, v: ResourceVerdict): Imdsv2Action {
  if (v.compliantAsWritten && v.findings.length === 0) return Imdsv2Action.COMPLIANT;
  if (v.findings.length === 0 && v.acknowledgedThroughSource) return Imdsv2Action.ACKNOWLEDGED;
  if (mode === EnforcementMode.REWRITE) {
    if (v.compliantAfter && (v.patches.length > 0 || v.impact !== Impact.NONE)) return Imdsv2Action.FIXED;
    if (v.patches.length > 0) return Imdsv2Action.PARTLY_FIXED;
  }
  if (v.findings.length > 0) return mode === EnforcementMode.REJECT ? Imdsv2Action.REJECTED : Imdsv2Action.REPORTED;
  if (v.acknowledged.length > 0) return Imdsv2Action.ACKNOWLEDGED;
  return mode === EnforcementMode.REWRITE && v.compliantAfter ? Imdsv2Action.FIXED : Imdsv2Action.OPEN_THROUGH_SOURCE;
}

function checkHopLimit(name: string, value: number): number {
  if (Token.isUnresolved(value) || !Number.isInteger(value) || value < 1 || value > 64) {
    throw new Error(`Imdsv2Aspect: ${name} must be an integer from 1 to 64, got ${value}`);
  }
  return value;
}
