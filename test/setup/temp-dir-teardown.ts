/** jest `globalTeardown`: removes the run's temp dir (see temp-dir-setup.ts). */
import * as fs from 'fs';
import { RUN_TEMP_DIR_ENV } from './temp-dir-setup';

export default function teardown(): void {
  const dir = process.env[RUN_TEMP_DIR_ENV];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
