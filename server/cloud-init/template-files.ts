/**
 * The files of the published controller cloud-config template (`write_files` entries), each
 * read into the part of our document it means. One function per file; each takes the decoded
 * content and says what it sets, what it reports and what is wrong with it.
 *
 * No message quotes a value: these files carry the sync PSK, the admin's password hash and the
 * single sign-on client secret. Only names (variable names, line numbers) are repeated back.
 */
import { parseDocument } from 'yaml';
import { nestingProblem } from '../config/input-bounds.js';

export interface FileReading {
  /** Document fields by dotted path ("enrollment.site_id"), in the order they were read. */
  set: Array<[path: string, value: unknown]>;
  /** One line each: what was translated ("SITE_ID -> enrollment.site_id") or left out, and why. */
  notes: string[];
  warnings: string[];
  errors: string[];
}

const reading = (): FileReading => ({ set: [], notes: [], warnings: [], errors: [] });

/** A shell variable name, safe to repeat back. */
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The only join strategy the vendor's deployment modules write (docs/decisions/0405). */
export const JOIN_STRATEGY = 'bootstrap-at-failure';

function lines(content: string): Array<{ n: number; line: string }> {
  return content
    .split(/\r?\n/)
    .map((line, i) => ({ n: i + 1, line: line.trim() }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'));
}

/** Strips one pair of matching quotes, as an environment file's reader would. */
function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) return v.slice(1, -1);
  return v;
}

/** `/etc/bowtie-server.d/custom.conf` (the template) or `site.conf` (the Terraform modules). */
export function readSiteConf(content: string, file: string): FileReading {
  const r = reading();
  const seen = new Set<string>();
  for (const { n, line } of lines(content)) {
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq).trim() : '';
    if (!VARIABLE.test(name)) {
      r.errors.push(`${file} line ${n} is not NAME=value`);
      continue;
    }
    if (seen.has(name)) {
      r.errors.push(`${file} sets ${name} twice`);
      continue;
    }
    seen.add(name);
    const value = unquote(line.slice(eq + 1));
    switch (name) {
      case 'SITE_ID':
        r.set.push(['enrollment.site_id', value]);
        r.notes.push(`${file} SITE_ID -> enrollment.site_id`);
        break;
      case 'BOWTIE_SYNC_PSK':
        r.set.push(['enrollment.token', value]);
        r.notes.push(`${file} BOWTIE_SYNC_PSK -> enrollment.token`);
        break;
      case 'BOWTIE_JOIN_STRATEGY':
        if (value === JOIN_STRATEGY) r.notes.push(`${file} BOWTIE_JOIN_STRATEGY=${JOIN_STRATEGY}: what the controller always uses here`);
        else
          r.errors.push(`${file} BOWTIE_JOIN_STRATEGY must be ${JOIN_STRATEGY} (the strategy the vendor's modules write); another value is not carried over`);
        break;
      default:
        r.warnings.push(`${file} ${name}: not a setting bowtie-setup knows; not carried over`);
    }
  }
  return r;
}

/** `/var/lib/bowtie/init-users`: `email:hash` lines; the first is the admin. */
export function readInitUsers(content: string, file: string): FileReading {
  const r = reading();
  const users = lines(content);
  if (users.length === 0) {
    r.notes.push(`${file} is empty: no admin from it`);
    return r;
  }
  const { n, line } = users[0]!;
  const colon = line.indexOf(':$');
  if (colon <= 0) {
    r.errors.push(`${file} line ${n} is not email:hash (an argon2 hash starting with "$")`);
    return r;
  }
  r.set.push(['admin.email', line.slice(0, colon)]);
  r.set.push(['admin.password_hash', line.slice(colon + 1)]);
  r.notes.push(`${file} line ${n} -> admin.email and admin.password_hash`);
  if (users.length > 1) {
    r.warnings.push(
      `${file} lists ${users.length} users; the first is the admin, the other ${users.length - 1} are not created (add them in the controller after setup)`,
    );
  }
  return r;
}

/** `/var/lib/bowtie/should-join.conf`: `entrypoint = host` or `entrypoints = [ "https://...", ... ]`. */
export function readShouldJoin(content: string, file: string): FileReading {
  const r = reading();
  const entries = lines(content);
  const urls: string[] = [];
  for (const { n, line } of entries) {
    const m = /^(entrypoints?)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      r.errors.push(`${file} line ${n} is neither entrypoint = host nor entrypoints = [ "https://..." ]`);
      continue;
    }
    const value = m[2]!.trim();
    if (m[1] === 'entrypoint') {
      const host = unquote(value);
      urls.push(/^https?:\/\//i.test(host) ? host : `https://${host}`);
      continue;
    }
    const list = quotedList(value);
    if (!list) {
      r.errors.push(`${file} line ${n}: entrypoints must be a list of quoted URLs, [ "https://host", ... ]`);
      continue;
    }
    urls.push(...list);
  }
  if (urls.length > 0) {
    r.set.push(['enrollment.entrypoints', urls]);
    r.notes.push(`${file} -> enrollment.entrypoints`);
  } else if (r.errors.length === 0) {
    r.notes.push(`${file} names no entrypoint: a new cluster`);
  }
  return r;
}

/** `[ "a", "b" ]` (a trailing comma allowed) as its strings; null for anything else. No regex over the whole: it is user input of any length. */
function quotedList(value: string): string[] | null {
  if (!value.startsWith('[') || !value.endsWith(']')) return null;
  const items = value
    .slice(1, -1)
    .split(',')
    .map((item) => item.trim());
  if (items.length > 0 && items.at(-1) === '') items.pop();
  const out: string[] = [];
  for (const item of items) {
    if (item.length < 2 || !item.startsWith('"') || !item.endsWith('"')) return null;
    const inner = item.slice(1, -1);
    if (inner.includes('"') || inner.includes('\\')) return null;
    out.push(inner);
  }
  return out;
}

/** The redirect URI the template writes: the daemon's own callback, our default. */
const DAEMON_CALLBACK = '$DEX_ORIGIN/dex/callback';
/** Connector settings we carry; every other `config` key is reported. */
const SSO_CONFIG_KEYS: Record<string, string> = {
  issuer: 'sso.issuer',
  clientID: 'sso.client_id',
  clientSecret: 'sso.client_secret',
  redirectURI: 'sso.redirect_uri',
};

/** `/etc/dex/sso.yaml`: the identity broker's connector (type, id, name, config). */
export function readSsoConnector(content: string, file: string): FileReading {
  const r = reading();
  const deep = nestingProblem(content);
  if (deep) {
    r.errors.push(`${file} ${deep}`);
    return r;
  }
  const doc = parseDocument(content, { version: '1.2', uniqueKeys: true, logLevel: 'error', strict: false });
  let value: unknown;
  try {
    value = doc.errors.length === 0 ? doc.toJS({ maxAliasCount: 10 }) : null;
  } catch {
    value = null;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    r.errors.push(`${file} is not a YAML mapping (type, id, name, config)`);
    return r;
  }
  const top = value as Record<string, unknown>;
  for (const key of ['type', 'id', 'name'] as const) {
    if (key in top) {
      r.set.push([`sso.${key}`, top[key]]);
      r.notes.push(`${file} ${key} -> sso.${key}`);
    }
  }
  for (const key of Object.keys(top)) {
    if (!['type', 'id', 'name', 'config'].includes(key)) r.warnings.push(`${file} ${VARIABLE.test(key) ? key : 'a key'}: not carried over`);
  }
  const config = top.config;
  if (!config || typeof config !== 'object' || Array.isArray(config)) {
    r.errors.push(`${file} has no config mapping (issuer, clientID, clientSecret, redirectURI)`);
    return r;
  }
  for (const [key, v] of Object.entries(config as Record<string, unknown>)) {
    const field = SSO_CONFIG_KEYS[key];
    if (key === 'redirectURI' && v === DAEMON_CALLBACK) {
      r.notes.push(`${file} config.redirectURI is the controller's own callback: the default`);
    } else if (field) {
      r.set.push([field, v]);
      r.notes.push(`${file} config.${key} -> ${field}`);
    } else if (v === false || v === null) {
      // The template's defaults ("insecureSkipEmailVerified: false"): nothing is lost.
    } else {
      r.warnings.push(
        `${file} config.${VARIABLE.test(key) ? key : '(a key)'}: not carried over (bowtie-setup sets only issuer, client id and secret, and redirect URI)`,
      );
    }
  }
  return r;
}

/** systemd [Timer] settings the vendor's update file may hold. */
export function readUpdateAt(content: string, file: string): FileReading {
  const r = reading();
  const entries = lines(content);
  if (entries.length === 0) {
    r.notes.push(`${file} is empty: the default update schedule`);
    return r;
  }
  let section: string | null = null;
  // systemd: an empty assignment resets the list; the last non-empty one is what counts.
  const calendars: string[] = [];
  for (const { n, line } of entries) {
    const header = /^\[([^\]]*)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      if (section !== 'Timer') r.errors.push(`${file} line ${n}: only a [Timer] section is understood`);
      continue;
    }
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq).trim() : '';
    const value = line.slice(eq + 1).trim();
    if (section !== 'Timer' || !VARIABLE.test(name)) {
      r.errors.push(`${file} line ${n} is not a setting of a [Timer] section`);
      continue;
    }
    switch (name) {
      case 'OnCalendar':
        if (value === '') calendars.length = 0;
        else calendars.push(value);
        break;
      case 'RandomizedDelaySec':
        r.set.push(['updates.randomized_delay', value]);
        r.notes.push(`${file} RandomizedDelaySec -> updates.randomized_delay`);
        break;
      case 'FixedRandomDelay':
        if (/^(yes|true|on|1)$/i.test(value)) r.warnings.push(`${file} FixedRandomDelay: not carried over (the delay is drawn anew each time)`);
        break;
      case 'OnActiveSec':
        r.errors.push(`${file} OnActiveSec: updates run on a calendar schedule here; give OnCalendar instead`);
        break;
      default:
        r.errors.push(`${file} ${name}: not a timer setting bowtie-setup knows (OnCalendar, RandomizedDelaySec, FixedRandomDelay)`);
    }
  }
  if (calendars.length > 1) r.errors.push(`${file} gives ${calendars.length} OnCalendar schedules; bowtie-setup keeps one`);
  else if (calendars.length === 1) {
    r.set.push(['updates.schedule', calendars[0]!]);
    r.notes.push(`${file} OnCalendar -> updates.schedule`);
  }
  return r;
}
