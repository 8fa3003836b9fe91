import * as fs from 'fs';
import * as path from 'path';

/** One plugin's part of the policy validation report CDK writes into the cloud assembly. */
export interface PluginReport {
  readonly status: string;
  readonly violations: Array<{ readonly ruleName: string; readonly constructPath?: string; readonly locations?: string[] }>;
}

/**
 * The files aws-cdk-lib writes the report to: 2.257 writes `policy-validation-report.json`;
 * newer versions write `validation-report.json` in another shape, and the old file only when
 * the `@aws-cdk/core:validationReportJson` context is set.
 */
const REPORT_FILES = ['policy-validation-report.json', 'validation-report.json'];

/**
 * `pluginName`'s report in the cloud assembly at `dir`, in either file format, one violation
 * per violating construct. Exactly one of the two files must be there: a report in neither
 * (or both) fails the test rather than passing by reading nothing.
 */
export function pluginReport(dir: string, pluginName: string): PluginReport {
  const present = REPORT_FILES.filter((f) => fs.existsSync(path.join(dir, f)));
  if (present.length !== 1) throw new Error(`expected one of ${REPORT_FILES.join(', ')} in ${dir}, found ${present.length}: ${fs.readdirSync(dir).join(', ')}`);
  const report = JSON.parse(fs.readFileSync(path.join(dir, present[0]), 'utf8'));
  if (present[0] === 'policy-validation-report.json') {
    const plugin = report.pluginReports.find((r: any) => r.summary.pluginName === pluginName);
    if (!plugin) throw new Error(`no report of ${pluginName} in ${present[0]}`);
    return {
      status: plugin.summary.status,
      // The paths CDK worked out are in violatingConstructs, the locations in violatingResources.
      violations: plugin.violations.flatMap((v: any) => v.violatingConstructs.map((c: any, i: number) => ({
        ruleName: v.ruleName, constructPath: c.constructPath, locations: v.violatingResources[i]?.locations,
      }))),
    };
  }
  const plugin = report.pluginReports.find((r: any) => r.pluginName === pluginName);
  if (!plugin) throw new Error(`no report of ${pluginName} in ${present[0]}`);
  return {
    status: plugin.conclusion,
    violations: plugin.violations.flatMap((v: any) => v.violatingConstructs.map((c: any) => ({
      ruleName: v.ruleName, constructPath: c.constructPath, locations: c.cloudFormationResource?.propertyPaths,
    }))),
  };
}

/**
 * The plugins whose report says they failed, in the cloud assembly at `dir` (of an app with
 * plugins registered: a report in neither file, or both, fails the test rather than passing
 * by reading nothing). aws-cdk-lib 2.257 lists only the plugins that failed; newer versions
 * list each with its conclusion.
 */
export function failedPlugins(dir: string): string[] {
  const present = REPORT_FILES.filter((f) => fs.existsSync(path.join(dir, f)));
  if (present.length !== 1) throw new Error(`expected one of ${REPORT_FILES.join(', ')} in ${dir}, found ${present.length}: ${fs.readdirSync(dir).join(', ')}`);
  const report = JSON.parse(fs.readFileSync(path.join(dir, present[0]), 'utf8'));
  return present[0] === 'policy-validation-report.json'
    ? report.pluginReports.filter((r: any) => r.summary.status !== 'success').map((r: any) => r.summary.pluginName)
    : report.pluginReports.filter((r: any) => r.conclusion !== 'success').map((r: any) => r.pluginName);
}
