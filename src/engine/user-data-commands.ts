/**
 * Splits a shell, PowerShell or cloud-init script into the commands it runs, so that
 * Imdsv2-UserDataV1 judges each command and not each line: a token request on the same
 * line as a tokenless call must not excuse it.
 *
 * This is a tolerant lexer, not a shell parser. It knows what it takes to tell commands
 * apart in user data: separators, quotes, `$( … )`, comments, continuations and heredocs.
 * Pure: no I/O.
 */

/** One command of a script. */
export interface ScriptCommand {
  /** 1-based line where the command starts (its first non-blank character). */
  readonly line: number;
  /** The command, with each `$( … )` inside it replaced by `$(…)` (those are commands of their own). */
  readonly text: string;
  /** The command with its `$( … )` contents: what a variable assigned by it holds. */
  readonly full: string;
}

/**
 * The commands of `script`, in the order they run (a `$( … )` before the command that uses it).
 *
 * - Separators, outside quotes: newline, `;`, `&&`, `||`, `|`, `&` (not the `&` of `2>&1` or `&>`).
 * - `$( … )` (shell command substitution, PowerShell subexpression): its commands are split
 *   out, also inside double quotes. Plain `( … )` and backticks are kept in the command.
 * - Quotes: '…' and "…" (with `\` and backtick escapes) are never split. A quote that is
 *   never closed is read as a literal character, so a stray apostrophe does not swallow the script.
 * - PowerShell hashtables `@{ … }` are kept whole (their `;` separates entries, not commands).
 * - Comments are dropped: `#` at the start of a word (shell, PowerShell, YAML), `<# … #>`,
 *   and `rem` / `::` at the start of a command (cmd.exe).
 * - Continuations: `\` (shell) and backtick (PowerShell) at the end of a line.
 * - Heredoc bodies (`<<EOF`, `<<-EOF`, `<<'EOF'`) are split as scripts of their own: they are
 *   usually scripts written to disk to run later, and their quotes are not the outer script's.
 */
export function scriptCommands(script: string): ScriptCommand[] {
  const lexer = new Lexer(script, 0);
  lexer.level(false);
  return lexer.out;
}

/** The command being read at one nesting level. */
class Level {
  text = '';
  full = '';
  /** Line of the command's first non-blank character; 0 while it has none. */
  start = 0;
  /** Everything read at this level, for the `full` of the command around a `$( … )`. */
  raw = '';
  parens = 0;

  constructor(readonly nested: boolean) {}

  add(chunk: string, line: number, fullChunk: string = chunk): void {
    if (this.start === 0 && chunk.trim() !== '') this.start = line;
    this.text += chunk;
    this.full += fullChunk;
    this.raw += fullChunk;
  }

  /** Ends the command: pushes it to `out` unless it is blank. */
  flush(out: ScriptCommand[]): void {
    const text = unwrapGroup(this.text.trim());
    if (text !== '') out.push({ line: this.start, text, full: unwrapGroup(this.full.trim()) });
    this.text = '';
    this.full = '';
    this.start = 0;
  }
}

class Lexer {
  readonly out: ScriptCommand[] = [];
  private pos = 0;
  private line: number;
  /** Heredoc delimiters opened on the current line, read at its end. */
  private readonly heredocs: string[] = [];

  constructor(private readonly s: string, lineOffset: number) {
    this.line = lineOffset + 1;
  }

  /**
   * Reads commands until the end of the script, or (when `nested`) until the `)` that closes
   * the `$(` just read. Returns the raw text read, for the enclosing command's `full`.
   */
  level(nested: boolean): string {
    const level = new Level(nested);
    while (this.pos < this.s.length) {
      if (this.skipped(level) || this.separated(level) || this.quoted(level)) continue;
      if (this.grouped(level) === 'closed') return level.raw;
    }
    level.flush(this.out);
    return level.raw;
  }

  /** Continuations and comments: consumed, nothing of them kept. */
  private skipped(level: Level): boolean {
    const s = this.s;
    const ahead = s.slice(this.pos, this.pos + 64);
    const continuation = /^[\\`][ \t]*\r?\n/.exec(ahead);
    if (continuation) {
      this.pos += continuation[0].length;
      this.line++;
      level.add(' ', this.line);
      return true;
    }
    const lineComment = (s[this.pos] === '#' && this.wordStart()) || (level.text.trim() === '' && /^(?:rem|::)(?:\s|$)/i.test(ahead));
    if (lineComment) {
      const end = s.indexOf('\n', this.pos);
      this.pos = end < 0 ? s.length : end;
      return true;
    }
    if (ahead.startsWith('<#')) {
      const end = s.indexOf('#>', this.pos + 2);
      const stop = end < 0 ? s.length : end + 2;
      this.line += countNewlines(s.slice(this.pos, stop));
      this.pos = stop;
      level.add(' ', this.line);
      return true;
    }
    return false;
  }

  /** Newlines and `;`, `&&`, `||`, `|`, `&`: end the command. */
  private separated(level: Level): boolean {
    const s = this.s;
    const c = s[this.pos];
    const two = s.slice(this.pos, this.pos + 2);
    let length = 0;
    if (c === '\n') length = 1;
    else if (['&&', '||', ';;', '|&'].includes(two)) length = 2;
    // `2>&1` and `&>file` are redirections, not separators.
    else if (c === ';' || c === '|' || (c === '&' && !/[<>]$/.test(level.text) && s[this.pos + 1] !== '>')) length = 1;
    if (length === 0) return false;
    level.flush(this.out);
    level.raw += s.slice(this.pos, this.pos + length);
    this.pos += length;
    if (c === '\n') {
      this.line++;
      this.readHeredocs();
    }
    return true;
  }

  /** Escapes, '…', "…" and `@{ … }`: kept whole in the command. */
  private quoted(level: Level): boolean {
    const s = this.s;
    const c = s[this.pos];
    const line = this.line;
    if (c === '\\') {
      level.add(s.slice(this.pos, this.pos + 2), line);
      this.pos += 2;
      return true;
    }
    if (c === "'" || c === '"') {
      const end = this.closingQuote(this.pos);
      if (end < 0) return false;
      if (c === '"') {
        const [text, full] = this.doubleQuoted(end);
        level.add(text, line, full);
        return true;
      }
      const chunk = s.slice(this.pos, end + 1);
      level.add(chunk, line);
      this.line += countNewlines(chunk);
      this.pos = end + 1;
      return true;
    }
    if (s.startsWith('@{', this.pos)) {
      const end = this.closingBrace(this.pos + 1);
      const chunk = s.slice(this.pos, end);
      level.add(chunk, line);
      this.line += countNewlines(chunk);
      this.pos = end;
      return true;
    }
    return false;
  }

  /** `$(`, `(`, `)`, heredoc operators and any other character. Returns 'closed' at the `)` of a nested level. */
  private grouped(level: Level): 'closed' | undefined {
    const s = this.s;
    const c = s[this.pos];
    const line = this.line;
    if (s.startsWith('$(', this.pos)) {
      this.pos += 2;
      const inner = this.level(true);
      level.add('$(…)', line, `$(${inner})`);
      return undefined;
    }
    if (s.startsWith('<<', this.pos) && !s.startsWith('<<<', this.pos)) {
      const m = /^<<[-~]?[ \t]*\\?(['"]?)([A-Za-z_][\w.-]*)\1/.exec(s.slice(this.pos, this.pos + 100));
      const op = m ? m[0] : '<<';
      if (m) this.heredocs.push(m[2]);
      level.add(op, line);
      this.pos += op.length;
      return undefined;
    }
    this.pos++;
    if (c === ')' && level.parens === 0 && level.nested) {
      level.flush(this.out);
      return 'closed';
    }
    if (c === '(') level.parens++;
    if (c === ')') level.parens = Math.max(0, level.parens - 1);
    level.add(c, line);
    return undefined;
  }

  /** True when the character at `pos` starts a word (where `#` starts a comment). */
  private wordStart(): boolean {
    return this.pos === 0 || /[\s;&|(]/.test(this.s[this.pos - 1]);
  }

  /** Index of the quote closing the one at `open`, or -1 when it is never closed. */
  private closingQuote(open: number): number {
    return this.quoteFrom(open + 1, this.s[open]);
  }

  /** Index of the first `q` from `from` (escapes skipped inside "…"), or -1. */
  private quoteFrom(from: number, q: string): number {
    for (let i = from; i < this.s.length; i++) {
      const c = this.s[i];
      if (q === '"' && (c === '\\' || c === '`')) i++;
      else if (c === q) return i;
    }
    return -1;
  }

  /** Index just past the `}` closing the `{` at `open` (quotes respected), or the end of the script. */
  private closingBrace(open: number): number {
    let depth = 0;
    for (let i = open; i < this.s.length; i++) {
      const c = this.s[i];
      if (c === '{') {depth++;} else if (c === '}' && --depth === 0) {return i + 1;} else if (c === "'" || c === '"') {
        const end = this.closingQuote(i);
        if (end > 0) i = end;
      }
    }
    return this.s.length;
  }

  /** Reads the "…" at `pos` that closes at `end`, splitting out its `$( … )`s. Returns [text, full]. */
  private doubleQuoted(end: number): [string, string] {
    const s = this.s;
    let text = '"';
    let full = '"';
    this.pos++;
    while (this.pos < s.length && this.pos !== end) {
      const c = s[this.pos];
      if (s.startsWith('$(', this.pos)) {
        this.pos += 2;
        const inner = this.level(true);
        text += '$(…)';
        full += `$(${inner})`;
        // A `$( … )` may hold quotes of its own: find this string's real end again.
        end = this.quoteFrom(this.pos, '"');
        if (end < 0) end = s.length;
        continue;
      }
      const chunk = c === '\\' || c === '`' ? s.slice(this.pos, this.pos + 2) : c;
      this.line += countNewlines(chunk);
      text += chunk;
      full += chunk;
      this.pos += chunk.length;
    }
    this.pos = Math.min(end + 1, s.length);
    return [text + '"', full + '"'];
  }

  /** After a newline: reads the bodies of the heredocs opened on the line that ended, as scripts of their own. */
  private readHeredocs(): void {
    while (this.heredocs.length > 0) {
      const word = this.heredocs.shift()!;
      const bodyStart = this.pos;
      const bodyLine = this.line;
      let end = this.s.length;
      let next = this.s.length;
      let lines = 0;
      for (let i = bodyStart; i < this.s.length;) {
        const nl = this.s.indexOf('\n', i);
        const lineEnd = nl < 0 ? this.s.length : nl;
        if (this.s.slice(i, lineEnd).trim() === word) {
          end = i;
          next = nl < 0 ? this.s.length : nl + 1;
          lines++;
          break;
        }
        lines++;
        i = lineEnd + 1;
      }
      const body = new Lexer(this.s.slice(bodyStart, end), bodyLine - 1);
      body.level(false);
      this.out.push(...body.out);
      this.pos = next;
      this.line += lines;
    }
  }
}

/**
 * `text` without the `(` or `)` of a `( … )` group it only opens or closes: `( cd /tmp; curl … )`
 * gives the commands `cd /tmp` and `curl …`. A balanced `(…).Content` is kept.
 */
function unwrapGroup(text: string): string {
  const opens = (text.match(/\(/g) ?? []).length;
  const closes = (text.match(/\)/g) ?? []).length;
  if (opens > closes && text.startsWith('(')) return unwrapGroup(text.slice(1).trim());
  if (closes > opens && text.endsWith(')')) return unwrapGroup(text.slice(0, -1).trim());
  return text;
}

function countNewlines(text: string): number {
  return text.split('\n').length - 1;
}
