import { gunzipSync } from 'zlib';
import { Json, isIntrinsic, isPlainObject } from './json';
import { Finding, ResourceView } from './model';
import { adapterFor } from './resource-table';
import { Imdsv2RuleId } from './rule-id';

/**
 * Imdsv2-UserDataV1: scripts that run on the instance (user data, cfn-init commands and
 * files) and call the instance metadata service without a session token. They work while
 * IMDSv1 is reachable and fail (HTTP 401) once HttpTokens is 'required'.
 *
 * Pure: input is CloudFormation JSON, output is findings; no CDK, no I/O.
 */

/** The scripts of one resource, as a front door hands them over. */
export interface InstanceScripts {
  /** The resource's CloudFormation Properties: at least the ones `scriptPropertiesOf` names. */
  readonly properties: Json;
  /** The resource's CloudFormation Metadata (AWS::CloudFormation::Init lives there). */
  readonly metadata?: Json;
}

/** One call to the metadata service without a token, in one script. */
export interface ImdsV1Call {
  /** 1-based line number in the script (the first line of a continued command). */
  readonly line: number;
  /** The command, trimmed and shortened for messages. */
  readonly text: string;
  /** True when the line is PowerShell (Invoke-WebRequest / Invoke-RestMethod / WebClient). */
  readonly powershell: boolean;
}

/**
 * The top-level properties of a resource of `type` that hold user data, or undefined when
 * it carries none of its own: what a front door renders for the user-data rule. Each
 * adapter says it (`scripts`), so a new type needs no entry here.
 */
export function scriptPropertiesOf(type: string): readonly string[] | undefined {
  return adapterFor(type)?.scripts?.properties;
}

const CFN_INIT = 'AWS::CloudFormation::Init';

/**
 * The Imdsv2-UserDataV1 findings of one resource: one per line of its user data or
 * cfn-init commands/files that calls IMDS without a token.
 *
 * Acknowledgements are the caller's: filter with `lookup.isAcknowledged(view, USER_DATA_V1)`.
 *
 * @param view the resource, as the engine knows it
 * @param scripts its full Properties and Metadata (default: the view's properties, no metadata)
 */
export function userDataFindings(view: ResourceView, scripts: InstanceScripts = { properties: view.properties }): Finding[] {
  const findings: Finding[] = [];
  for (const script of scriptsOf(view.type, scripts)) {
    for (const call of imdsV1Calls(script.text)) {
      findings.push({
        ruleId: Imdsv2RuleId.USER_DATA_V1,
        resource: view,
        fixable: false,
        problem: `${script.label} line ${call.line} calls the instance metadata service without a token (${call.text}): it fails with 401 once HttpTokens is 'required'`,
        remedy: call.powershell
          ? "get a token first ($t = Invoke-RestMethod -Method PUT -Uri http://169.254.169.254/latest/api/token -Headers @{'X-aws-ec2-metadata-token-ttl-seconds'='300'}) and pass -Headers @{'X-aws-ec2-metadata-token'=$t}"
          : "get a token first (TOKEN=$(curl -sX PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')) and pass -H \"X-aws-ec2-metadata-token: $TOKEN\" (wget: --header)",
      });
    }
  }
  return findings;
}

/** A script to scan and where it comes from, for messages. */
interface Script {
  readonly label: string;
  readonly text: string;
}

/** Every script of a resource of `type`: its user data (each Fn::If branch) and its cfn-init commands and files. */
function scriptsOf(type: string, scripts: InstanceScripts): Script[] {
  const found: Script[] = [];
  const props = isPlainObject(scripts.properties) ? scripts.properties : {};
  // Where user data lives is the adapter's knowledge (its `scripts`); user data is read the same for every type.
  for (const { value, label } of adapterFor(type)?.scripts?.userData(props) ?? []) found.push(...render(value, label, true));
  const init = isPlainObject(scripts.metadata) ? scripts.metadata[CFN_INIT] : undefined;
  if (isPlainObject(init)) found.push(...cfnInitScripts(init));
  return found;
}

function cfnInitScripts(init: Record<string, Json>): Script[] {
  const found: Script[] = [];
  for (const [configName, config] of Object.entries(init)) {
    if (configName === 'configSets' || !isPlainObject(config)) continue;
    if (isPlainObject(config.commands)) {
      for (const [name, command] of Object.entries(config.commands)) {
        const value = isPlainObject(command) ? command.command : undefined;
        const plain = Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.join(' ') : value;
        found.push(...render(plain, `cfn-init config '${configName}' command '${name}'`, false));
      }
    }
    if (isPlainObject(config.files)) {
      for (const [file, spec] of Object.entries(config.files)) {
        if (!isPlainObject(spec)) continue;
        const content = spec.content;
        // A JSON object as content is written as JSON: not a script.
        if (isPlainObject(content) && !isIntrinsic(content)) continue;
        found.push(...render(content, `cfn-init config '${configName}' file '${file}'`, spec.encoding === 'base64'));
      }
    }
  }
  return found;
}

/**
 * The text of a CloudFormation value that becomes a script: literal strings (base64 decoded
 * when `encoded`), Fn::Base64, Fn::Join and Fn::Sub; references become `${Name}`. A
 * top-level Fn::If gives one script per branch.
 */
function render(value: Json, label: string, encoded: boolean): Script[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [{ label, text: encoded ? decodeIfBase64(value) : value }];
  if (isIntrinsic(value)) {
    const [fn, arg] = Object.entries(value)[0];
    if (fn === 'Fn::Base64') return render(arg, label, false);
    if (fn === 'Fn::If' && Array.isArray(arg) && arg.length === 3) {
      return [...render(arg[1], `${label} (Fn::If ${String(arg[0])} true)`, encoded), ...render(arg[2], `${label} (Fn::If ${String(arg[0])} false)`, encoded)];
    }
    if (fn === 'Fn::Join' || fn === 'Fn::Sub') return [{ label, text: inline(value) }];
  }
  return [];
}

/** A value as text inside a script: strings as they are, intrinsics rendered or as `${…}`. */
function inline(value: Json): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (!isIntrinsic(value)) return '${…}';
  const [fn, arg] = Object.entries(value)[0] as [string, Json];
  switch (fn) {
    case 'Ref':
      return `\${${String(arg)}}`;
    case 'Fn::GetAtt':
      return `\${${Array.isArray(arg) ? arg.join('.') : String(arg)}}`;
    case 'Fn::Base64':
      // A part of a MIME multipart user data (aws-cdk-lib's MultipartUserData): scan it as text.
      return inline(arg);
    case 'Fn::Join':
      if (Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
        return arg[1].map(inline).join(arg[0]);
      }
      return '${…}';
    case 'Fn::Sub': {
      if (typeof arg === 'string') return arg;
      if (!Array.isArray(arg) || typeof arg[0] !== 'string') return '${…}';
      const vars = isPlainObject(arg[1]) ? arg[1] : {};
      return arg[0].replace(/\$\{([^!}][^}]*)\}/g, (whole, name: string) => {
        const v = vars[name];
        return v === undefined ? whole : inline(v);
      });
    }
    default:
      return '${…}';
  }
}

/** `text` decoded when it is base64 of (optionally gzipped) text, else `text` itself. */
function decodeIfBase64(text: string): string {
  const compact = text.replace(/\s+/g, '');
  if (compact.length < 8 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return text;
  let bytes = Buffer.from(compact, 'base64');
  if (bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      return text;
    }
  }
  const decoded = bytes.toString('utf8');
  const printable = decoded.replace(/[^\t\n\r\x20-\x7e\u00a0-\uffff]/g, '').length;
  return decoded.length > 0 && !decoded.includes('\ufffd') && printable / decoded.length > 0.95 ? decoded : text;
}

const IMDS_ADDRESS = /169\.254\.169\.254|fd00:ec2::254|\/\/instance-data(?:\.ec2\.internal)?\b/i;
const HTTP_CLIENT = /(?:^|[\s;|&(`'"=$])(?:curl|wget|Invoke-WebRequest|Invoke-RestMethod|iwr|irm)(?=[\s'"]|$)|Net\.WebClient|\.Download(?:String|File|Data)\s*\(/i;
const POWERSHELL = /Invoke-WebRequest|Invoke-RestMethod|(?:^|[\s(])(?:iwr|irm)\s|Net\.WebClient|\.Download(?:String|File|Data)\s*\(/i;
const TOKEN_HEADER = /x-aws-ec2-metadata-token/i;
const TOKEN_ENDPOINT = /\/latest\/api\/token/i;
const BASH_ASSIGNMENT = /^\s*(?:(?:export|local|readonly|declare(?:\s+-\w+)*)\s+)?([A-Za-z_][A-Za-z0-9_]*)=/;
const POWERSHELL_ASSIGNMENT = /^\s*(?:\[[^\]]+\]\s*)?\$([A-Za-z_][\w:]*)\s*=/;

/**
 * Lines of a shell or PowerShell script that call IMDS (its IPv4 or IPv6 address, or the
 * `instance-data` host, directly or through a variable holding the URL) with curl, wget,
 * Invoke-WebRequest, Invoke-RestMethod or a WebClient, and send no token: neither the
 * `X-aws-ec2-metadata-token` header nor a variable that holds it or the token.
 *
 * Not flagged: comments, lines that only mention the address (iptables rules, echo),
 * and tools that fetch a token themselves (the AWS CLI and SDKs, ec2-metadata on current AMIs).
 */
export function imdsV1Calls(script: string): ImdsV1Call[] {
  const calls: ImdsV1Call[] = [];
  const tokenVars: string[] = [];
  const urlVars: string[] = [];
  for (const { line, text } of logicalLines(script)) {
    const trimmed = text.trim();
    if (trimmed === '' || (trimmed.startsWith('#') && !trimmed.startsWith('#!')) || /^(?:rem|::)\s/i.test(trimmed)) continue;
    const assigned = BASH_ASSIGNMENT.exec(text)?.[1] ?? POWERSHELL_ASSIGNMENT.exec(text)?.[1];
    const withToken = TOKEN_HEADER.test(text) || TOKEN_ENDPOINT.test(text) || tokenVars.some((v) => references(text, v));
    const toImds = IMDS_ADDRESS.test(text) || urlVars.some((v) => references(text, v));
    if (assigned && withToken) tokenVars.push(assigned);
    if (assigned && toImds && !HTTP_CLIENT.test(text)) urlVars.push(assigned);
    if (toImds && HTTP_CLIENT.test(text) && !withToken) {
      calls.push({ line, text: shorten(trimmed), powershell: POWERSHELL.test(text) });
    }
  }
  return calls;
}

/** True when `text` reads the variable `name` ($name, ${name}; PowerShell names are case-insensitive). */
function references(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\$\\{?${escaped}(?![\\w])`, 'i').test(text);
}

/** Lines joined across `\` (shell) and backtick (PowerShell) continuations, with their first line number. */
function logicalLines(script: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  const lines = script.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let text = lines[i];
    while (/[\\`]\s*$/.test(text) && i + 1 < lines.length) {
      text = text.replace(/[\\`]\s*$/, ' ') + lines[++i];
    }
    out.push({ line: start, text });
  }
  return out;
}

function shorten(text: string): string {
  const oneSpaced = text.replace(/\s+/g, ' ');
  return oneSpaced.length > 120 ? `${oneSpaced.slice(0, 117)}...` : oneSpaced;
}
