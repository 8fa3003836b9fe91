// A minimal jsii host: what the Python (and Java, .NET, Go) runtime does under the hood.
// It spawns the @jsii/runtime process and exchanges one JSON document per line with it
// over stdin/stdout: requests ({"api": "load" | "create" | "invoke" | ...}), responses
// ({"ok": ...} or {"error": ...}) and, while a request runs, callbacks into the host
// ({"callback": ...}, answered with {"complete": ...}).
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as path from 'path';

/** A reference to an object that lives in the kernel. */
export interface ObjRef {
  readonly '$jsii.byref': string;
  readonly '$jsii.interfaces'?: string[];
}

/** A callback from the kernel into the host (an overridden method or property). */
export interface KernelCallback {
  readonly cbid: string;
  readonly cookie?: string;
  readonly invoke?: { readonly objref: ObjRef; readonly method: string; readonly args?: unknown[] };
  readonly get?: { readonly objref: ObjRef; readonly property: string };
  readonly set?: { readonly objref: ObjRef; readonly property: string; readonly value: unknown };
}

/** What the host does when the kernel calls back; may send requests of its own meanwhile. */
export type CallbackHandler = (callback: KernelCallback) => Promise<unknown>;

/** The error the kernel answered a request with, as a Python caller would see it raised. */
export class KernelError extends Error {
  constructor(message: string, public readonly kernelName: string | undefined, public readonly request: unknown) {
    super(message);
  }
}

/** The path of the runtime's self-contained bundle: the file the Python and Java jsii packages embed. */
export const RUNTIME_BUNDLE = path.join(path.dirname(require.resolve('@jsii/runtime/package.json')), 'webpack', 'bin', 'jsii-runtime.js');

export class JsiiKernelClient {
  /** Start the runtime process and read its hello line. */
  public static async start(env: Record<string, string> = {}): Promise<JsiiKernelClient> {
    const child = spawn(process.execPath, [RUNTIME_BUNDLE], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20', ...env },
    });
    const client = new JsiiKernelClient(child);
    const hello = await client.next() as { hello?: string };
    if (typeof hello.hello !== 'string') throw new Error(`expected a hello line from the runtime, got ${JSON.stringify(hello)}`);
    client.hello = hello.hello;
    return client;
  }

  /** What the runtime said first, e.g. `@jsii/runtime@1.140.0`. */
  public hello = '';
  /** The runtime's stderr (console output of the JavaScript code, wrapped by the runtime). */
  public stderr = '';
  /** Every message exchanged, for a failure message. */
  public readonly transcript: string[] = [];

  private buffer = '';
  private readonly lines: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private ended = false;
  private callbackHandler: CallbackHandler | undefined;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf-8');
    child.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (line.trim() === '') continue;
        this.push(line);
      }
    });
    child.stderr.setEncoding('utf-8');
    child.stderr.on('data', (chunk: string) => { this.stderr += chunk; });
    child.on('close', () => {
      this.ended = true;
      this.waiting?.(undefined);
      this.waiting = undefined;
    });
  }

  /** Route callbacks (overridden methods of host objects) to `handler`; none: answer them with an error. */
  public onCallback(handler: CallbackHandler | undefined): void {
    this.callbackHandler = handler;
  }

  /**
   * Send one request and wait for its answer, serving the kernel's callbacks meanwhile.
   * Resolves with the value under `ok`; rejects with a `KernelError` on `error`.
   */
  public async request(req: Record<string, unknown>): Promise<any> {
    this.write(req);
    for (;;) {
      const message = await this.next() as any;
      if ('callback' in message) {
        const cb: KernelCallback = message.callback;
        let complete: Record<string, unknown>;
        try {
          if (!this.callbackHandler) throw new Error(`unexpected callback from the kernel: ${JSON.stringify(cb)}`);
          complete = { cbid: cb.cbid, result: await this.callbackHandler(cb) };
        } catch (e: any) {
          complete = { cbid: cb.cbid, err: e?.message ?? String(e) };
        }
        this.write({ complete });
        continue;
      }
      if ('ok' in message) return message.ok;
      if ('error' in message) throw new KernelError(message.error, message.name, req);
      throw new Error(`unexpected message from the kernel: ${JSON.stringify(message)}`);
    }
  }

  public load(name: string, version: string, tarball: string): Promise<{ assembly: string; types: number }> {
    return this.request({ api: 'load', name, version, tarball });
  }

  public create(fqn: string, args: unknown[] = [], extra: { interfaces?: string[]; overrides?: unknown[] } = {}): Promise<ObjRef> {
    return this.request({ api: 'create', fqn, args, overrides: extra.overrides ?? [], interfaces: extra.interfaces ?? [] });
  }

  public async invoke(objref: ObjRef, method: string, args: unknown[] = []): Promise<any> {
    return (await this.request({ api: 'invoke', objref, method, args })).result;
  }

  public async sinvoke(fqn: string, method: string, args: unknown[] = []): Promise<any> {
    return (await this.request({ api: 'sinvoke', fqn, method, args })).result;
  }

  public async get(objref: ObjRef, property: string): Promise<any> {
    return (await this.request({ api: 'get', objref, property })).value;
  }

  public async sget(fqn: string, property: string): Promise<any> {
    return (await this.request({ api: 'sget', fqn, property })).value;
  }

  /** Ask the runtime to exit, and wait for it. */
  public async close(): Promise<void> {
    if (this.ended) return;
    const closed = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.write({ exit: 0 });
    const timer = setTimeout(() => this.child.kill(), 10_000);
    await closed;
    clearTimeout(timer);
  }

  private write(message: unknown): void {
    const line = JSON.stringify(message);
    this.transcript.push(`> ${line.slice(0, 500)}`);
    this.child.stdin.write(line + '\n');
  }

  private push(line: string): void {
    this.transcript.push(`< ${line.slice(0, 500)}`);
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w(line);
    } else {
      this.lines.push(line);
    }
  }

  private async next(): Promise<unknown> {
    const line = this.lines.length > 0 ? this.lines.shift() : this.ended ? undefined
      : await new Promise<string | undefined>((resolve) => { this.waiting = resolve; });
    if (line === undefined) {
      throw new Error(`the jsii runtime exited before answering; stderr:\n${this.stderr.slice(-4000)}`);
    }
    return JSON.parse(line);
  }
}

/** A struct as the Python runtime sends it: `{"$jsii.struct": {fqn, data}}`, unset fields as null. */
export function struct(fqn: string, data: Record<string, unknown>): unknown {
  return { '$jsii.struct': { fqn, data } };
}

/** An enum member as every runtime sends it: `{"$jsii.enum": "<enum fqn>/<MEMBER>"}`. */
export function enumValue(fqn: string, member: string): unknown {
  return { '$jsii.enum': `${fqn}/${member}` };
}

/** Plain JSON from a kernel value: `$jsii.map` wrappers removed, at any depth. */
export function unwrap(value: any): any {
  if (Array.isArray(value)) return value.map(unwrap);
  if (value === null || typeof value !== 'object') return value;
  if ('$jsii.map' in value) return unwrap(value['$jsii.map']);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
}
