/**
 * User data formats, as cloud-init reads them (cloudinit/user_data.py): gzip is undone first;
 * MIME when "mime-version:" is near the start, else one part; text/plain parts (and a part
 * without MIME) get their type from their first line ("#cloud-config", "#!", "## template:
 * jinja", ...). Of all that, we read `bowtie_setup` from cloud-config parts and from a JSON
 * document, translate the published controller template (template.ts), read the parts of a
 * `#cloud-config-archive` and jinja with nothing to render (docs/decisions/0305); every other
 * part is reported as ignored and never run, fetched or rendered.
 */
import type { FieldError } from '../config/schema.js';
import { explodeArchive } from './archive.js';
import { extractFromCloudConfig, KEY } from './cloud-config.js';
import { gunzipCapped, isGzip } from './gzip.js';
import { HOST_KEYS, type HostKeys } from './host-name.js';
import { readJinja } from './jinja.js';
import { MAX_USER_DATA_BYTES } from './limits.js';
import { looksLikeMime, splitMime, type MimePart } from './mime.js';
import { nonTextKeyErrors, nonTextKeyLines } from './non-text-keys.js';
import { ACCOUNT_KEYS, adoptDefaultAccount, otherKeyLines } from './other-keys.js';
import { mentionsOurs, whatIsSeen } from './seen.js';
import { isControllerTemplate, templatePaths, TEMPLATE_KEYS, translateTemplate } from './template.js';

export type UserDataParse =
  | { kind: 'document'; value: unknown; where: string; ignored: string[]; notes: string[]; legacyHash?: boolean }
  /** `host`: the keys cloud-init sets the host name from, for a seed whose network configuration is the document (network-config/combine.ts). */
  | { kind: 'none'; ignored: string[]; notes: string[]; host?: HostKeys & { lines: string[] } }
  | { kind: 'invalid'; errors: FieldError[]; ignored: string[]; notes: string[] };

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
  'text/cloud-config-archive': 'a cloud-config archive inside an archive (not read)',
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

interface Found {
  where: string | null;
  value: unknown;
  /** True when the value was translated from the controller template. */
  template: boolean;
}

interface State {
  found: Found[];
  errors: FieldError[];
  ignored: string[];
  notes: string[];
  /** The host name keys of parts without our document, merged; their "not acted on" lines apart. */
  host: HostKeys & { lines: string[] };
}

export async function parseUserData(raw: Uint8Array): Promise<UserDataParse> {
  const st: State = { found: [], errors: [], ignored: [], notes: [], host: { where: null, values: {}, lines: [] } };
  const { ignored, notes } = st;
  const fail = (message: string): UserDataParse => ({ kind: 'invalid', errors: [{ path: USER_DATA, message }], ignored, notes });
  if (raw.length > MAX_USER_DATA_BYTES) return fail(`is larger than ${MAX_USER_DATA_BYTES} bytes`);
  let bytes: Uint8Array = raw;
  if (isGzip(bytes)) {
    const out = await gunzipCapped(bytes);
    if (!out.ok) return fail(`is gzip-compressed but ${out.message}`);
    bytes = out.bytes;
  }
  if (bytes.length === 0 || Buffer.from(bytes).toString('latin1').trim() === '') return { kind: 'none', ignored, notes };

  // `where` is null when the user data is a single document (no MIME).
  let parts: Array<{ where: string | null; part: MimePart }>;
  if (looksLikeMime(bytes)) {
    const split = await splitMime(bytes);
    if (!split.ok) return fail(`is MIME multipart but ${split.message}`);
    parts = split.parts.map((part, i) => ({ where: partName(i, part), part }));
  } else {
    parts = [{ where: null, part: { type: 'text/x-not-multipart', filename: null, bytes } }];
  }
  for (const { where, part } of parts) await readPart(st, where, part, false);

  const { found, errors } = st;
  if (found.length > 1) {
    errors.unshift({
      path: USER_DATA,
      message: `${found.some((f) => f.template) ? `${KEY} or the controller template` : KEY} is given in ${found.length} places (${found.map((f) => f.where ?? 'the user data').join(', ')}); give it once (bowtie-setup does not merge them)`,
    });
  }
  const { host } = st;
  if (errors.length === 0 && found.length === 0) return { kind: 'none', ignored, notes, ...(host.lines.length > 0 ? { host } : {}) };
  // With a document (or none to be had), the host name keys are reported like the others.
  ignored.push(...host.lines);
  if (errors.length > 0) return { kind: 'invalid', errors, ignored, notes };
  const f = found[0]!;
  return { kind: 'document', value: f.value, where: f.where ?? 'the user data', ignored, notes, ...(f.template ? { legacyHash: true } : {}) };
}

async function readPart(st: State, where: string | null, part: MimePart, inArchive: boolean): Promise<void> {
  const { errors, ignored } = st;
  let type = part.type;
  let payload = part.bytes;
  if (GZIP_TYPES.has(type)) {
    const out = await gunzipCapped(payload);
    if (!out.ok) {
      errors.push({ path: USER_DATA, message: `${lead(where)}${out.message}` });
      return;
    }
    payload = out.bytes;
    type = 'text/plain';
  }
  if (SNIFFED_TYPES.has(type)) type = sniff(payload) ?? type;

  if (type === 'text/jinja2') {
    const jinja = readJinja(payload);
    if (jinja.kind === 'plain') {
      // Rendering changes nothing: cloud-init reads the result by its first line, as we do.
      const inner = sniff(jinja.body);
      if (inner === 'text/cloud-config' || inner === 'application/json') {
        st.notes.push(
          `${where ?? 'the user data'} is a jinja template with nothing to render: read as ${inner === 'application/json' ? 'JSON' : '#cloud-config'}`,
        );
        return readPart(st, where, { ...part, type: inner, bytes: jinja.body }, inArchive);
      }
    } else if (jinja.kind === 'construct' && mentionsOurs(payload)) {
      errors.push({
        path: USER_DATA,
        message: `${lead(where)}is a jinja template with ${KEY} or the controller template in it, and uses ${jinja.construct} at line ${jinja.line}; bowtie-setup does not render jinja: render it before boot, or write the value out`,
      });
      return;
    } else if (jinja.kind === 'invalid' && mentionsOurs(payload)) {
      errors.push({ path: USER_DATA, message: `${lead(where)}is a jinja template that ${jinja.message}` });
      return;
    }
  }
  if (type === 'text/cloud-config-archive' && !inArchive) {
    const exploded = explodeArchive(payload, sniff);
    if (!exploded.ok) {
      if (mentionsOurs(payload)) errors.push({ path: USER_DATA, message: `${lead(where)}is a cloud-config archive but ${exploded.message}` });
      else ignored.push(`${where ?? 'the user data'} is a cloud-config archive that ${exploded.message}: ignored`);
      return;
    }
    for (const [i, p] of exploded.parts.entries()) await readPart(st, `${where ? `${where} ` : ''}archive ${partName(i, p)}`, p, true);
    return;
  }

  if (type === 'text/cloud-config' || type === 'application/json') return readCloudConfig(st, where, payload, type === 'application/json' ? 'json' : 'yaml');

  const seen = type === 'text/x-not-multipart' || type === 'text/plain' ? await whatIsSeen(payload, sniff) : null;
  if (seen?.ours || ((type === 'text/jinja2' || type === 'text/cloud-config-archive') && mentionsOurs(payload))) {
    // cloud-init would not read (or we cannot render) a part whose author meant it to apply.
    const what = seen ? seen.description : type === 'text/jinja2' ? 'is a jinja template' : 'is a cloud-config archive inside an archive';
    errors.push({ path: USER_DATA, message: `${lead(where)}${what}, with ${KEY} or the controller template in it; it is not applied` });
    return;
  }
  const description =
    seen?.description ??
    DESCRIPTIONS[type] ??
    (type === 'text/x-not-multipart' || type === 'text/plain' ? 'not a format cloud-init or bowtie-setup reads' : 'a type bowtie-setup does not read');
  ignored.push(`${where ?? 'the user data'} ${seen ? '' : 'is '}${description}: ignored`);
}

async function readCloudConfig(st: State, where: string | null, payload: Uint8Array, format: 'yaml' | 'json'): Promise<void> {
  const { errors, ignored, notes } = st;
  const got = extractFromCloudConfig(payload, where, format);
  if (got.kind === 'invalid') {
    errors.push(...got.errors);
    return;
  }
  const top = got.top;
  const isTemplate = top !== null && isControllerTemplate(top);
  const at = where ?? 'the user data';
  // The top-level keys whose values are read below, in this case: a key in them that cloud-init
  // does not read as a name is refused; elsewhere it is cloud-init's business (decision 0306).
  const read = new Set<string>(got.kind === 'found' ? ACCOUNT_KEYS : isTemplate ? [...TEMPLATE_KEYS, ...ACCOUNT_KEYS] : HOST_KEYS);
  const nonText = got.nonText ?? [];
  const refusedKeys = nonTextKeyErrors(nonText, read, where);
  if (refusedKeys.length > 0) {
    errors.push(...refusedKeys);
    return;
  }
  ignored.push(...nonTextKeyLines(nonText, where));
  if (got.kind === 'found') {
    if (isTemplate) {
      errors.push({
        path: USER_DATA,
        message: `${lead(where)}holds both ${KEY} and the controller template (write_files ${templatePaths(top).join(', ')}); give one (bowtie-setup does not merge them)`,
      });
      return;
    }
    if (!got.read.ok) {
      errors.push(...got.read.errors);
      st.found.push({ where, value: undefined, template: false });
      return;
    }
    const adopted = adoptDefaultAccount(got.read.value, got.top);
    notes.push(...adopted.notes.map((n) => `${at}: ${n}`));
    ignored.push(...adopted.refused.map((n) => `${at}: ${n}`));
    ignored.push(...otherKeyLines(got.top, adopted.handled, where));
    st.found.push({ where, value: adopted.document, template: false });
    return;
  }
  if (isTemplate) {
    const t = await translateTemplate(top);
    notes.push(`${at} is the published controller template; translated:`);
    notes.push(...t.notes.map((n) => `  ${n}`));
    ignored.push(...t.warnings.map((w) => `${at}: ${w}`));
    if (!t.ok) {
      errors.push(...t.errors.map((e) => ({ path: USER_DATA, message: `${lead(where)}the controller template: ${e}` })));
      return;
    }
    const adopted = adoptDefaultAccount(t.document, top);
    notes.push(...adopted.notes.map((n) => `  ${n}`));
    ignored.push(...adopted.refused.map((n) => `${at}: ${n}`));
    ignored.push(...otherKeyLines(top, new Set([...TEMPLATE_KEYS, ...adopted.handled]), where));
    st.found.push({ where, value: adopted.document, template: true });
    return;
  }
  if (got.note) ignored.push(`${got.note}: no ${KEY} in it`);
  if (!top) return;
  ignored.push(...otherKeyLines(top, new Set(HOST_KEYS), where));
  const hostKeys = HOST_KEYS.filter((k) => k in top);
  if (hostKeys.length === 0) return;
  // cloud-init merges cloud-config parts with dict(replace): a later part's key replaces.
  for (const k of hostKeys) st.host.values[k] = top[k];
  st.host.where = where;
  st.host.lines.push(...otherKeyLines(Object.fromEntries(hostKeys.map((k) => [k, top[k]])), new Set(), where));
}

/** Error messages name the part; for plain user data the path "(user data)" says it all. */
function lead(where: string | null): string {
  return where ? `${where} ` : '';
}
