// Jest configuration of build-tools/test-newest-cdk.sh: the project's own jest settings
// (package.json "jest"), with aws-cdk-lib, cdk-nag and constructs taken from the scratch
// install of their newest versions instead of node_modules.
//
// moduleNameMapper rewrites the import in every module jest loads (ours, cdk-nag,
// cdk-validator-cfnguard, the tests), so they all share one aws-cdk-lib: two copies would
// break `instanceof` checks and keep two separate construct trees' metadata apart.
const path = require('path');
const base = require('../package.json').jest;

const root = path.resolve(__dirname, '..');
const scratch = path.resolve(root, process.env.CDK_IMDSV2_EXPECT_NEWEST_CDK ?? '.tmp/newest-cdk', 'node_modules');

const mapped = {};
for (const name of ['aws-cdk-lib', 'cdk-nag', 'constructs']) {
  const escaped = name.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&');
  mapped[`^${escaped}$`] = path.join(scratch, name);
  mapped[`^${escaped}/(.*)$`] = `${path.join(scratch, name)}/$1`;
}

module.exports = {
  ...base,
  rootDir: root,
  moduleNameMapper: { ...(base.moduleNameMapper ?? {}), ...mapped },
  // Coverage is the main suite's job; here only the verdicts matter.
  collectCoverage: false,
  reporters: ['default', ['jest-junit', { outputDirectory: 'test-reports/newest-cdk' }]],
};
