import * as fs from 'fs';
import * as path from 'path';
import { FORMATS, Format, render } from './formats';
import { checkHopLimit, checkHostHopLimit } from '../engine/hop-limit';
import { checkOptOuts } from '../engine/opt-outs';
import { RULE_CATALOG, selectRules } from '../engine/rule-catalog';
import { Imdsv2RuleId } from '../engine/rule-id';
import { TemplateLoadError, collectInputs } from '../templates/load-templates';
import { scanTemplates } from '../templates/scan-templates';

/** Exit codes of `cdk-imdsv2`. */
export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
/** Bad usage, or an input that could not be checked (the others are still scanned and reported). */
export const EXIT_BAD_INPUT = 2;

/** Where the CLI writes (process streams by default; tests pass their own). */
export interface CliOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const USAGE = `usage: cdk-imdsv2 scan [options] <cdk.out directory | folder | template file> ...

Checks CloudFormation templates (a CDK cloud assembly, a folder of templates searched
recursively, or template files in JSON or YAML) for EC2 instance metadata (IMDS) settings
that leave IMDSv1 reachable, and for scripts that call IMDS without a token. A cloud
assembly is read whole: stacks, nested stacks, stages, and file assets that are templates
(Service Catalog products). In a folder, templates are recognised by their content; other
files are skipped (listed in --format json and sarif).

options:
  --format table|json|sarif     output format (default: table)
  --rules <id,id,...>           rules to check (default: all): ${RULE_CATALOG.map((r) => r.id).join(', ')}
  --host-hop-limit <n>          highest hop limit of a plain host (default: none; hosts above
                                the container hop limit are reported, above 1 as advice)
  --container-hop-limit <n>     hop limit of a container host (default: 2)
  --disable-rule <id,id,...>    rules switched off: counted as acknowledged everywhere
                                (repeatable; default: none)
  --ignore-type <type,...>      resource types left alone, e.g. AWS::SageMaker::NotebookInstance
                                (repeatable; default: none)
  -h, --help                    show this help
  --version                     show the version

exit codes: 0 no findings, 1 findings, 2 bad usage or an input that could not be checked
(a file that is unreadable, binary, not a template, or not valid; a resource without a
Type): the other inputs are still scanned and reported, each error on stderr
`;

/** Bad usage: reported like bad input, with exit code 2. */
class UsageError extends Error {}

interface Options {
  readonly format: Format;
  readonly rules?: Imdsv2RuleId[];
  readonly hostHopLimit?: number;
  readonly containerHopLimit?: number;
  readonly disabledRules: string[];
  readonly ignoredResourceTypes: string[];
  readonly inputs: string[];
}

/**
 * The `cdk-imdsv2` command line. Returns the exit code; never throws for bad input:
 * it prints one line to stderr and returns 2.
 *
 * @param argv the arguments after the program name, e.g. ['scan', 'cdk.out']
 */
export async function main(argv: readonly string[], out: CliOutput = processOutput()): Promise<number> {
  try {
    if (argv.length === 0 || argv[0] === '-h' || argv[0] === '--help' || argv[0] === 'help') {
      (argv.length === 0 ? out.stderr : out.stdout)(USAGE);
      return argv.length === 0 ? EXIT_BAD_INPUT : EXIT_CLEAN;
    }
    if (argv[0] === '--version') {
      out.stdout(`${version()}\n`);
      return EXIT_CLEAN;
    }
    if (argv[0] !== 'scan') throw new UsageError(`unknown command '${argv[0]}': expected 'scan'`);
    const options = parseScanArgs(argv.slice(1));
    if (options === 'help') {
      out.stdout(USAGE);
      return EXIT_CLEAN;
    }
    const policy = {
      rules: selectRules('cdk-imdsv2', options.rules),
      hostHopLimit: checkHostHopLimit('cdk-imdsv2', '--host-hop-limit', options.hostHopLimit),
      containerHopLimit: checkHopLimit('cdk-imdsv2', '--container-hop-limit', options.containerHopLimit, 2),
      optOuts: checkOptOuts('cdk-imdsv2', '--disable-rule', options.disabledRules, '--ignore-type', options.ignoredResourceTypes),
    };
    // the table shows no line numbers: YAML is then parsed without recording them
    const { templates, problems } = collectInputs(options.inputs, { keyLines: options.format !== 'table' });
    const result = scanTemplates(templates, policy);
    out.stdout(render(options.format, result, version(), problems));
    const errors = problems.filter((p) => p.kind === 'error');
    for (const p of errors) out.stderr(`cdk-imdsv2: ${p.message}\n`);
    if (errors.length > 0) return EXIT_BAD_INPUT;
    return result.findings.length > 0 ? EXIT_FINDINGS : EXIT_CLEAN;
  } catch (e) {
    if (e instanceof TemplateLoadError || e instanceof UsageError) {
      out.stderr(`cdk-imdsv2: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    if (e instanceof Error && /^cdk-imdsv2: /.test(e.message)) {
      // a bad option value (rules, hop limits)
      out.stderr(`${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    const message = e instanceof Error ? e.message : String(e);
    out.stderr(`cdk-imdsv2: internal error: ${message.split('\n')[0]} (please report it)\n`);
    return EXIT_BAD_INPUT;
  }
}

/** Run `main` on the process's arguments and set the exit code (the bin script calls this). */
export function run(): void {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

function parseScanArgs(args: readonly string[]): Options | 'help' {
  let format: Format = 'table';
  let rules: Imdsv2RuleId[] | undefined;
  let hostHopLimit: number | undefined;
  let containerHopLimit: number | undefined;
  const disabledRules: string[] = [];
  const ignoredResourceTypes: string[] = [];
  const inputs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      if (i + 1 >= args.length) throw new UsageError(`${name} needs a value`);
      return args[++i];
    };
    switch (name) {
      case '-h':
      case '--help':
        return 'help';
      case '--format': {
        const f = value();
        if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`unknown format '${f}': expected one of ${FORMATS.join(', ')}`);
        format = f as Format;
        break;
      }
      case '--rules':
        rules = value().split(',').map((r) => r.trim()).filter((r) => r !== '') as Imdsv2RuleId[];
        break;
      case '--host-hop-limit':
        hostHopLimit = integer(name, value());
        break;
      case '--container-hop-limit':
        containerHopLimit = integer(name, value());
        break;
      case '--disable-rule':
        disabledRules.push(...list(value()));
        break;
      case '--ignore-type':
        ignoredResourceTypes.push(...list(value()));
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option '${arg}': see cdk-imdsv2 --help`);
        inputs.push(arg);
    }
  }
  if (inputs.length === 0) throw new UsageError('nothing to scan: expected a cdk.out directory or template files');
  return { format, rules, hostHopLimit, containerHopLimit, disabledRules, ignoredResourceTypes, inputs };
}

/** A comma-separated option value, blanks dropped. */
function list(text: string): string[] {
  return text.split(',').map((v) => v.trim()).filter((v) => v !== '');
}

function integer(name: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${name} must be an integer from 1 to 64, got '${text}'`);
  return Number(text);
}

function version(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function processOutput(): CliOutput {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
}
