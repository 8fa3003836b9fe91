import { AssetStaging, CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ACKNOWLEDGED_RULES_METADATA, acknowledgedRules } from '../engine/acknowledgements';
import { analyze } from '../engine/analyze';
import { isPlainObject } from '../engine/json';
import { EnginePolicy, Finding, Impact, ResourceVerdict, ResourceView } from '../engine/model';
import { OptOuts, isOptedOut, withOptOuts } from '../engine/opt-outs';
import { Imdsv2RuleId } from '../engine/rule-id';
import { userDataFindings } from '../engine/user-data';
import { renderedProperties } from '../private/render-resource';
import { TemplateFile, loadTemplateFile } from '../templates/load-templates';
import { TemplateResources } from '../templates/template-resources';

/**
 * Service Catalog product versions whose template ships as a file asset
 * (`servicecatalog.CloudFormationTemplate.fromAsset(path)`, or an L1 product pointed at an
 * `s3_assets.Asset`'s URL). CDK uploads that file as it is: its resources are not in the
 * construct tree, so the aspect can neither rewrite them nor see what an override did. It
 * reads the file through the engine instead (the file is what is uploaded: the asset is its
 * hash) and reports each finding in it on the product, never as fixed; a file it cannot read
 * as a template is `Imdsv2-Unverifiable`, naming it. So REJECT fails on an IMDSv1 instance in
 * a product's file, and REPORT shows it.
 *
 * A `servicecatalog.ProductStack` needs none of this: it is a Stack in the construct tree,
 * which the aspect rewrites like any other (its template is written from it, as an asset,
 * at synthesis). A version loaded from a URL outside the app is not looked at here.
 */

/** Named here, not imported from aws-servicecatalog: loading that module costs every app ~18 ms (issue #20). */
const SERVICE_CATALOG_PRODUCT = 'AWS::ServiceCatalog::CloudFormationProduct';

/** True for an AWS::ServiceCatalog::CloudFormationProduct, which the aspect takes for its file-asset versions. */
export function isServiceCatalogProduct(c: IConstruct): c is CfnResource {
  return CfnResource.isCfnResource(c) && c.cfnResourceType === SERVICE_CATALOG_PRODUCT;
}

/**
 * One verdict per product among `products` with a version shipped as a file asset; the
 * files are those staged by `constructs` (the aspect passes a Stage's, the nag pack its scope's).
 * Shared by the aspect and `Imdsv2Checks`, which both read the construct tree; the
 * validator and the CLI read the staged copies from the cloud assembly instead.
 */
export function productTemplateVerdicts(constructs: readonly IConstruct[], products: readonly CfnResource[], policy: EnginePolicy, optOuts: OptOuts):
Array<{ resource: CfnResource; verdict: ResourceVerdict }> {
  if (products.length === 0) return [];
  const files = fileAssetsOf(constructs);
  const verdicts: Array<{ resource: CfnResource; verdict: ResourceVerdict }> = [];
  for (const product of products) {
    const versions = fileAssetVersionsOf(product, files);
    if (versions.length > 0) verdicts.push({ resource: product, verdict: verdictOf(product, versions, policy, optOuts) });
  }
  return verdicts;
}

/** A product version and the file its template is uploaded from. */
interface FileAssetVersion {
  readonly name: string;
  readonly sourcePath: string;
}

/** Asset hash → source path of every file asset staged by `constructs`. */
function fileAssetsOf(constructs: readonly IConstruct[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const c of constructs) {
    if (c instanceof AssetStaging && !c.isArchive) files.set(c.assetHash, c.sourcePath);
  }
  return files;
}

/** The versions of `product` whose template URL names one of `files` by its hash. */
function fileAssetVersionsOf(product: CfnResource, files: ReadonlyMap<string, string>): FileAssetVersion[] {
  const rendered = renderedProperties(product, ['ProvisioningArtifactParameters']).ProvisioningArtifactParameters;
  if (!Array.isArray(rendered)) return [];
  const versions: FileAssetVersion[] = [];
  rendered.forEach((version: unknown, i) => {
    const text = JSON.stringify(isPlainObject(version) ? version.Info : undefined) ?? '';
    for (const [hash, sourcePath] of files) {
      if (!text.includes(hash)) continue;
      const name = isPlainObject(version) && typeof version.Name === 'string' ? `'${version.Name}'` : `#${i + 1}`;
      versions.push({ name, sourcePath });
    }
  });
  return versions;
}

function verdictOf(product: CfnResource, versions: readonly FileAssetVersion[], policy: EnginePolicy, optOuts: OptOuts): ResourceVerdict {
  const view: ResourceView = {
    key: product.node.path,
    logicalId: product.stack.resolve(product.logicalId),
    type: product.cfnResourceType,
    properties: {},
    path: product.node.path,
  };
  const acknowledgedHere = acknowledgedAt(product);
  const isAcknowledged = (ruleId: Imdsv2RuleId) => acknowledgedHere.has(ruleId) || isOptedOut(optOuts, view, ruleId);
  const all = versions.flatMap((v) => findingsOfFile(view, v, policy, optOuts));
  const findings = all.filter((f) => !isAcknowledged(f.ruleId));
  const described = versions.map((v) => `version ${v.name} from file asset ${v.sourcePath}`).join('; ');
  return {
    resource: view,
    before: described,
    after: described,
    findings,
    patches: [],
    impact: Impact.NONE,
    compliantAsWritten: findings.every((f) => f.advisory),
    compliantAfter: findings.every((f) => f.advisory),
    acknowledged: [...new Set(all.filter((f) => isAcknowledged(f.ruleId)).map((f) => f.ruleId))],
    acknowledgedThroughSource: false,
  };
}

/**
 * The engine's findings on the template `version` ships (its resources' own acknowledgements
 * honoured), restated on the product: the aspect cannot fix them. A file that is no readable
 * template is one `Imdsv2-Unverifiable` finding.
 */
function findingsOfFile(product: ResourceView, version: FileAssetVersion, policy: EnginePolicy, optOuts: OptOuts): Finding[] {
  const where = `version ${version.name} ships the template file ${version.sourcePath} as a file asset`;
  let file: TemplateFile;
  try {
    file = loadTemplateFile(version.sourcePath);
  } catch (e) {
    return [{
      ruleId: Imdsv2RuleId.UNVERIFIABLE,
      resource: product,
      fixable: false,
      problem: `${where}, which cannot be read as a CloudFormation template (${e instanceof Error ? e.message : String(e)}): the EC2 resources it may launch cannot be checked`,
      remedy: 'build the version from a servicecatalog.ProductStack (Imdsv2Aspect checks and rewrites it), or check the file and acknowledge Imdsv2-Unverifiable on the product',
    }];
  }
  const resources = new TemplateResources([file]);
  const lookup = withOptOuts(resources, optOuts);
  const found: Finding[] = [];
  for (const verdict of analyze(resources.views, lookup, { ...policy, allowReplacement: false })) {
    found.push(...verdict.findings);
    found.push(...userDataFindings(verdict.resource, resources.scriptsOf(verdict.resource))
      .filter((f) => !lookup.isAcknowledged(verdict.resource, f.ruleId)));
  }
  return found.map((f) => ({
    ruleId: f.ruleId,
    resource: product,
    fixable: false,
    advisory: f.advisory,
    problem: `${where}, which cannot be rewritten in the app; in it, ${f.resource.type} ${f.resource.logicalId}: ${f.problem}`,
    remedy: `edit the file (${f.remedy}), or build the version from a servicecatalog.ProductStack, which Imdsv2Aspect rewrites`,
  }));
}

/** Our rule ids acknowledged with Validations.of(scope).acknowledge() on `c` or a scope above it. */
function acknowledgedAt(c: IConstruct): Set<string> {
  const found = new Set<string>();
  for (let at: IConstruct | undefined = c; at; at = at.node.scope) {
    for (const entry of at.node.metadata) {
      if (entry.type === ACKNOWLEDGED_RULES_METADATA) for (const rule of acknowledgedRules(Object.keys(entry.data ?? {}))) found.add(rule);
    }
  }
  return found;
}
