import { main } from '../../src/cli/main';

/** What `cdk-imdsv2` printed and returned for one command line. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI's `main` in-process, as `bin/cdk-imdsv2 ...argv` would, keeping what it prints. */
export async function runCli(...argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { code, stdout, stderr };
}

/** `cdk-imdsv2 scan --format json ...inputs`, its output parsed. */
export async function scanJson(...inputs: string[]): Promise<{ code: number; out: any; stderr: string }> {
  const run = await runCli('scan', '--format', 'json', ...inputs);
  return { code: run.code, out: JSON.parse(run.stdout), stderr: run.stderr };
}
