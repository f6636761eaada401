/**
 * User data formats, as cloud-init reads them (cloudinit/user_data.py): gzip is undone first;
 * MIME when "mime-version:" is near the start, else one part; text/plain parts (and a part
 * without MIME) get their type from their first line ("#cloud-config", "#!", "## template:
 * jinja", ...). Of all that, we read only `bowtie_setup` from cloud-config parts and from a JSON
 * document; every other part is reported as ignored and never run, fetched or rendered.
 */
import type { FieldError } from '../config/schema.js';
import { extractFromCloudConfig, KEY } from './cloud-config.js';
import { gunzipCapped, isGzip } from './gzip.js';
import { MAX_USER_DATA_BYTES } from './limits.js';
import { looksLikeMime, splitMime, type MimePart } from './mime.js';

export type UserDataParse =
  | { kind: 'document'; value: unknown; where: string; ignored: string[] }
  | { kind: 'none'; ignored: string[] }
  | { kind: 'invalid'; errors: FieldError[]; ignored: string[] };

const USER_DATA = '(user data)';

/** cloud-init's DECOMP_TYPES: parts it gunzips before looking at them. */
const GZIP_TYPES = new Set([
  'application/gzip',
  'application/gzip-compressed',
  'application/gzipped',
  'application/x-compress',
  'application/x-compressed',
  'application/x-gunzip',
  'application/x-gzip',
  'application/x-gzip-compressed',
]);

/** Types whose real type comes from the first line (cloud-init's TYPE_NEEDED + x-shellscript). */
const SNIFFED_TYPES = new Set(['text/plain', 'text/x-not-multipart', 'text/x-shellscript']);

/** cloud-init's first-line markers, longest first so that "#cloud-config-archive" wins over "#cloud-config". */
const STARTS_WITH: ReadonlyArray<readonly [string, string]> = (
  [
    ['#include', 'text/x-include-url'],
    ['#include-once', 'text/x-include-once-url'],
    ['#!', 'text/x-shellscript'],
    ['#cloud-config', 'text/cloud-config'],
    ['#upstart-job', 'text/upstart-job'],
    ['#part-handler', 'text/part-handler'],
    ['#cloud-boothook', 'text/cloud-boothook'],
    ['#cloud-config-archive', 'text/cloud-config-archive'],
    ['#cloud-config-jsonp', 'text/cloud-config-jsonp'],
    ['## template: jinja', 'text/jinja2'],
  ] as const
).toSorted((a, b) => b[0].length - a[0].length);

/** What an ignored part is, in words, for the console and the wizard. */
const DESCRIPTIONS: Record<string, string> = {
  'text/x-shellscript': 'a shell script (not run)',
  'text/x-shellscript-per-boot': 'a shell script (not run)',
  'text/x-shellscript-per-instance': 'a shell script (not run)',
  'text/x-shellscript-per-once': 'a shell script (not run)',
  'text/cloud-boothook': 'a boothook (not run)',
  'text/upstart-job': 'an upstart job (not run)',
  'text/part-handler': 'a part handler (not run)',
  'text/x-include-url': 'an include list (not fetched)',
  'text/x-include-once-url': 'an include list (not fetched)',
  'text/cloud-config-archive': 'a cloud-config archive (not read: put bowtie_setup in a #cloud-config part)',
  'text/cloud-config-jsonp': 'a cloud-config JSON patch (not applied)',
  'text/jinja2': 'a jinja template (not rendered)',
};

function sniff(bytes: Uint8Array): string | null {
  // cloud-init compares the start of the payload lowercased, after leading whitespace.
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1').trimStart().toLowerCase();
  for (const [marker, type] of STARTS_WITH) if (head.startsWith(marker)) return type;
  // Not a cloud-init format, but ours: a JSON document with a bowtie_setup key.
  if (head.startsWith('{')) return 'application/json';
  return null;
}

/** A part's file name is user text: shown only when it is a plain file name. */
function partName(index: number, part: MimePart): string {
  const name = part.filename && /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(part.filename) ? `, ${part.filename}` : '';
  return `part ${index + 1} (${part.type}${name})`;
}

export async function parseUserData(raw: Uint8Array): Promise<UserDataParse> {
  const ignored: string[] = [];
  const fail = (message: string): UserDataParse => ({ kind: 'invalid', errors: [{ path: USER_DATA, message }], ignored });
  if (raw.length > MAX_USER_DATA_BYTES) return fail(`is larger than ${MAX_USER_DATA_BYTES} bytes`);
  let bytes: Uint8Array = raw;
  if (isGzip(bytes)) {
    const out = await gunzipCapped(bytes);
    if (!out.ok) return fail(`is gzip-compressed but ${out.message}`);
    bytes = out.bytes;
  }
  if (bytes.length === 0 || Buffer.from(bytes).toString('latin1').trim() === '') return { kind: 'none', ignored };

  // `where` is null when the user data is a single document (no MIME).
  let parts: Array<{ where: string | null; part: MimePart }>;
  if (looksLikeMime(bytes)) {
    const split = await splitMime(bytes);
    if (!split.ok) return fail(`is MIME multipart but ${split.message}`);
    parts = split.parts.map((part, i) => ({ where: partName(i, part), part }));
  } else {
    parts = [{ where: null, part: { type: 'text/x-not-multipart', filename: null, bytes } }];
  }

  const found: Array<{ where: string | null; value: unknown }> = [];
  const errors: FieldError[] = [];
  for (const { where, part } of parts) {
    let type = part.type;
    let payload = part.bytes;
    if (GZIP_TYPES.has(type)) {
      const out = await gunzipCapped(payload);
      if (!out.ok) {
        errors.push({ path: USER_DATA, message: `${lead(where)}${out.message}` });
        continue;
      }
      payload = out.bytes;
      type = 'text/plain';
    }
    if (SNIFFED_TYPES.has(type)) type = sniff(payload) ?? type;

    if (type === 'text/cloud-config' || type === 'application/json') {
      const got = extractFromCloudConfig(payload, where, type === 'application/json' ? 'json' : 'yaml');
      if (got.kind === 'invalid') errors.push(...got.errors);
      else if (got.kind === 'found') {
        found.push({ where, value: got.read.ok ? got.read.value : undefined });
        if (!got.read.ok) errors.push(...got.read.errors);
      } else if (got.note) ignored.push(`${got.note}: no ${KEY} in it`);
      continue;
    }
    if ((type === 'text/jinja2' || type === 'text/cloud-config-archive') && mentionsOurKey(payload)) {
      // cloud-init would find our key once it has rendered or unpacked the part; we do neither,
      // and ignoring a bowtie_setup the author meant to apply would be a silent surprise.
      const what = type === 'text/jinja2' ? 'a jinja template' : 'a cloud-config archive';
      errors.push({ path: USER_DATA, message: `${lead(where)}is ${what} with ${KEY} in it; bowtie-setup reads ${KEY} only from a plain #cloud-config part or a JSON document` });
      continue;
    }
    const description = DESCRIPTIONS[type] ?? (type === 'text/x-not-multipart' || type === 'text/plain' ? 'not a format cloud-init or bowtie-setup reads' : 'a type bowtie-setup does not read');
    ignored.push(`${where ?? 'the user data'} is ${description}: ignored`);
  }

  if (found.length > 1) {
    errors.unshift({
      path: USER_DATA,
      message: `${KEY} is given in ${found.length} places (${found.map((f) => f.where).join(', ')}); give it once (bowtie-setup does not merge them)`,
    });
  }
  if (errors.length > 0) return { kind: 'invalid', errors, ignored };
  if (found.length === 0) return { kind: 'none', ignored };
  return { kind: 'document', value: found[0]!.value, where: found[0]!.where ?? 'the user data', ignored };
}

/** Error messages name the part; for plain user data the path "(user data)" says it all. */
function lead(where: string | null): string {
  return where ? `${where} ` : '';
}

function mentionsOurKey(bytes: Uint8Array): boolean {
  return new RegExp(`^\\s*["']?${KEY}["']?\\s*:`, 'm').test(Buffer.from(bytes).toString('utf8'));
}
