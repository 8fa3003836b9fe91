// Shared, not exported from the package: rendering and size-checking of the documents
// that AWS Organizations stores (service control policies, declarative policies).
import { Token } from 'aws-cdk-lib';
import { checkHopLimit } from '../../engine/hop-limit';

/** AWS Organizations' maximum size of a service control policy document. */
export const SCP_MAX_CHARACTERS = 5120;

/** AWS Organizations' maximum size of a resource control policy document. */
export const RCP_MAX_CHARACTERS = 5120;

/** AWS Organizations' maximum size of a declarative policy document. */
export const DECLARATIVE_POLICY_MAX_CHARACTERS = 10000;

/**
 * The size AWS Organizations counts for `document`, and its text.
 *
 * What is counted: the document without whitespace between JSON elements (`JSON.stringify`
 * with no indentation), measured in UTF-8 bytes. AWS Organizations documents the quota as
 * characters, and an older version of its quota page said "bytes (not characters)"; for
 * the ASCII-only documents these constructs render both are the same number, and bytes is
 * the stricter reading whenever they are not. The console strips whitespace outside
 * strings before counting; the API (and so CloudFormation, the CLI and the SDKs) stores
 * and counts the text exactly as sent, so send the minified text these constructs return.
 */
export function measure(document: unknown): { text: string; size: number } {
  const text = JSON.stringify(document);
  return { text, size: Buffer.byteLength(text, 'utf8') };
}

/** `5,120`: a number with thousands separators, for messages. */
function grouped(n: number): string {
  return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Throw unless `size` is within `limit`.
 *
 * @param who the construct (and path) to name in the message
 * @param kind "service control policy" or "declarative policy"
 * @param hint what to do about it
 */
export function assertWithinQuota(who: string, kind: string, size: number, limit: number, hint: string): void {
  if (size <= limit) return;
  throw new Error(`${who}: the ${kind} document is ${grouped(size)} characters, over the AWS Organizations quota `
    + `of ${grouped(limit)} characters for a ${kind} (counted without whitespace): ${hint}`);
}

/**
 * Throw if `value` holds an unresolved token: a policy document must be literal text, so
 * that its size can be counted here and the same text can be pasted into Organizations.
 */
export function assertLiteral(who: string, name: string, value: string | number): void {
  if (Token.isUnresolved(value)) {
    throw new Error(`${who}: ${name} is a token, expected a literal value: the policy document must be `
      + 'known at synthesis to be size-checked and to be usable outside CloudFormation');
  }
}

/**
 * Throw unless every entry of `arns` is a literal IAM or STS principal ARN (wildcards
 * allowed), each given once: the values of an `aws:PrincipalArn` exemption.
 */
export function assertPrincipalArns(who: string, name: string, arns: readonly string[]): void {
  arns.forEach((arn, i) => {
    assertLiteral(who, `${name}[${i}]`, arn);
    if (!/^arn:[^:]*:(iam|sts)::[^:]*:\S+$/.test(arn)) {
      throw new Error(`${who}: ${name}[${i}] is "${arn}", expected an IAM or STS principal ARN `
        + '(wildcards allowed), such as "arn:aws:iam::*:role/ImdsBreakGlass"');
    }
  });
  if (new Set(arns).size !== arns.length) {
    throw new Error(`${who}: ${name} has duplicates, expected each ARN once`);
  }
}

/** Throw unless `hopLimit` is an integer from 1 to 64 or a token. */
export function assertHopLimit(who: string, name: string, hopLimit: number): void {
  if (Token.isUnresolved(hopLimit)) return;
  checkHopLimit(who, name, hopLimit);
}

/** The path a construct will have once created, for messages thrown before it exists. */
export function describe(construct: string, scopePath: string, id: string): string {
  return `${construct} ${scopePath ? `${scopePath}/${id}` : id}`;
}
