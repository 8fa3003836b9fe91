import * as path from 'path';
import { RULE_CATALOG, RuleSeverity } from '../engine/rule-catalog';
import { TemplateFile } from '../templates/load-templates';
import { ScanFinding, ScanResult } from '../templates/scan-templates';

/** The output formats of `cdk-imdsv2 scan`. */
export const FORMATS = ['table', 'json', 'sarif'] as const;
export type Format = typeof FORMATS[number];

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const INFORMATION_URI = 'https://github.com/cdk-imdsv2/cdk-imdsv2';

/** The scan result in `format`, ending with a newline. */
export function render(format: Format, result: ScanResult, version: string): string {
  switch (format) {
    case 'json': return `${JSON.stringify(toJson(result, version), undefined, 2)}\n`;
    case 'sarif': return `${JSON.stringify(toSarif(result, version), undefined, 2)}\n`;
    default: return toTable(result);
  }
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
function toTable(result: ScanResult): string {
  const lines: string[] = [];
  if (result.findings.length > 0) {
    const rows = result.findings.map((f) => [f.ruleId, f.severity, `${f.template.name}#${f.logicalId}`, f.resourceType]);
    const header = ['RULE', 'SEVERITY', 'RESOURCE', 'TYPE'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
    lines.push(line(header));
    result.findings.forEach((f, i) => {
      lines.push(line(rows[i]));
      if (f.constructPath) lines.push(`    construct: ${f.constructPath}`);
      lines.push(`    problem:   ${f.problem}`);
      lines.push(`    fix:       ${f.remedy}`);
    });
    lines.push('');
  }
  lines.push(summary(result));
  return `${lines.join('\n')}\n`;
}

function toJson(result: ScanResult, version: string): unknown {
  return {
    tool: 'cdk-imdsv2',
    version,
    templates: result.templates.map((t) => t.name),
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
      location: f.location,
      line: lineOf(f.template, f.logicalId),
      problem: f.problem,
      remedy: f.remedy,
    })),
  };
}

/** SARIF 2.1.0: one run, the rule catalog as the driver's rules, one result per finding. */
function toSarif(result: ScanResult, version: string): unknown {
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
      results: result.findings.map((f) => ({
        ruleId: f.ruleId,
        ruleIndex: ruleIndex.get(f.ruleId),
        level: f.severity,
        message: { text: `${f.resourceType} ${f.logicalId}: ${f.problem}. To fix: ${f.remedy}.` },
        locations: [{
          physicalLocation: {
            artifactLocation: { uri: uriOf(f.template.file) },
            region: { startLine: lineOf(f.template, f.logicalId) },
          },
          logicalLocations: [{
            name: f.logicalId,
            fullyQualifiedName: `${f.template.stackName ?? f.template.name}/${f.logicalId}${f.location === 'Properties' ? '' : `/${f.location}`}`,
            kind: 'resource',
          }],
        }],
        properties: { resourceType: f.resourceType, location: f.location, ...(f.constructPath ? { constructPath: f.constructPath } : {}) },
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

/** The 1-based line where resource `logicalId` is defined (its key under Resources), else 1. */
export function lineOf(template: TemplateFile, logicalId: string): number {
  const lines = template.text.split(/\r?\n/);
  const escaped = logicalId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const key = new RegExp(`^\\s*["']?${escaped}["']?\\s*:`);
  const resourcesAt = lines.findIndex((l) => /^\s*["']?Resources["']?\s*:/.test(l));
  for (let i = Math.max(resourcesAt, 0); i < lines.length; i++) {
    if (key.test(lines[i])) return i + 1;
  }
  // A minified JSON template: the resource is on the line that holds its key.
  const inline = lines.findIndex((l) => l.includes(`"${logicalId}"`));
  return inline >= 0 ? inline + 1 : 1;
}
