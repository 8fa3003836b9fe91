/**
 * The compiled package index is rewritten into lazy getters after `jsii`
 * (build-tools/lazy-index.js, run by the compile task). These tests compile src/ the way the
 * package ships it (CommonJS, one file per module) into .tmp, rewrite the index, and load
 * both indexes in fresh Node processes, as an app would.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const BUILD = path.join(ROOT, '.tmp', `lazy-index-${process.pid}`);
const STATIC = path.join(BUILD, 'static');
const LAZY = path.join(BUILD, 'lazy');

function compileSrc(outDir: string): void {
  const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
  for (const file of walk(path.join(ROOT, 'src')).filter((f) => f.endsWith('.ts'))) {
    const out = path.join(outDir, path.relative(path.join(ROOT, 'src'), file)).replace(/\.ts$/, '.js');
    const { outputText } = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
    });
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, outputText);
  }
}

/** Runs `script` in a fresh Node process and returns what it printed as JSON. */
function inChild(script: string, preload?: string): any {
  const args = [...(preload ? ['--require', preload] : []), '-e', script];
  const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`child failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** The packages and aws-cdk-lib modules loaded after requiring `index` and touching `names`. */
const LOADED = (index: string, names: string[]) => `
  const m = require(${JSON.stringify(index)});
  for (const n of ${JSON.stringify(names)}) if (m[n] === undefined) throw new Error('no ' + n);
  const loaded = Object.keys(require.cache);
  console.log(JSON.stringify({
    cdkNag: loaded.some((f) => f.includes('/node_modules/cdk-nag/')),
    guardrailModules: loaded.filter((f) => /aws-cdk-lib\\/(custom-resources|aws-lambda|aws-config|aws-organizations|aws-cloudwatch)\\//.test(f))
      .map((f) => f.split('aws-cdk-lib/')[1].split('/')[0]).filter((x, i, a) => a.indexOf(x) === i),
    ours: loaded.filter((f) => f.startsWith(${JSON.stringify(LAZY)}) || f.startsWith(${JSON.stringify(STATIC)})).length,
  }));`;

beforeAll(() => {
  fs.rmSync(BUILD, { recursive: true, force: true });
  compileSrc(STATIC);
  fs.cpSync(STATIC, LAZY, { recursive: true });
  // As the compile task runs it (and in a process of its own: it requires every module for its names).
  const run = spawnSync(process.execPath, [path.join(ROOT, 'build-tools', 'lazy-index.js'), LAZY], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`lazy-index failed: ${run.stderr}`);
}, 60_000);

afterAll(() => fs.rmSync(BUILD, { recursive: true, force: true }));

test('the lazy index exports the same names, in the same order, with the same values, as the static one', () => {
  const names = inChild(`
    const s = require(${JSON.stringify(path.join(STATIC, 'index.js'))});
    const l = require(${JSON.stringify(path.join(LAZY, 'index.js'))});
    const same = Object.keys(s).every((k) => {
      const a = s[k]; const b = l[k];
      // the same class or enum from another copy of the module: compare by name and shape
      return typeof a === typeof b && (typeof a !== 'function' || a.name === b.name)
        && JSON.stringify(Object.keys(a)) === JSON.stringify(Object.keys(b));
    });
    console.log(JSON.stringify({ static: Object.keys(s), lazy: Object.keys(l), same, esModule: l.__esModule }));`);
  expect(names.lazy).toEqual(names.static);
  expect(names.static).toEqual(expect.arrayContaining(['Imdsv2Aspect', 'Imdsv2Checks', 'Imdsv2Validator', 'InstanceMetadataDefaults']));
  expect(names.same).toBe(true);
  expect(names.esModule).toBe(true);
});

test('requiring the package and using Imdsv2Aspect loads neither cdk-nag nor the guardrails\' modules', () => {
  const lazy = inChild(LOADED(path.join(LAZY, 'index.js'), ['Imdsv2Aspect', 'EnforcementMode']));
  expect(lazy).toEqual(expect.objectContaining({ cdkNag: false, guardrailModules: [] }));
  // the static index loads them all: what the rewrite saves
  const eager = inChild(LOADED(path.join(STATIC, 'index.js'), ['Imdsv2Aspect']));
  expect(eager.cdkNag).toBe(true);
  expect(eager.guardrailModules.length).toBeGreaterThan(0);
  expect(lazy.ours).toBeLessThan(eager.ours);
});

test('cdk-nag is loaded when Imdsv2Checks is used, and a guardrail\'s modules when it is', () => {
  expect(inChild(LOADED(path.join(LAZY, 'index.js'), ['Imdsv2Checks'])).cdkNag).toBe(true);
  expect(inChild(LOADED(path.join(LAZY, 'index.js'), ['InstanceMetadataDefaults'])).guardrailModules).toContain('custom-resources');
});

test('without cdk-nag installed, the aspect, a construct and the validator work, and Imdsv2Checks names cdk-nag', () => {
  // A preload that makes cdk-nag impossible to find, as in an app that did not install it.
  const preload = path.join(BUILD, 'no-cdk-nag.js');
  fs.writeFileSync(preload, `
    const Module = require('module');
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (request === 'cdk-nag' || request.startsWith('cdk-nag/')) {
        const e = new Error("Cannot find module '" + request + "'"); e.code = 'MODULE_NOT_FOUND'; throw e;
      }
      return resolve.call(this, request, ...rest);
    };`);
  const result = inChild(`
    const { App, Stack, Validations } = require('aws-cdk-lib');
    const ec2 = require('aws-cdk-lib/aws-ec2');
    const m = require(${JSON.stringify(path.join(LAZY, 'index.js'))});
    const app = new App({ outdir: require('fs').mkdtempSync(require('os').tmpdir() + '/lazy-') });
    const stack = new Stack(app, 'S');
    new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'optional' } } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
    new m.Imdsv2Instance(stack, 'I', { vpc, instanceType: new ec2.InstanceType('t3.micro'), machineImage: ec2.MachineImage.latestAmazonLinux2023() });
    Validations.of(app).addPlugins(new m.Imdsv2Validator());
    const aspect = m.Imdsv2Aspect.applyTo(app);
    const assembly = app.synth();
    const lt = assembly.getStackByName('S').template.Resources.Lt.Properties.LaunchTemplateData.MetadataOptions.HttpTokens;
    let checksError = '';
    try { new m.Imdsv2Checks(app); } catch (e) { checksError = e.message; }
    console.log(JSON.stringify({ lt, entries: aspect.entries.length, checksError }));`, preload);
  expect(result.lt).toBe('required');
  expect(result.entries).toBeGreaterThanOrEqual(2);
  expect(result.checksError).toMatch(/Imdsv2Checks needs cdk-nag \(\^3[^)]*\).*npm install cdk-nag/);
});
