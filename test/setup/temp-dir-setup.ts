/**
 * jest `globalSetup` (see .projenrc.ts): the test run's temp files go to a directory of its
 * own, which `temp-dir-teardown.ts` removes when the run ends.
 *
 * An aws-cdk-lib `App` made without `outdir` writes its cloud assembly to a new `cdk.out*`
 * directory in `os.tmpdir()` and never removes it: a few runs of the suite used to leave
 * tens of thousands of them (20 GB) in /tmp. `os.tmpdir()` reads the process's real
 * environment, which a test file's `process.env` (a copy, in jest) cannot change, so it is
 * set here, in jest's own process, before the workers start and inherit it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Where the run's temp dir is, for the teardown (same process). */
export const RUN_TEMP_DIR_ENV = 'CDK_IMDSV2_TEST_RUN_TMPDIR';

export default function setup(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-imdsv2-test-run-'));
  process.env[RUN_TEMP_DIR_ENV] = dir;
  process.env.TMPDIR = dir;
}
