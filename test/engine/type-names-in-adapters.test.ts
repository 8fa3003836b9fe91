/**
 * Issue #19: what the engine knows per CloudFormation type lives in that type's adapter
 * (src/engine/adapters/), so a new type is one adapter and one row (toy-adapter.test.ts).
 * This keeps it so: a string literal in code (comments do not count) that starts with
 * `AWS::` anywhere else in src/ fails here, unless it is one of the few below, each with
 * the reason it is not per-type knowledge of the engine.
 */
import * as fs from 'fs';
import * as path from 'path';

const SRC = path.resolve(__dirname, '../../src');
const ADAPTERS = path.join(SRC, 'engine', 'adapters');

/** `file: literal` → how many times it may appear, and why it is not an adapter's. */
const ALLOWED: Readonly<Record<string, { readonly count: number; readonly why: string }>> = {
  'engine/user-data.ts: AWS::CloudFormation::Init': {
    count: 1,
    why: 'the cfn-init metadata key, read on every resource: not a resource type',
  },
  'private/instance-scripts.ts: AWS::CloudFormation::Init': {
    count: 1,
    why: 'the cfn-init metadata key (synthesized templates): not a resource type',
  },
  'templates/load-templates.ts: AWS::CloudFormation::Stack': {
    count: 1,
    why: 'nested stacks: how templates are found, not an IMDS-bearing type',
  },
  'templates/scan-templates.ts: AWS::Include': {
    count: 1,
    why: 'the AWS::Include transform, reported as Unverifiable wherever it is: not a resource type',
  },
  'validation/product-file-templates.ts: AWS::ServiceCatalog::CloudFormationProduct': {
    count: 1,
    why: 'Service Catalog products whose template is a file asset: the aspect reads the file, the product itself launches nothing (not an engine type); named instead of imported to keep aws-servicecatalog out of load time',
  },
  'private/app-resources.ts: AWS::EC2::Instance': {
    count: 1,
    why: "aws-cdk-lib's ec2.Instance L2 and the InstanceRequireImdsv2Aspect it registers: about a CDK class, not the CloudFormation type",
  },
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return p === ADAPTERS ? [] : sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/**
 * The string literals of TypeScript source, comments skipped: enough of a scanner for
 * this repository's code ('…', "…", `…` with `${…}` holes, // and /* comments). A `/`
 * that starts a regular expression is not told from a division, so a regex literal with
 * an odd number of quotes could throw it off for the rest of that file (the allow-list's
 * exact counts below would then most likely fail, and say which file).
 */
function stringLiterals(text: string): string[] {
  const found: string[] = [];
  let i = 0;
  const readQuoted = (quote: string): string => {
    let out = '';
    i++;
    while (i < text.length && text[i] !== quote) {
      if (text[i] === '\\') {
        out += text[i + 1] ?? '';
        i += 2;
        continue;
      }
      if (quote === '`' && text[i] === '$' && text[i + 1] === '{') {
        // A hole: its code may hold literals of its own.
        let depth = 0;
        const start = i + 2;
        i += 2;
        while (i < text.length && !(text[i] === '}' && depth === 0)) {
          if (text[i] === '{') depth++;
          if (text[i] === '}') depth--;
          i++;
        }
        found.push(...stringLiterals(text.slice(start, i)));
        out += '${…}';
        i++;
        continue;
      }
      out += text[i++];
    }
    i++;
    return out;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === '\'' || c === '"' || c === '`') {
      found.push(readQuoted(c));
    } else {
      i++;
    }
  }
  return found;
}

function typeNameLiterals(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const file of sourceFiles(SRC)) {
    const rel = path.relative(SRC, file).split(path.sep).join('/');
    for (const literal of stringLiterals(fs.readFileSync(file, 'utf8'))) {
      if (!literal.startsWith('AWS::')) continue;
      const key = `${rel}: ${literal}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

describe('CloudFormation type names live in the adapters (#19)', () => {
  test('GIVEN src/ outside src/engine/adapters THEN no AWS:: literal in code but the allowed ones', () => {
    const unexpected = [...typeNameLiterals()]
      .filter(([key, n]) => n > (ALLOWED[key]?.count ?? 0))
      .map(([key, n]) => `${key} (${n}x): per-type knowledge belongs in the type's adapter (src/engine/adapter.ts), or allow it here with the reason`);
    expect(unexpected).toEqual([]);
  });

  test('GIVEN the allow-list THEN every entry is still needed (no stale exceptions)', () => {
    const counts = typeNameLiterals();
    const stale = Object.entries(ALLOWED).filter(([key, { count }]) => (counts.get(key) ?? 0) !== count).map(([key]) => key);
    expect(stale).toEqual([]);
  });

  test('GIVEN code, comments and nested templates THEN the scanner finds literals in code only', () => {
    const code = [
      "// 'AWS::In::Comment'",
      "/* 'AWS::In::Block' */ const a = 'AWS::One::Two';",
      'const b = "it\'s AWS::Not::First";',
      "const c = `x ${d === 'AWS::In::Hole' ? 1 : 2} y`; // http://x 'AWS::After::Code'",
      "const url = 'http://example.com'; const e = 'AWS::Last::One';",
    ].join('\n');
    expect(stringLiterals(code).filter((l) => l.startsWith('AWS::'))).toEqual(['AWS::One::Two', 'AWS::In::Hole', 'AWS::Last::One']);
  });
});
