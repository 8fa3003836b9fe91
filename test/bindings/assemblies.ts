// Where test/bindings finds the build's output, and the jsii assemblies a Python user's
// process loads: cdk-imdsv2 from the tarball inside the generated Python package, its
// jsii dependencies (aws-cdk-lib, constructs, cdk-nag and aws-cdk-lib's own) from
// node_modules, in dependency order, as the Python packages' `_jsii` modules load them.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

export const ROOT = path.resolve(__dirname, '..', '..');

/** The package's own metadata. */
export const PACKAGE: { name: string; version: string } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8'));

/** Read a `.jsii` assembly (following the gzip redirect that aws-cdk-lib uses). */
export function readAssembly(dir: string): any {
  const file = path.join(dir, '.jsii');
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: test/bindings runs after the build (npx projen build, or npx projen compile package)`);
  }
  const assembly = JSON.parse(fs.readFileSync(file, 'utf-8'));
  if (assembly.schema === 'jsii/file-redirect') {
    const target = path.join(dir, assembly.filename);
    const bytes = fs.readFileSync(target);
    return JSON.parse((assembly.compression === 'gzip' ? zlib.gunzipSync(bytes) : bytes).toString('utf-8'));
  }
  return assembly;
}

/** The generated Python package's copy of the npm tarball: what `import cdk_imdsv2` loads. */
export function pythonEmbeddedTarball(): string {
  const file = path.join(ROOT, 'dist', 'python', 'src', 'cdk_imdsv2', '_jsii', `${PACKAGE.name}@${PACKAGE.version}.jsii.tgz`);
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: test/bindings runs after packaging (npx projen package)`);
  }
  return file;
}

/** One assembly to load into the kernel. */
export interface AssemblyToLoad {
  readonly name: string;
  readonly version: string;
  readonly tarball: string;
}

/**
 * Every jsii dependency of cdk-imdsv2, dependencies first, each packed from node_modules
 * into an (uncompressed) npm-style tarball under `workdir`.
 */
export function dependencyTarballs(workdir: string): AssemblyToLoad[] {
  const order: AssemblyToLoad[] = [];
  const seen = new Set<string>();
  const visit = (name: string, fromDir: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const dir = path.dirname(require.resolve(`${name}/package.json`, { paths: [fromDir] }));
    for (const dep of Object.keys(readAssembly(dir).dependencies ?? {})) visit(dep, dir);
    const version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf-8')).version;
    const tarball = path.join(workdir, `${name.replace('/', '-')}@${version}.tar`);
    // npm tarballs hold the package under "package/"; node_modules holds the same files.
    execFileSync('tar', ['-cf', tarball, '--transform', `s,^${path.basename(dir)},package,`, '-C', path.dirname(dir), path.basename(dir)]);
    order.push({ name, version, tarball });
  };
  for (const dep of Object.keys(readAssembly(ROOT).dependencies ?? {})) visit(dep, ROOT);
  return order;
}
