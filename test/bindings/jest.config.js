// Runs only from `npx projen test:bindings`, which `npx projen package` ends with: these
// tests need the build's output (lib/, .jsii, dist/python with its embedded tarball).
// `npm test` ignores test/bindings (see jestOptions in .projenrc.ts).
module.exports = {
  rootDir: '../..',
  roots: ['<rootDir>/test/bindings'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }] },
  testTimeout: 120000,
  // as in npm test: the run's temp files in a dir removed at its end
  globalSetup: '<rootDir>/test/setup/temp-dir-setup.ts',
  globalTeardown: '<rootDir>/test/setup/temp-dir-teardown.ts',
};
