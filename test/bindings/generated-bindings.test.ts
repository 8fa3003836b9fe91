// What can be checked of the generated Python and Java on a machine without PyPI, Maven
// or the jsii runtimes for those languages: that pyright finds the Python consistent in
// itself, that the docs carry the examples translated, and that the wheel holds the
// very tarball npm users get.
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PACKAGE, ROOT, pythonEmbeddedTarball } from './assemblies';

const PYTHON_SRC = path.join(ROOT, 'dist', 'python', 'src', 'cdk_imdsv2');
const PYTHON_MODULE = path.join(PYTHON_SRC, '__init__.py');
const JAVA_SRC = path.join(ROOT, 'dist', 'java', 'src', 'main', 'java', 'io', 'github', 'cdkimdsv2');
const PYRIGHT = path.join(ROOT, 'node_modules', '.bin', 'pyright');

function required(file: string): string {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: test/bindings runs after packaging (npx projen package)`);
  return file;
}

interface PyrightDiagnostic {
  readonly file: string;
  readonly severity: string;
  readonly message: string;
  readonly rule?: string;
  readonly range: { readonly start: { readonly line: number } };
}

/** Run pyright with a config file; its JSON report. */
function pyright(config: string): { summary: { filesAnalyzed: number; errorCount: number }; generalDiagnostics: PyrightDiagnostic[] } {
  const run = spawnSync(PYRIGHT, ['-p', config, '--outputjson'], { cwd: ROOT, encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0 && run.status !== 1) throw new Error(`pyright exited ${run.status}: ${run.stderr}\n${run.stdout}`);
  return JSON.parse(run.stdout);
}

/**
 * The two diagnostics pyright gives a class whose base class comes from an unresolved
 * module (aws_cdk, constructs, cdk_nag: not installable here) and that passes
 * `jsii_type=` to its metaclass: pyright then checks the keyword against
 * `object.__init_subclass__`. With the real packages the base's metaclass is JSIIMeta.
 */
const UNRESOLVED_BASE_MESSAGES = ['Incorrect keyword arguments for __init_subclass__ method', 'No parameter named "jsii_type"'];

/** The header (`class X(...):`) of the class statement around `line` (0-based). */
function classHeaderAt(lines: string[], line: number): string {
  let start = line;
  while (start > 0 && !lines[start].startsWith('class ')) start--;
  let end = start;
  while (end < lines.length && !lines[end].trimEnd().endsWith('):')) end++;
  return lines.slice(start, end + 1).join('\n');
}

function isUnresolvedBaseDiagnostic(lines: string[], d: PyrightDiagnostic): boolean {
  if (!UNRESOLVED_BASE_MESSAGES.includes(d.message)) return false;
  const header = classHeaderAt(lines, d.range.start.line);
  return /^class \w+\(\s*_(aws_cdk|constructs|cdk_nag)_\w+\.\w+,/m.test(header) && header.includes('jsii_type=');
}

/** Errors left once the unresolved-base diagnostics are set aside, as `file:line: message`. */
function realErrors(report: ReturnType<typeof pyright>): string[] {
  const sources = new Map<string, string[]>();
  const linesOf = (file: string) => {
    if (!sources.has(file)) sources.set(file, fs.readFileSync(file, 'utf-8').split('\n'));
    return sources.get(file)!;
  };
  return report.generalDiagnostics
    .filter((d) => d.severity === 'error' && !isUnresolvedBaseDiagnostic(linesOf(d.file), d))
    .map((d) => `${path.basename(d.file)}:${d.range.start.line + 1}: ${d.message} (${d.rule})`);
}

describe('the generated Python, type-checked by pyright', () => {
  test('pyright finds no error in the generated package, short of the runtime it cannot install', () => {
    // GIVEN
    required(PYTHON_MODULE);

    // WHEN
    const report = pyright('build-tools/pyright-bindings.json');

    // THEN: it looked at the package (__init__.py and _jsii/__init__.py)
    expect(report.summary.filesAnalyzed).toBeGreaterThanOrEqual(2);
    expect(realErrors(report)).toEqual([]);
  });

  test('the same check fails on a struct keyword or a type name the package does not have', () => {
    // GIVEN: a copy of the generated package with two mistakes a generator could make
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-imdsv2-pyright-'));
    try {
      fs.cpSync(path.join(ROOT, 'dist', 'python', 'src'), path.join(copy, 'src'), { recursive: true });
      const module = path.join(copy, 'src', 'cdk_imdsv2', '__init__.py');
      const source = fs.readFileSync(module, 'utf-8');
      const broken = source
        .replace(/(props = Imdsv2AspectProps\([\s\S]*?)host_hop_limit=host_hop_limit/, '$1hop_limit=host_hop_limit')
        .replace('typing.List["Imdsv2ReportEntry"]', 'typing.List["Imdsv2ReportEntries"]');
      expect(broken).not.toEqual(source);
      fs.writeFileSync(module, broken);
      const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'build-tools', 'pyright-bindings.json'), 'utf-8'));
      fs.writeFileSync(path.join(copy, 'pyrightconfig.json'), JSON.stringify({
        ...config, include: ['src'], stubPath: path.join(ROOT, 'build-tools', 'python-stubs'),
      }));

      // WHEN
      const errors = realErrors(pyright(path.join(copy, 'pyrightconfig.json')));

      // THEN
      expect(errors).toEqual(expect.arrayContaining([
        expect.stringMatching(/No parameter named "hop_limit" \(reportCallIssue\)/),
        expect.stringMatching(/"Imdsv2ReportEntries" is not defined \(reportUndefinedVariable\)/),
      ]));
      expect(errors).toHaveLength(2);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});

/** Whitespace-insensitive form of a piece of code or of a whole file. */
function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Javadoc's text of a Java file: comment prefixes dropped, HTML entities decoded. */
function javadocText(source: string): string {
  return source.replace(/^\s*\* ?/gm, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#64;/g, '@').replace(/&amp;/g, '&');
}

function javaSources(): string[] {
  required(JAVA_SRC);
  return fs.readdirSync(JAVA_SRC).filter((f) => f.endsWith('.java')).map((f) => fs.readFileSync(path.join(JAVA_SRC, f), 'utf-8'));
}

/** TypeScript that a translation would have turned into something else. */
const TYPESCRIPT = /^\s*(const|let) \w+ =|\bnew [A-Z]\w*\(|=>|^\s*declare const /m;

describe('examples in the generated docs, translated by jsii-rosetta', () => {
  const tablet = () => JSON.parse(fs.readFileSync(required(path.join(ROOT, '.jsii.tabl.json')), 'utf-8'));

  test('every README and docstring example appears in Python and in Java, as translated', () => {
    // GIVEN: the examples `jsii-rosetta extract --strict` compiled and translated
    const snippets = Object.values<any>(tablet().snippets);
    expect(snippets.length).toBeGreaterThan(5);
    expect(snippets.filter((s) => !s.didCompile).map((s) => s.location)).toEqual([]);

    // WHEN
    const python = squash(fs.readFileSync(required(PYTHON_MODULE), 'utf-8'));
    const java = squash(javaSources().map(javadocText).join('\n'));

    // THEN
    const missing = snippets.flatMap((s) => [
      ...python.includes(squash(s.translations.python.source)) ? [] : [`python ${JSON.stringify(s.location)}`],
      ...java.includes(squash(s.translations.java.source)) ? [] : [`java ${JSON.stringify(s.location)}`],
    ]);
    expect(missing).toEqual([]);
  });

  test('no example in the Python docstrings or the Javadoc is left in TypeScript', () => {
    // GIVEN
    const python = fs.readFileSync(required(PYTHON_MODULE), 'utf-8');
    const pythonExamples = [...python.matchAll(/Example::\n\n([\s\S]*?)(?:'''|\n\s*\n\s*:)/g)].map((m) => m[1]);
    const javaExamples = javaSources().flatMap((s) => [...javadocText(s).matchAll(/<pre>([\s\S]*?)<\/pre>/g)].map((m) => m[1]));
    expect(pythonExamples.length).toBeGreaterThan(10);
    expect(javaExamples.length).toBeGreaterThan(10);

    // WHEN / THEN
    expect(pythonExamples.filter((e) => TYPESCRIPT.test(e))).toEqual([]);
    expect(javaExamples.filter((e) => /^\s*const \w+ =|=>|\bdeclare const /m.test(e))).toEqual([]);
  });
});

describe('the wheel', () => {
  test('holds the module, its type marker, and the same npm tarball that npm users install', () => {
    // GIVEN
    const wheelDir = path.join(ROOT, 'dist', 'python');
    const wheel = fs.readdirSync(required(wheelDir)).find((f) => f.endsWith('.whl'));
    expect(wheel).toBe(`cdk_imdsv2-${PACKAGE.version}-py3-none-any.whl`);

    // WHEN: Debian's python reads the wheel (a zip file)
    const listing = spawnSync('/usr/bin/python3', ['-c', [
      'import hashlib, sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      'for n in z.namelist(): print(n, hashlib.sha256(z.read(n)).hexdigest())',
    ].join('\n'), path.join(wheelDir, wheel!)], { encoding: 'utf-8' });
    expect(listing.status).toBe(0);
    const files = new Map(listing.stdout.trim().split('\n').map((l) => l.split(' ') as [string, string]));

    // THEN
    const tarballName = `cdk_imdsv2/_jsii/${PACKAGE.name}@${PACKAGE.version}.jsii.tgz`;
    expect([...files.keys()]).toEqual(expect.arrayContaining(['cdk_imdsv2/__init__.py', 'cdk_imdsv2/py.typed', tarballName]));
    const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    expect(files.get(tarballName)).toBe(sha256(pythonEmbeddedTarball()));
    expect(files.get(tarballName)).toBe(sha256(path.join(ROOT, 'dist', 'js', `${PACKAGE.name}@${PACKAGE.version}.jsii.tgz`)));
  });
});
