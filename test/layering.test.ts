import * as fs from 'fs';
import * as path from 'path';

// The folders of src/ are layered (README "Architecture"): the pure engine at the bottom,
// the CDK side of it and the template reading above it, then the front doors. A folder
// imports its own files and folders of lower layers only, so no import goes upward and
// no two folders import each other. Files at the root of src/ (index.ts, rules.ts) are
// the top.

/** Layer of each folder of src/; same layer means no import either way. */
const LAYERS: Readonly<Record<string, number>> = {
  'engine': 0,
  // the CDK side of the engine, and reading cloud assemblies and templates
  'private': 1,
  'templates': 1,
  // shared by other front doors: ec2's metadata options (autoscaling, eks, injectors) and
  // the options of the check-only front doors (nag, validation)
  'ec2': 2,
  'validation': 2,
  // front doors
  'aspects': 3,
  'nag': 3,
  'cli': 3,
  'autoscaling': 3,
  'eks': 3,
  'injectors': 3,
  'guardrails': 3,
  // src/index.ts, src/rules.ts
  '.': 4,
};

/** Packages the engine must not load: it reads CloudFormation properties, not CDK apps. */
const NOT_IN_ENGINE = /^(aws-cdk-lib|constructs|cdk-nag)(\/|$)/;

const SRC = path.resolve(__dirname, '../src');

interface Import { readonly from: string; readonly specifier: string }

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every module specifier of `import … from`, `export … from`, `import(…)` and `require(…)`. */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(pattern)) out.push(m[1]);
  return out;
}

/** The folder of src/ a file is in ('.' at the root). */
function folderOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? '.' : rel[0];
}

/** What breaks the layering, one line each. */
export function layeringViolations(imports: readonly Import[]): string[] {
  const out: string[] = [];
  for (const { from, specifier } of imports) {
    const source = folderOf(from);
    if (!(source in LAYERS)) {
      out.push(`${path.relative(SRC, from)}: folder '${source}' has no layer in LAYERS`);
      continue;
    }
    if (!specifier.startsWith('.')) {
      if (source === 'engine' && NOT_IN_ENGINE.test(specifier)) out.push(`${path.relative(SRC, from)}: the engine imports '${specifier}'`);
      continue;
    }
    const target = path.resolve(path.dirname(from), specifier);
    if (path.relative(SRC, target).startsWith('..')) {
      out.push(`${path.relative(SRC, from)}: imports '${specifier}', outside src/`);
      continue;
    }
    const dest = folderOf(target.endsWith('.ts') ? target : `${target}.ts`);
    if (dest === source) continue;
    if (!(dest in LAYERS) || LAYERS[dest] >= LAYERS[source]) {
      out.push(`${path.relative(SRC, from)} (${source}, layer ${LAYERS[source]}) imports '${specifier}' (${dest}, layer ${LAYERS[dest]})`);
    }
  }
  return out;
}

describe('the folders of src/ import downward only', () => {
  const imports: Import[] = sourceFiles(SRC).flatMap((from) => importsOf(fs.readFileSync(from, 'utf8')).map((specifier) => ({ from, specifier })));

  test('every folder of src/ has a layer', () => {
    const folders = fs.readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((f) => !(f in LAYERS))).toEqual([]);
  });

  test('no import goes upward or sideways between folders, and the engine loads no CDK package', () => {
    // the parse found the imports (an empty list would pass anything)
    expect(imports.filter((i) => i.specifier.startsWith('.')).length).toBeGreaterThan(100);
    expect(layeringViolations(imports)).toEqual([]);
  });

  test('the check catches an upward import, a cycle between two folders and a CDK package in the engine', () => {
    const at = (rel: string) => path.join(SRC, rel);
    expect(layeringViolations([
      { from: at('engine/analyze.ts'), specifier: '../private/render-resource' },
      { from: at('nag/imdsv2-checks.ts'), specifier: '../validation/imdsv2-validator' },
      { from: at('validation/imdsv2-validator.ts'), specifier: '../nag/imdsv2-checks' },
      { from: at('engine/model.ts'), specifier: 'aws-cdk-lib' },
      { from: at('aspects/imdsv2-aspect.ts'), specifier: '../engine/analyze' },
    ])).toEqual([
      "engine/analyze.ts (engine, layer 0) imports '../private/render-resource' (private, layer 1)",
      "validation/imdsv2-validator.ts (validation, layer 2) imports '../nag/imdsv2-checks' (nag, layer 3)",
      "engine/model.ts: the engine imports 'aws-cdk-lib'",
    ]);
    expect(importsOf("import { a } from './x';\nexport * from '../y';\nimport type { T } from \"./z\";\nconst m = require('./w');\nimport './side';"))
      .toEqual(['./x', '../y', './z', './w', './side']);
  });
});
