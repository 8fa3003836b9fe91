#!/usr/bin/env node
// Writes the translations (from the dependencies' rosetta tablets) of the examples that
// jsii-pacmak copies into our bindings from inherited members: Imdsv2InstanceProps shows
// ec2.InstanceProps' docs in Python and Java, examples included. Our own tablet
// (.jsii.tabl.json, from `jsii-rosetta extract --strict`) holds only our examples, so
// without this those inherited examples would stay TypeScript (pacmak `--rosetta-unknown-
// snippets fail` refuses that). aws-cdk-lib's full tablet works too, but loading it costs
// pacmak about 18 s per target; this keeps only the snippets of the types we extend.
//
// usage: node build-tools/dependency-tablet.js <out.json>
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const root = path.resolve(__dirname, '..');

function readMaybeGzip(file) {
  const bytes = fs.readFileSync(file);
  return JSON.parse((bytes[0] === 0x1f && bytes[1] === 0x8b ? zlib.gunzipSync(bytes) : bytes).toString('utf-8'));
}

function readAssembly(dir) {
  const assembly = readMaybeGzip(path.join(dir, '.jsii'));
  return assembly.schema === 'jsii/file-redirect' ? readMaybeGzip(path.join(dir, assembly.filename)) : assembly;
}

const ours = readAssembly(root);
const dirs = new Map(); // assembly name -> package dir
for (const name of Object.keys(ours.dependencies ?? {})) {
  dirs.set(name, path.dirname(require.resolve(`${name}/package.json`, { paths: [root] })));
}
const assemblies = new Map();
function typeOf(fqn) {
  const name = fqn.startsWith('@') ? fqn.split('.')[0] : fqn.split('.')[0];
  const dir = dirs.get(name);
  if (!dir) return undefined;
  if (!assemblies.has(name)) assemblies.set(name, readAssembly(dir));
  return assemblies.get(name).types[fqn];
}

// Every dependency type one of ours extends or implements, through any depth.
const supertypes = new Set();
const queue = [];
const enqueue = (t) => { for (const f of [t.base, ...(t.interfaces ?? [])]) if (f) queue.push(f); };
Object.values(ours.types).forEach(enqueue);
while (queue.length > 0) {
  const fqn = queue.pop();
  if (supertypes.has(fqn) || ours.types[fqn]) continue;
  supertypes.add(fqn);
  const t = typeOf(fqn);
  if (t) enqueue(t);
}

const out = { version: '2', toolVersion: undefined, snippets: {} };
for (const dir of dirs.values()) {
  const file = ['.jsii.tabl.json', '.jsii.tabl.json.gz'].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  if (!file) continue;
  const tablet = readMaybeGzip(file);
  out.version = tablet.version;
  out.toolVersion = out.toolVersion ?? tablet.toolVersion;
  for (const [key, snippet] of Object.entries(tablet.snippets)) {
    if (supertypes.has(snippet.location?.api?.fqn)) out.snippets[key] = snippet;
  }
}
const target = path.resolve(process.argv[2] ?? 'dist/dependency.tabl.json');
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(target, JSON.stringify(out));
console.log(`${Object.keys(out.snippets).length} translated examples of ${supertypes.size} inherited types -> ${path.relative(root, target)}`);
