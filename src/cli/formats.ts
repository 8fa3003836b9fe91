import * as path from 'path';
import { isPlainObject } from '../engine/json';
import { RULE_CATALOG, RuleSeverity } from '../engine/rule-catalog';
import { InputProblem, TemplateFile } from '../templates/load-templates';
import { ScanFinding, ScanResult } from '../templates/scan-templates';
import { linesOf } from '../templates/template-text';

/** The output formats of `cdk-imdsv2 scan`. */
export const FORMATS = ['table', 'json', 'sarif'] as const;
export type Format = typeof FORMATS[number];

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const INFORMATION_URI = 'https://github.com/cdk-imdsv2/cdk-imdsv2';

/** The scan result in `format`, ending with a newline, with the inputs that were not checked (`problems`). */
export function render(format: Format, result: ScanResult, version: string, problems: readonly InputProblem[] = []): string {
  switch (format) {
    case 'json': return `${JSON.stringify(toJson(result, version, problems), undefined, 2)}\n`;
    case 'sarif': return `${JSON.stringify(toSarif(result, version, problems), undefined, 2)}\n`;
    default: return toTable(result, problems);
  }
}

/** At most this many skipped files are listed in the table (all of them in JSON and SARIF). */
const SKIPPED_LISTED = 20;

/** What the summary adds about inputs not checked. */
function problemSummary(problems: readonly InputProblem[]): string {
  const errors = problems.filter((p) => p.kind === 'error').length;
  const skipped = problems.length - errors;
  const parts: string[] = [];
  if (errors > 0) parts.push(`${errors} input${errors === 1 ? '' : 's'} not checked (see the errors)`);
  if (skipped > 0) parts.push(`${skipped} file${skipped === 1 ? '' : 's'} skipped: not templates`);
  return parts.length > 0 ? `; ${parts.join('; ')}` : '';
}

function counts(findings: readonly ScanFinding[]): Record<RuleSeverity, number> {
  const out = { [RuleSeverity.ERROR]: 0, [RuleSeverity.WARNING]: 0, [RuleSeverity.NOTE]: 0 };
  for (const f of findings) out[f.severity]++;
  return out;
}

function summary(result: ScanResult): string {
  const c = counts(result.findings);
  const flagged = new Set(result.findings.map((f) => `${f.template.file}#${f.logicalId}`)).size;
  const templates = `${result.templates.length} template${result.templates.length === 1 ? '' : 's'}`;
  const acknowledged = result.acknowledged > 0 ? `, ${result.acknowledged} acknowledged` : '';
  if (result.findings.length === 0) {
    return `no findings: ${result.resources} IMDS-bearing resource${result.resources === 1 ? '' : 's'} checked in ${templates}${acknowledged}`;
  }
  return `${result.findings.length} finding${result.findings.length === 1 ? '' : 's'} (${c.error} error, ${c.warning} warning, ${c.note} note) `
    + `in ${flagged} of ${result.resources} IMDS-bearing resources, ${templates}${acknowledged}`;
}

/** A table: one row per finding (rule, severity, resource, type), its problem and fix below. */
function toTable(result: ScanResult, problems: readonly InputProblem[]): string {
  const lines: string[] = [];
  if (result.findings.length > 0) {
    const rows = result.findings.map((f) => [f.ruleId, f.severity, `${f.template.name}#${f.logicalId}`, f.resourceType]);
    const header = ['RULE', 'SEVERITY', 'RESOURCE', 'TYPE'];
    const widths = header.map((h, i) => rows.reduce((w, r) => Math.max(w, r[i].length), h.length));
    const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
    lines.push(line(header));
    result.findings.forEach((f, i) => {
      lines.push(line(rows[i]));
      if (f.constructPath) lines.push(`    construct: ${f.constructPath}`);
      if (f.template.asset) lines.push(`    asset:     ${assetText(f.template)}`);
      lines.push(`    problem:   ${f.problem}`);
      lines.push(`    fix:       ${f.remedy}`);
    });
    lines.push('');
  }
  const skipped = problems.filter((p) => p.kind === 'skipped');
  if (skipped.length > 0 && skipped.length <= SKIPPED_LISTED) {
    for (const p of skipped) lines.push(`skipped: ${p.message}`);
    lines.push('');
  }
  lines.push(`${summary(result)}${problemSummary(problems)}`);
  return `${lines.join('\n')}\n`;
}

/** A file asset template: the asset's name and the stack that ships it. */
function assetText(t: TemplateFile): string {
  return `${t.asset?.displayName ?? 'file asset'}${t.stackName ? ` of stack ${t.stackName}` : ''}`;
}

function toJson(result: ScanResult, version: string, problems: readonly InputProblem[]): unknown {
  const lines = findingLines(result.findings);
  return {
    tool: 'cdk-imdsv2',
    version,
    templates: result.templates.map((t) => t.name),
    problems: problems.map((p) => ({ kind: p.kind, file: p.name, message: p.message })),
    resourcesChecked: result.resources,
    acknowledged: result.acknowledged,
    summary: counts(result.findings),
    findings: result.findings.map((f) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      template: f.template.name,
      stackName: f.template.stackName,
      logicalId: f.logicalId,
      resourceType: f.resourceType,
      constructPath: f.constructPath,
      ...(f.template.asset ? { asset: assetText(f.template) } : {}),
      location: f.location,
      line: lines.get(f),
      problem: f.problem,
      remedy: f.remedy,
    })),
  };
}

/** SARIF 2.1.0: one run, the rule catalog as the driver's rules, one result per finding. */
function toSarif(result: ScanResult, version: string, problems: readonly InputProblem[]): unknown {
  const lines = findingLines(result.findings);
  const uris = new Map<TemplateFile, string>(result.templates.map((t) => [t, uriOf(t.file)]));
  const ruleIndex = new Map(RULE_CATALOG.map((r, i) => [r.id as string, i]));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'cdk-imdsv2',
          semanticVersion: version,
          informationUri: INFORMATION_URI,
          rules: RULE_CATALOG.map((r) => ({
            id: r.id,
            name: r.suffix,
            shortDescription: { text: r.name },
            fullDescription: { text: `${r.cause} ${r.explanation}` },
            help: { text: r.fix },
            defaultConfiguration: { level: r.severity },
          })),
        },
      },
      invocations: [{
        executionSuccessful: !problems.some((p) => p.kind === 'error'),
        toolExecutionNotifications: problems.map((p) => ({
          level: p.kind === 'error' ? 'error' : 'note',
          message: { text: p.message },
          locations: [{ physicalLocation: { artifactLocation: { uri: uriOf(path.resolve(p.name)) } } }],
        })),
      }],
      results: result.findings.map((f) => ({
        ruleId: f.ruleId,
        ruleIndex: ruleIndex.get(f.ruleId),
        level: f.severity,
        message: { text: `${f.resourceType} ${f.logicalId}: ${f.problem}. To fix: ${f.remedy}.` },
        locations: [{
          physicalLocation: {
            artifactLocation: { uri: uris.get(f.template) ?? uriOf(f.template.file) },
            region: { startLine: lines.get(f) },
          },
          logicalLocations: [{
            name: f.logicalId,
            fullyQualifiedName: `${f.template.stackName ?? f.template.name}/${f.logicalId}${f.location === 'Properties' ? '' : `/${f.location}`}`,
            kind: 'resource',
          }],
        }],
        properties: {
          resourceType: f.resourceType,
          location: f.location,
          ...(f.constructPath ? { constructPath: f.constructPath } : {}),
          ...(f.template.asset ? { asset: assetText(f.template) } : {}),
        },
      })),
    }],
  };
}

/** A relative URI (forward slashes, each segment encoded) under the working directory, else a file:// URI. */
function uriOf(file: string): string {
  const relative = path.relative(process.cwd(), file);
  if (relative && !relative.startsWith('..') && !path.isAbsolute(relative)) {
    return relative.split(path.sep).map(encodeURIComponent).join('/');
  }
  const segments = file.split(path.sep).map(encodeURIComponent).join('/');
  return `file://${segments.startsWith('/') ? '' : '/'}${segments}`;
}

/**
 * The 1-based line of each finding: its property (`location`, e.g.
 * `Properties/LaunchTemplateData/MetadataOptions/HttpTokens`) or, when that is not written,
 * the deepest part of it that is, down to the resource's key under Resources; else 1.
 * Worked out in one pass per template for all its findings.
 */
export function findingLines(findings: readonly ScanFinding[]): Map<ScanFinding, number> {
  const byTemplate = new Map<TemplateFile, ScanFinding[]>();
  for (const f of findings) {
    const list = byTemplate.get(f.template);
    if (list) list.push(f);
    else byTemplate.set(f.template, [f]);
  }
  const lines = new Map<ScanFinding, number>();
  for (const [template, own] of byTemplate) {
    const found = linesOf(template.template, template.text, own.map((f) => keyPathOf(template, f)));
    own.forEach((f, i) => lines.set(f, found[i]));
  }
  return lines;
}

/** The keys from the template's root to what a finding is about. */
function keyPathOf(template: TemplateFile, f: ScanFinding): string[] {
  const steps = f.location.split('/').filter((k) => k !== '');
  const resources = template.template.Resources;
  // A finding outside Resources (an AWS::Include in Outputs, a top-level Transform) is located from its section.
  const outside = steps[0] === f.logicalId && !(isPlainObject(resources) && f.logicalId in resources);
  return outside ? steps : ['Resources', f.logicalId, ...steps];
}
