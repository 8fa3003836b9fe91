// What makes an assembly pleasant in Python, Java, .NET and Go, checked on the `.jsii`
// file the build wrote: every public type and member has a summary (it becomes the
// docstring/Javadoc), every optional property says what happens when it is left out,
// and nothing in the public surface is a union, an untyped `any`, or protected.

/** One thing wrong with the public surface, named by where it is. */
export interface Violation {
  readonly where: string;
  readonly problem: string;
}

/** `any` in a public signature where the library means it (JSON-like data), with the reason. */
export type AnyAllowList = Record<string, string>;

interface TypeRef {
  primitive?: string;
  fqn?: string;
  collection?: { kind: string; elementtype: TypeRef };
  union?: { types: TypeRef[] };
  intersection?: { types: TypeRef[] };
}

/** Checks every type of `assembly` that belongs to it (not to its dependencies). */
export function lintAssembly(assembly: any, anyAllowed: AnyAllowList = {}, protectedAllowed: AnyAllowList = {}): Violation[] {
  const out: Violation[] = [];
  const add = (where: string, problem: string) => out.push({ where, problem });

  const summary = (where: string, docs: any) => {
    const text: string | undefined = docs?.summary;
    if (text === undefined || text.trim() === '') add(where, 'no summary');
  };
  const typeOk = (where: string, ref: TypeRef | undefined) => {
    if (ref === undefined) return;
    if (ref.union) add(where, `union type ${render(ref)}: not expressible in Java, .NET or Go`);
    if (ref.intersection) add(where, `intersection type ${render(ref)}`);
    if (ref.primitive === 'any' && anyAllowed[where] === undefined) {
      add(where, 'type any: untyped in every language (a generic or `unknown` leaking out?)');
    }
    ref.collection && typeOk(where, ref.collection.elementtype);
    ref.union?.types.forEach((t) => typeOk(where, t));
  };
  const isProtected = (where: string, member: any) => {
    if (member.protected && protectedAllowed[where] === undefined) {
      add(where, 'protected: published to every language as part of the API; make it private or unexported');
    }
  };
  const params = (where: string, parameters: any[] | undefined) => {
    for (const p of parameters ?? []) {
      summary(`${where}(${p.name})`, p.docs);
      typeOk(`${where}(${p.name})`, p.type);
    }
  };

  for (const [fqn, type] of Object.entries<any>(assembly.types ?? {})) {
    summary(fqn, type.docs);
    if (type.kind === 'enum') {
      for (const m of type.members ?? []) summary(`${fqn}.${m.name}`, m.docs);
      continue;
    }
    if (type.initializer) {
      isProtected(`${fqn}.<initializer>`, type.initializer);
      params(`${fqn}.<initializer>`, type.initializer.parameters);
    }
    for (const p of type.properties ?? []) {
      const where = `${fqn}.${p.name}`;
      summary(where, p.docs);
      typeOk(where, p.type);
      isProtected(where, p);
      if (p.optional && type.kind === 'interface') {
        const d: string | undefined = p.docs?.default;
        if (d === undefined || d.trim() === '') add(where, 'optional without @default');
        else if (/^undefined\.?$/i.test(d.trim())) add(where, '@default undefined: say what happens instead (`- <behaviour>`)');
      }
    }
    for (const m of type.methods ?? []) {
      const where = `${fqn}.${m.name}`;
      summary(where, m.docs);
      isProtected(where, m);
      params(where, m.parameters);
      typeOk(`${where}:returns`, m.returns?.type);
    }
  }
  return out;
}

function render(ref: TypeRef): string {
  if (ref.primitive) return ref.primitive;
  if (ref.fqn) return ref.fqn;
  if (ref.collection) return `${ref.collection.kind}<${render(ref.collection.elementtype)}>`;
  if (ref.union) return ref.union.types.map(render).join(' | ');
  if (ref.intersection) return ref.intersection.types.map(render).join(' & ');
  return JSON.stringify(ref);
}
