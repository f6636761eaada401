/**
 * What a part that cloud-init does not read looks like, so that the report says what was
 * seen ("starts with a byte order mark", "base64-encoded") instead of only "no bowtie_setup".
 * When such a part holds our document or the controller template, its author meant it to be
 * applied: that is an error, not a quiet "ignored".
 */
import { gunzipCapped, isGzip } from './gzip.js';
import { KEY } from './cloud-config.js';

export interface Seen {
  /** What the part is, in words ("starts with a byte order mark (BOM) before #cloud-config"). */
  description: string;
  /** True when the part holds bowtie_setup or the controller template. */
  ours: boolean;
}

/** bowtie_setup as a key, or a path the controller template writes. */
export function mentionsOurs(bytes: Uint8Array): boolean {
  const text = Buffer.from(bytes).toString('utf8');
  return new RegExp(`^\\s*["']?${KEY}["']?\\s*:`, 'm').test(text) || /\/etc\/bowtie-server\.d\/|\/var\/lib\/bowtie\//.test(text);
}

const BOM = [0xef, 0xbb, 0xbf];

export async function whatIsSeen(payload: Uint8Array, sniff: (bytes: Uint8Array) => string | null): Promise<Seen | null> {
  if (BOM.every((b, i) => payload[i] === b)) {
    const rest = payload.subarray(3);
    const type = sniff(rest);
    return {
      description: `starts with a byte order mark (BOM)${type ? ` before ${markerOf(type)}` : ''}, which cloud-init does not skip`,
      ours: mentionsOurs(rest),
    };
  }
  const head = Buffer.from(payload.subarray(0, 64)).toString('latin1').trimStart().toLowerCase();
  if (/^##\s*template\s*:\s*jinja/.test(head) && !head.startsWith('## template: jinja')) {
    return {
      description: 'starts with a jinja marker cloud-init does not recognise (it needs "## template: jinja", with one space after each "##" and ":")',
      ours: mentionsOurs(payload),
    };
  }
  const text = Buffer.from(payload).toString('latin1').trim();
  if (text.length >= 16 && /^[A-Za-z0-9+/\r\n]+={0,2}$/.test(text)) {
    let decoded: Uint8Array = Buffer.from(text.replace(/\s+/g, ''), 'base64');
    let what = 'base64-encoded';
    if (isGzip(decoded)) {
      const out = await gunzipCapped(decoded);
      if (!out.ok) return null;
      decoded = out.bytes;
      what = 'base64-encoded gzip';
    }
    const type = sniff(decoded);
    const ours = mentionsOurs(decoded);
    if (type || ours)
      return { description: `is ${what}${type ? ` ${markerOf(type)}` : ''} user data, which cloud-init does not decode (give it decoded)`, ours };
  }
  return null;
}

function markerOf(type: string): string {
  return type === 'text/cloud-config' ? '#cloud-config' : type === 'application/json' ? 'a JSON document' : type;
}
