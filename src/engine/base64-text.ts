import { gunzipSync } from 'zlib';

/**
 * User data is often written as a literal base64 string (optionally gzipped), the form EC2's
 * API takes: the user-data rule and the container-host check both read the text behind it.
 */

/** `text` decoded when it is base64 of (optionally gzipped) text, else `text` itself. */
export function decodeIfBase64(text: string): string {
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
