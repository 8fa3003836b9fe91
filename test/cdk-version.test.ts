import * as fs from 'fs';
import * as path from 'path';

// Which aws-cdk-lib the suite runs against: the lock file's (our declared minimum) under
// `npm test`, the newest the registry serves under build-tools/test-newest-cdk.sh. A wrong
// mapping would otherwise pass silently by testing the old version twice.

const ROOT = path.resolve(__dirname, '..');
/* eslint-disable @typescript-eslint/no-require-imports */
const loaded = {
  'aws-cdk-lib': require('aws-cdk-lib/package.json').version as string,
  'cdk-nag': require('cdk-nag/package.json').version as string,
  'constructs': require('constructs/package.json').version as string,
};
/* eslint-enable @typescript-eslint/no-require-imports */

function versionIn(dir: string, name: string): string {
  return JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
}

describe('the aws-cdk-lib under test', () => {
  const scratch = process.env.CDK_IMDSV2_EXPECT_NEWEST_CDK;

  test('is the one this run is meant to test', () => {
    // eslint-disable-next-line no-console
    console.log(`testing against aws-cdk-lib ${loaded['aws-cdk-lib']}, cdk-nag ${loaded['cdk-nag']}, constructs ${loaded.constructs}`);
    const dir = scratch ? path.resolve(ROOT, scratch) : ROOT;
    for (const name of Object.keys(loaded) as (keyof typeof loaded)[]) {
      expect({ name, version: loaded[name] }).toEqual({ name, version: versionIn(dir, name) });
    }
    if (!scratch) {
      // The lock file pins the declared minimum (see .projenrc.ts CDK_VERSION).
      const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
      expect(loaded['aws-cdk-lib']).toBe(lock.packages['node_modules/aws-cdk-lib'].version);
    }
  });

  test('resolves aws-cdk-lib and cdk-nag from the same node_modules (the lock file one, or the scratch install)', () => {
    const expected = scratch ? path.resolve(ROOT, scratch, 'node_modules') : path.join(ROOT, 'node_modules');
    expect(path.dirname(path.dirname(require.resolve('aws-cdk-lib')))).toBe(expected);
    expect(require.resolve('cdk-nag').startsWith(path.join(expected, 'cdk-nag'))).toBe(true);
  });
});
