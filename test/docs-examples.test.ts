import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

// The TypeScript examples of docs/*.md, compiled the way jsii-rosetta compiles the
// README's (strict, inside rosetta/default.ts-fixture): rosetta reads only the README and
// the docstrings, so without this a docs page could show code that no longer compiles.
// Also run over the README, which shows the hoisting below matches rosetta's.

const ROOT = path.join(__dirname, '..');
const fixtureText = (name: string) => fs.readFileSync(path.join(ROOT, 'rosetta', `${name}.ts-fixture`), 'utf-8');

interface Example {
  readonly file: string;
  /** rosetta/<fixture>.ts-fixture, as the fence names it (`fixture=complete`), else default. */
  readonly fixture: string;
  readonly line: number;
  readonly code: string;
}

function examplesOf(file: string): Example[] {
  const lines = fs.readFileSync(file, 'utf-8').split('\n');
  const found: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```ts(?: fixture=(\S+))?$/.exec(lines[i].trim());
    if (!fence) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    // A block inside a list item is indented: take the fence's indentation off its lines.
    const indent = lines[i].length - lines[i].trimStart().length;
    const code = lines.slice(start, end).map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n');
    found.push({ file: path.relative(ROOT, file), line: start + 1, code, fixture: fence[1] ?? 'default' });
    i = end;
  }
  return found;
}

/**
 * The example inside the fixture: its imports and `declare` lines at the top of the
 * file (as rosetta hoists them), the rest where the fixture says `/// here`; the
 * package's own name points at the sources.
 */
function sourceOf(example: Example): string {
  const top: string[] = [];
  const body: string[] = [];
  for (const line of example.code.split('\n')) (/^(import |declare )/.test(line) ? top : body).push(line);
  const fixture = fixtureText(example.fixture).replace('/// here', body.join('\n'));
  return `${top.join('\n')}\n${fixture}`.replace(/from 'cdk-imdsv2'/g, `from '${path.join(ROOT, 'src').replace(/\\/g, '/')}'`);
}

const files = [
  path.join(ROOT, 'README.md'),
  ...(fs.existsSync(path.join(ROOT, 'docs')) ? fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join(ROOT, 'docs', f)) : []),
];
const examples = files.flatMap(examplesOf);

test('every TypeScript example of the README and docs/ compiles in strict mode', () => {
  expect(examples.length).toBeGreaterThan(5);
  const dir = fs.mkdtempSync(path.join(ROOT, 'test', '.docs-examples-'));
  try {
    const names = examples.map((e, i) => {
      const name = path.join(dir, `example-${i}.ts`);
      fs.writeFileSync(name, sourceOf(e));
      return name;
    });
    const program = ts.createProgram(names, {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      esModuleInterop: true,
      types: ['node'],
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => {
      const index = names.indexOf(d.file?.fileName ?? '');
      const where = index >= 0 ? `${examples[index].file}:${examples[index].line}` : d.file?.fileName ?? '(global)';
      return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(errors).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
