import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');

/**
 * Transpile bench/ and src/ once (TypeScript's transpileModule, what ts-node
 * --transpile-only does in every process) into `outDir`, so that each worker is a plain
 * `node` process: no compiler to load, no source-map hook on every stack trace (aws-cdk-lib
 * captures one per construct, and ts-node's hook makes each far slower). Returns `outDir`.
 */
export function transpileOnce(outDir: string): string {
  fs.rmSync(outDir, { recursive: true, force: true });
  for (const dir of ['bench', 'src']) {
    for (const file of walkFiles(path.join(ROOT, dir)).filter((f) => f.endsWith('.ts') && !f.includes(`${path.sep}results${path.sep}`))) {
      const out = path.join(outDir, path.relative(ROOT, file)).replace(/\.ts$/, '.js');
      const { outputText } = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      });
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, outputText);
    }
  }
  return outDir;
}

export function walkFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => e.isDirectory() ? walkFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}
