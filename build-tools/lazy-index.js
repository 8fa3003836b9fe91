#!/usr/bin/env node
/**
 * Rewrites the compiled package index (lib/index.js) into lazy exports, after `jsii`:
 *
 *   node build-tools/lazy-index.js [lib]
 *
 * jsii needs src/index.ts to re-export every module statically (`export * from …`), and
 * TypeScript compiles that into `__exportStar(require(…))`: loading the package would load
 * every module, cdk-nag (for Imdsv2Checks) and the guardrails' aws-cdk-lib modules (custom
 * resources, Lambda, Config, Organizations, CloudWatch) included, even for an app that only
 * uses the aspect. aws-cdk-lib's own index does what this does: each export is a getter that
 * requires its module on first use.
 *
 * The names are not listed by hand: the barrels (`index.js` files made only of
 * `__exportStar(require(…))`) are followed down to the modules that define exports, and each
 * of those is required here, at build time, for its names. An export added to any module
 * (src/guardrails/index.ts gaining a file, say) is picked up by the next compile. The first
 * module to export a name wins, as with `__exportStar`. A module that both re-exports with
 * `export *` and defines exports of its own is refused (the build fails, naming it), so that
 * nothing falls back to loading eagerly without anyone noticing.
 *
 * test/lazy-index.test.ts checks that the lazy index exports the same names, resolving to
 * the same values, as the static one, and that requiring it loads neither cdk-nag nor the
 * guardrails' modules.
 */
'use strict';
const fs = require('fs');
const path = require('path');

const EXPORT_STAR = /__exportStar\(require\("([^"]+)"\), exports\);/g;
/** An export defined in the module itself (not the `__esModule` marker). */
const OWN_EXPORT = /^exports\.(?!__esModule\b)[\w$]+ = |Object\.defineProperty\(exports, "(?!__esModule")/m;
const MARKER = '// cdk-imdsv2: lazy index (build-tools/lazy-index.js)';

/** The file `request` (relative, as written in `from`) resolves to. */
function resolveFrom(from, request) {
  return require.resolve(path.resolve(path.dirname(from), request));
}

/** The modules that define the exports of `file`, in `__exportStar` order, barrels expanded. */
function leafModules(file, seen = new Set()) {
  if (seen.has(file)) return [];
  seen.add(file);
  const source = fs.readFileSync(file, 'utf8');
  const stars = [...source.matchAll(EXPORT_STAR)].map((m) => m[1]);
  if (stars.length === 0) return [file];
  if (OWN_EXPORT.test(source)) {
    throw new Error(`lazy-index: ${file} both re-exports (export *) and defines exports; split it so that the index can load it lazily`);
  }
  return stars.flatMap((request) => leafModules(resolveFrom(file, request), seen));
}

/**
 * The lazy index for `indexFile`: `{ name: module }` per export (module relative to the
 * index, './x/y'), and the source to write.
 */
function lazyIndexOf(indexFile) {
  const source = fs.readFileSync(indexFile, 'utf8');
  if (source.includes(MARKER)) throw new Error(`lazy-index: ${indexFile} is already lazy (compile again first)`);
  const dir = path.dirname(indexFile);
  const exportsByName = new Map();
  for (const leaf of leafModules(indexFile)) {
    const request = `./${path.relative(dir, leaf).replace(/\\/g, '/').replace(/\.js$/, '')}`;
    // Required here, at build time, for its names only.
    for (const name of Object.keys(require(leaf))) {
      if (name !== 'default' && !exportsByName.has(name)) exportsByName.set(name, request);
    }
  }
  const peers = peerDependenciesOf(dir);
  const lines = [
    '"use strict";',
    MARKER,
    '// Each export is a getter that loads its module on first use (as aws-cdk-lib\'s index does):',
    '// an app that uses only Imdsv2Aspect does not load cdk-nag nor the guardrails\' modules.',
    'Object.defineProperty(exports, "__esModule", { value: true });',
    `var PEERS = ${JSON.stringify(peers)};`,
    'function load(name, request) {',
    '  try {',
    '    return request();',
    '  } catch (e) {',
    '    // A peer dependency that is not installed (cdk-nag for Imdsv2Checks): say which, and how to get it.',
    '    var missing = e && e.code === "MODULE_NOT_FOUND" && Object.keys(PEERS).find(function (p) { return String(e.message).indexOf("\'" + p + "\'") >= 0; });',
    '    if (!missing) throw e;',
    '    var error = new Error("cdk-imdsv2: " + name + " needs " + missing + " (" + PEERS[missing] + "), a peer dependency that is not installed: npm install " + missing + "@\'" + PEERS[missing] + "\'. "',
    '      + "The rest of cdk-imdsv2 (Imdsv2Aspect, the constructs, Imdsv2Validator) works without it.");',
    '    error.cause = e;',
    '    throw error;',
    '  }',
    '}',
    'function lazy(name, request) {',
    '  Object.defineProperty(exports, name, { enumerable: true, configurable: true, get: function () { return load(name, request)[name]; } });',
    '}',
  ];
  for (const [name, request] of exportsByName) {
    lines.push(`lazy(${JSON.stringify(name)}, function () { return require(${JSON.stringify(request)}); });`);
  }
  return { exports: Object.fromEntries(exportsByName), source: `${lines.join('\n')}\n` };
}

/** The peerDependencies of the package `dir` is in (name → range). */
function peerDependenciesOf(dir) {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const file = path.join(d, 'package.json');
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')).peerDependencies ?? {};
    if (path.dirname(d) === d) return {};
  }
}

/** Rewrites `libDir`/index.js in place; returns the number of exports. */
function rewriteIndex(libDir) {
  const indexFile = path.resolve(libDir, 'index.js');
  const { exports, source } = lazyIndexOf(indexFile);
  fs.writeFileSync(indexFile, source);
  return Object.keys(exports).length;
}

module.exports = { lazyIndexOf, rewriteIndex, MARKER };

if (require.main === module) {
  const libDir = process.argv[2] ?? 'lib';
  const count = rewriteIndex(libDir);
  console.log(`lazy-index: ${path.join(libDir, 'index.js')} now exports ${count} names lazily`);
}
