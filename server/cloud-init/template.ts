/**
 * The published controller cloud-config template, and the Terraform modules' variant of it,
 * translated into our document (docs/decisions/0305). The template configures the daemon by
 * writing its files (`write_files`); we read those files' contents and set the fields they
 * mean. Everything else in the cloud-config stays cloud-init's business and is reported.
 *
 * Reports name keys, paths and line numbers, never a value: the files hold the sync PSK, the
 * admin's password hash and the single sign-on client secret.
 */
import { decodeUtf8 } from '../config/read.js';
import { gunzipCapped } from './gzip.js';
import { readInitUsers, readShouldJoin, readSiteConf, readSsoConnector, readUpdateAt, type FileReading } from './template-files.js';

export type Translation =
  { ok: true; document: Record<string, unknown>; notes: string[]; warnings: string[] } | { ok: false; errors: string[]; notes: string[]; warnings: string[] };

/** The top-level keys the translation acts on; the caller reports every other one. */
export const TEMPLATE_KEYS = new Set(['hostname', 'fqdn', 'prefer_fqdn_over_hostname', 'preserve_hostname', 'write_files', 'users']);

const SITE_CONF = ['/etc/bowtie-server.d/custom.conf', '/etc/bowtie-server.d/site.conf'];
const INIT_USERS = '/var/lib/bowtie/init-users';
const SHOULD_JOIN = '/var/lib/bowtie/should-join.conf';
const SKIP_GUI_INIT = '/var/lib/bowtie/skip-gui-init';
const UPDATE_AT = '/etc/update-at';
const CERTIFICATE = '/etc/ssl/controller.pem';
const PRIVATE_KEY = '/etc/ssl/controller-key.pem';
/** Written by the vendor's Terraform modules; not settings of this document. */
const BACKUP = '/etc/default/backupd';
const RESTORE = '/etc/restore';
const DEX_DIR = /^\/etc\/dex\/[A-Za-z0-9._-]+\.ya?ml$/;

/** A path or name shown in a report only when it is plain. */
const PLAIN_PATH = /^\/[A-Za-z0-9._+/-]{1,200}$/;
const PLAIN_NAME = /^[a-z_][a-z0-9_.-]{0,31}$/;

/** Unfilled placeholders: the template's `{{ NAME }}` and Terraform's `${name}`. */
const PLACEHOLDER = /\{\{-?\s*([A-Za-z_][A-Za-z0-9_.]{0,63})\s*-?\}\}|\$\{\s*([A-Za-z_][A-Za-z0-9_.\-[\]"]{0,63})\s*\}/g;

export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => (m[1] !== undefined ? `{{ ${m[1]} }}` : `\${${m[2]}}`)))];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function writeFiles(top: Record<string, unknown>): Array<Record<string, unknown>> {
  return Array.isArray(top.write_files) ? top.write_files.filter(isRecord) : [];
}

/** True when the cloud-config writes the controller's own files: the published template's layout. */
export function isControllerTemplate(top: Record<string, unknown>): boolean {
  return writeFiles(top).some((f) => typeof f.path === 'string' && (f.path.startsWith('/etc/bowtie-server.d/') || f.path.startsWith('/var/lib/bowtie/')));
}

/** The paths that make it the template, for the message that refuses it beside bowtie_setup. */
export function templatePaths(top: Record<string, unknown>): string[] {
  return writeFiles(top)
    .map((f) => f.path)
    .filter((p): p is string => typeof p === 'string' && (p.startsWith('/etc/bowtie-server.d/') || p.startsWith('/var/lib/bowtie/')) && PLAIN_PATH.test(p));
}

/** cloud-init's write_files encodings (cc_write_files.canonicalize_extraction). */
async function contentOf(entry: Record<string, unknown>, path: string): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
  const raw = entry.content ?? '';
  const encoding = typeof entry.encoding === 'string' ? entry.encoding.toLowerCase() : 'text/plain';
  const gz = ['gz', 'gzip', 'gz+base64', 'gzip+base64', 'gz+b64', 'gzip+b64'].includes(encoding);
  const b64 = ['base64', 'b64', 'gz+base64', 'gzip+base64', 'gz+b64', 'gzip+b64'].includes(encoding);
  let bytes: Uint8Array;
  if (raw instanceof Uint8Array) bytes = raw;
  else if (typeof raw === 'string') {
    if (b64) {
      const compact = raw.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return { ok: false, error: `write_files ${path} says encoding ${encoding} but its content is not base64` };
      bytes = Buffer.from(compact, 'base64');
    } else bytes = Buffer.from(raw, 'utf8');
  } else return { ok: false, error: `write_files ${path} content must be text` };
  if (gz) {
    const out = await gunzipCapped(bytes);
    if (!out.ok) return { ok: false, error: `write_files ${path} says encoding ${encoding} but its content ${out.message}` };
    bytes = out.bytes;
  }
  const text = decodeUtf8(bytes);
  if (text === null) return { ok: false, error: `write_files ${path} content is not UTF-8 text` };
  return { ok: true, text: text.replace(/^\uFEFF/, '') };
}

function setPath(doc: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = doc;
  for (const k of keys.slice(0, -1)) {
    if (!isRecord(at[k])) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys.at(-1)!] = value;
}

export async function translateTemplate(top: Record<string, unknown>): Promise<Translation> {
  const doc: Record<string, unknown> = {};
  const notes: string[] = [];
  const warnings: string[] = [];
  const errors: string[] = [];
  const unfilled = (where: string, text: string) => {
    for (const p of placeholdersIn(text)) errors.push(`${where} holds the placeholder ${p}, never filled in; render the template before boot`);
  };

  // ---- hostname and fqdn (cc_set_hostname: fqdn wins; a dotted hostname is an fqdn) ----
  const fqdn = top.fqdn;
  const hostname = top.hostname;
  for (const [key, v] of [
    ['fqdn', fqdn],
    ['hostname', hostname],
  ] as const) {
    if (v !== undefined && typeof v !== 'string') errors.push(`${key} must be text`);
    else if (typeof v === 'string') unfilled(key, v);
  }
  const name = typeof fqdn === 'string' ? fqdn.trim() : typeof hostname === 'string' ? hostname.trim() : null;
  if (name === null) errors.push('the template sets neither hostname nor fqdn; bowtie-setup needs the host name');
  else {
    if (typeof fqdn === 'string' && typeof hostname === 'string' && hostname.trim() !== name && hostname.trim() !== name.split('.')[0]) {
      errors.push('hostname and fqdn name different hosts; give the same name (or hostname as the first label of fqdn)');
    }
    const dot = name.indexOf('.');
    doc.hostname = dot === -1 ? name : name.slice(0, dot);
    if (dot !== -1) doc.domain = name.slice(dot + 1);
    notes.push(`${typeof fqdn === 'string' ? 'fqdn' : 'hostname'} -> hostname${dot === -1 ? '' : ' and domain'}`);
  }
  if (top.prefer_fqdn_over_hostname !== undefined) notes.push('prefer_fqdn_over_hostname: the appliance always has its fully qualified name (hostname.domain)');
  if (top.preserve_hostname !== undefined) notes.push('preserve_hostname: bowtie-setup sets the host name from the template');

  // ---- write_files ----
  if (top.write_files !== undefined && !Array.isArray(top.write_files)) errors.push('write_files must be a list');
  const seen = new Map<string, string>();
  const once = (kind: string, path: string): boolean => {
    const before = seen.get(kind);
    if (before !== undefined) {
      errors.push(`write_files has ${before} and ${path}; give one`);
      return false;
    }
    seen.set(kind, path);
    return true;
  };
  const take = (r: FileReading) => {
    for (const [path, value] of r.set) setPath(doc, path, value);
    notes.push(...r.notes);
    warnings.push(...r.warnings);
    errors.push(...r.errors);
  };
  let tls = false;
  const entries = Array.isArray(top.write_files) ? top.write_files : [];
  for (const [i, entry] of entries.entries()) {
    if (!isRecord(entry) || typeof entry.path !== 'string') {
      errors.push(`write_files entry ${i + 1} has no path`);
      continue;
    }
    const path = entry.path.trim();
    const shown = PLAIN_PATH.test(path) ? path : `entry ${i + 1}`;
    const known =
      SITE_CONF.includes(path) || [INIT_USERS, SHOULD_JOIN, SKIP_GUI_INIT, UPDATE_AT, CERTIFICATE, PRIVATE_KEY].includes(path) || DEX_DIR.test(path);
    if (path === BACKUP) {
      warnings.push(`write_files ${path}: backup settings are not carried over; set them in the controller after setup`);
      continue;
    }
    if (path === RESTORE) {
      // Starting a new controller where a restore was meant would be a surprise: refuse it.
      errors.push(
        `write_files ${path} asks for a restore from backup at first boot, which bowtie-setup does not do; restore in the controller after setup, or remove the file`,
      );
      continue;
    }
    if (!known) {
      warnings.push(`write_files ${shown}: not a file of the controller template; ignored`);
      continue;
    }
    if (entry.append === true) {
      errors.push(`write_files ${path} appends; the controller template writes its files whole`);
      continue;
    }
    const content = await contentOf(entry, path);
    if (!content.ok) {
      errors.push(content.error);
      continue;
    }
    unfilled(`write_files ${path}`, content.text);
    if (SITE_CONF.includes(path)) {
      if (once('site file', path)) take(readSiteConf(content.text, path));
    } else if (path === INIT_USERS) take(readInitUsers(content.text, path));
    else if (path === SHOULD_JOIN) take(readShouldJoin(content.text, path));
    else if (DEX_DIR.test(path)) {
      if (once('single sign-on connector', path)) take(readSsoConnector(content.text, path));
    } else if (path === SKIP_GUI_INIT) notes.push(`${path}: nothing to do (the controller's own first-run screen is always skipped after setup)`);
    else if (path === UPDATE_AT) take(readUpdateAt(content.text, path));
    else if (path === CERTIFICATE || path === PRIVATE_KEY) {
      tls = true;
      setPath(doc, path === CERTIFICATE ? 'tls.certificate' : 'tls.private_key', content.text);
      notes.push(`${path} -> tls.${path === CERTIFICATE ? 'certificate' : 'private_key'}`);
    }
  }
  if (tls) setPath(doc, 'tls.mode', 'provided');

  // ---- users: root's keys and console password ----
  if (top.users !== undefined && !Array.isArray(top.users)) errors.push('users must be a list');
  for (const [i, user] of (Array.isArray(top.users) ? top.users : []).entries()) {
    if (user === 'default') {
      notes.push("users default: the appliance's own accounts are kept");
      continue;
    }
    const userName = isRecord(user) && typeof user.name === 'string' ? user.name : null;
    const shown = userName !== null && PLAIN_NAME.test(userName) ? userName : `entry ${i + 1}`;
    if (!isRecord(user) || userName !== 'root') {
      warnings.push(`users ${shown}: not created (the appliance has one admin account; keys and console password go to it from the root entry)`);
      continue;
    }
    for (const [key, v] of Object.entries(user)) {
      if (key === 'name') continue;
      if (key === 'ssh_authorized_keys') {
        setPath(doc, 'admin.ssh_authorized_keys', v);
        notes.push('users root ssh_authorized_keys -> admin.ssh_authorized_keys');
      } else if (key === 'hashed_passwd') {
        setPath(doc, 'admin.console_password_hash', v);
        notes.push('users root hashed_passwd -> admin.console_password_hash');
      } else warnings.push(`users root ${PLAIN_NAME.test(key) ? key : '(a key)'}: not carried over`);
    }
  }

  if (errors.length > 0) return { ok: false, errors, notes, warnings };
  return { ok: true, document: doc, notes, warnings };
}
