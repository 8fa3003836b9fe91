import { decodeIfBase64 } from './base64-text';
import { Json, isIntrinsic, isPlainObject } from './json';
import { Finding, ResourceView } from './model';
import { adapterFor } from './resource-table';
import { Imdsv2RuleId } from './rule-id';
import { scriptCommands } from './user-data-commands';

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

const IMDS_ADDRESS = /169\.254\.169\.254|fd00:ec2::254|\/\/instance-data(?:\.ec2\.internal)?\b/i;
/**
 * An HTTP client, by name or by path (`/usr/bin/curl`, `C:\\...\\curl.exe`): after a word boundary
 * of shell, PowerShell or a YAML flow list (`[ curl, … ]`).
 */
const HTTP_CLIENT = /(?:^|[\s;|&(`'"=[,{])(?:[A-Za-z]:)?(?:[\w.~-]*[\\/])*(?:curl|wget|Invoke-WebRequest|Invoke-RestMethod|iwr|irm)(?:\.exe)?(?=[\s'",\])]|$)|Net\.WebClient|\.Download(?:String|File|Data)(?:Async|TaskAsync)?\s*\(/i;
const POWERSHELL = /Invoke-WebRequest|Invoke-RestMethod|(?:^|[\s(])(?:iwr|irm)\s|Net\.WebClient|\.Download(?:String|File|Data)\s*\(/i;
/** The token header; `X-aws-ec2-metadata-token-ttl-seconds` only asks for a token and is not one. */
const TOKEN_HEADER = /x-aws-ec2-metadata-token(?!-ttl-seconds)/i;
const TOKEN_ENDPOINT = /\/api\/token\b/i;
/** A URL (or `$VAR/…` path) to the token endpoint, up to the next blank or quote. */
const TOKEN_URL = /[^\s'"]*\/api\/token\b[^\s'"]*/gi;
const BASH_ASSIGNMENT = /^\s*(?:(?:export|local|readonly|declare(?:\s+-\w+)*)\s+)?([A-Za-z_][A-Za-z0-9_]*)=/;
const POWERSHELL_ASSIGNMENT = /^\s*(?:\[[^\]]+\]\s*)?\$([A-Za-z_][\w:]*)\s*=/;
/** `$wc.Headers.Add('X-aws-ec2-metadata-token', $t)` (WebClient) or `$h.Add(…)` (a header dictionary): `$wc` sends the token. */
const TOKEN_HEADER_ADDED = /^\s*\$([A-Za-z_]\w*)(?:\.Headers)?\.Add\s*\(\s*['"]x-aws-ec2-metadata-token['"]/i;

/** A variable that holds an IMDS URL; `token` when it is the token endpoint's. */
interface UrlVar {
  readonly name: string;
  readonly token: boolean;
}

/**
 * Commands of a shell, PowerShell or cloud-init script that call IMDS (its IPv4 or IPv6
 * address, or the `instance-data` host, directly or through a variable holding the URL) with
 * curl, wget, Invoke-WebRequest, Invoke-RestMethod or a WebClient (by name or by path), and
 * send no token: neither the `X-aws-ec2-metadata-token` header nor a variable that holds it
 * or the token. The `…-ttl-seconds` header alone is not a token.
 *
 * Each command is judged on its own (see scriptCommands for how a script is split): a token
 * request on the same line does not excuse a tokenless call, and comments are not read.
 *
 * Not flagged: the token request itself (a call whose only IMDS URL is `/latest/api/token`),
 * commands that only mention the address (iptables rules, echo), and tools that fetch a token
 * themselves: the AWS CLI and SDKs, and `ec2-metadata` (amazon-ec2-utils has sent a token by
 * default for years; a very old AMI's copy may not, which this rule cannot see).
 */
export function imdsV1Calls(script: string): ImdsV1Call[] {
  const calls: ImdsV1Call[] = [];
  const tokenVars: string[] = [];
  const urlVars: UrlVar[] = [];
  const readsAny = (text: string, names: readonly string[]) => names.some((v) => references(text, v));
  /** True when `text` calls the token endpoint and no other IMDS URL. */
  const tokenRequest = (text: string) => {
    const tokenVarRefs = urlVars.filter((v) => v.token).map((v) => v.name);
    if (!TOKEN_ENDPOINT.test(text) && !readsAny(text, tokenVarRefs)) return false;
    const rest = tokenVarRefs.reduce((t, v) => t.replace(readOf(v), ' '), text.replace(TOKEN_URL, ' '));
    return !IMDS_ADDRESS.test(rest) && !readsAny(rest, urlVars.map((v) => v.name));
  };
  for (const { line, text, full } of scriptCommands(script)) {
    const assigned = BASH_ASSIGNMENT.exec(text)?.[1] ?? POWERSHELL_ASSIGNMENT.exec(text)?.[1] ?? TOKEN_HEADER_ADDED.exec(text)?.[1];
    const client = HTTP_CLIENT.test(text);
    const toImds = IMDS_ADDRESS.test(text) || readsAny(text, urlVars.map((v) => v.name));
    const withToken = TOKEN_HEADER.test(text) || readsAny(text, tokenVars);
    // What a variable holds is the whole command, its `$( … )` included: TOKEN=$(curl -X PUT …).
    if (assigned && (TOKEN_HEADER.test(full) || readsAny(full, tokenVars) || (HTTP_CLIENT.test(full) && tokenRequest(full)))) {
      tokenVars.push(assigned);
    }
    if (assigned && toImds && !client) urlVars.push({ name: assigned, token: tokenRequest(text) });
    if (toImds && client && !withToken && !tokenRequest(text)) {
      calls.push({ line, text: shorten(text), powershell: POWERSHELL.test(text) });
    }
  }
  return calls;
}

/** True when `text` reads the variable `name` ($name, ${name}; PowerShell names are case-insensitive). */
function references(text: string, name: string): boolean {
  return readOf(name).test(text);
}

/** Every read of the variable `name` in a text. */
function readOf(name: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\$\\{?${escaped}(?![\\w])\\}?`, 'gi');
}

function shorten(text: string): string {
  const oneSpaced = text.replace(/\s+/g, ' ');
  return oneSpaced.length > 120 ? `${oneSpaced.slice(0, 117)}...` : oneSpaced;
}
