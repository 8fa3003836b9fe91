import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

// The engine is a pipeline of small stages (issue #19): a function that grows past this
// again is a sign that stages are merging back into one, so the limit is a test.
const MAX_LINES = 80;
const ENGINE = path.join(__dirname, '..', '..', 'src', 'engine');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every function-like node of a file (declarations, methods, accessors, arrows), with its length in lines. */
function functionLengths(file: string): Array<{ name: string; lines: number }> {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Array<{ name: string; lines: number }> = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const named = (node as ts.FunctionLikeDeclaration).name;
      const name = named ? named.getText(source) : `(anonymous at line ${first + 1})`;
      found.push({ name: `${path.relative(ENGINE, file)}: ${name}`, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('src/engine function length', () => {
  const all = sourceFiles(ENGINE).flatMap(functionLengths);

  test('GIVEN the engine sources THEN the check sees their functions', () => {
    // Guards the test itself: a wrong folder or parse would pass vacuously.
    expect(all.some((f) => f.name.endsWith('analyze.ts: analyze'))).toBe(true);
  });

  test(`GIVEN every function in src/engine THEN none is longer than ${MAX_LINES} lines`, () => {
    const long = all.filter((f) => f.lines > MAX_LINES).map((f) => `${f.name} (${f.lines} lines)`);
    expect(long).toEqual([]);
  });
});
