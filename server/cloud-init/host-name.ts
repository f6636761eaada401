/**
 * The host name a cloud-config sets, as cloud-init's set_hostname module sets it
 * (cloudinit/config/cc_set_hostname.py, util.get_hostname_fqdn): nothing when
 * `preserve_hostname` is true; else `fqdn` wins, its first label the host name unless
 * `hostname` is given; a `hostname` with a dot in it (not first) is an fqdn; a `hostname` alone
 * is the host name, the domain staying the machine's own.
 *
 * Used where our document has no host name of its own to give: a seed whose user data has no
 * `bowtie_setup` but a network configuration (Proxmox writes `hostname` and `fqdn` there), which
 * otherwise got the image's name. A name our document cannot hold (an underscore, a dot in the
 * host name, a trailing dot) is not taken, and the console says why: the seed's network is
 * still applied. Lines name keys, never values.
 */
import { FQDN_MAX } from '../config/limits.js';
import { dnsNameProblem, hostnameProblem } from '../config/names.js';

/** The top-level cloud-config keys that module reads. */
export const HOST_KEYS = ['hostname', 'fqdn', 'preserve_hostname', 'prefer_fqdn_over_hostname'] as const;
export type HostKey = (typeof HOST_KEYS)[number];

/** Those keys as the user data's cloud-config parts set them (a later part replaces, as cloud-init's dict(replace) merge does). */
export interface HostKeys {
  /** The part that set them last, for the lines ("part 2 (text/cloud-config)"), or null for the whole user data. */
  where: string | null;
  values: Partial<Record<HostKey, unknown>>;
}

export interface HostName {
  /** Null: the image's host name stays (none given, preserve_hostname, or not one the document can hold). */
  hostname: string | null;
  domain: string | null;
  /** What was taken, for the console's notes. */
  notes: string[];
  /** What was not, and why. */
  ignored: string[];
}

/** cloud-init's util.translate_bool: falsy values are false, a bool itself, else str(value) is one of its true words. */
function translateBool(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v) && v.length === 0) return false;
  if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) return false;
  if (typeof v === 'boolean') return v;
  const text = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
  return ['true', '1', 'on', 'yes'].includes(text.trim().toLowerCase());
}

/** Python's str() of a YAML scalar, for the values it is the same for; null for the rest. */
function pythonStr(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null) return 'None';
  return null;
}

export function hostNameAsCloudInit(keys: HostKeys): HostName {
  const at = keys.where ?? 'the user data';
  const cfg = keys.values;
  const out: HostName = { hostname: null, domain: null, notes: [], ignored: [] };
  const has = (k: HostKey) => k in cfg;
  if (has('prefer_fqdn_over_hostname')) out.ignored.push(`${at} key prefer_fqdn_over_hostname: not acted on; the appliance's name is always hostname.domain`);
  if (!has('hostname') && !has('fqdn')) {
    if (has('preserve_hostname')) out.ignored.push(`${at} key preserve_hostname: not acted on; the user data sets no host name`);
    return out;
  }
  if (translateBool(cfg.preserve_hostname)) {
    out.ignored.push(`${at} keys hostname and fqdn: not acted on; preserve_hostname is set, so the image's host name stays, as cloud-init would keep it`);
    return out;
  }
  if (has('preserve_hostname')) out.notes.push(`${at} preserve_hostname is false: the host name is set`);

  const notTaken = (why: string): HostName => {
    out.ignored.push(`${at} host name: not taken (${why}); the image's host name stays`);
    return out;
  };
  let hostname: string;
  let fqdn: string | null;
  let from: string;
  if (has('fqdn')) {
    if (typeof cfg.fqdn !== 'string') return notTaken('fqdn must be text');
    if (has('hostname')) {
      // util.get_cfg_option_str: str() of what YAML read (hostname: on is "True" to cloud-init).
      const text = pythonStr(cfg.hostname);
      if (text === null) return notTaken('hostname must be text');
      hostname = text;
      from = 'hostname';
    } else {
      hostname = cfg.fqdn.split('.')[0]!;
      from = 'fqdn';
    }
    fqdn = cfg.fqdn;
  } else {
    if (typeof cfg.hostname !== 'string') return notTaken('hostname must be text');
    const dot = cfg.hostname.indexOf('.');
    // cloud-init's `find(".") > 0`: a leading dot does not make an fqdn.
    hostname = dot > 0 ? cfg.hostname.slice(0, dot) : cfg.hostname;
    fqdn = dot > 0 ? cfg.hostname : null;
    from = 'hostname';
  }
  const problem = hostnameProblem(hostname);
  if (problem) return notTaken(`the name cloud-init would set from ${from} ${problem}`);
  out.hostname = hostname;

  if (fqdn === null) {
    out.notes.push(`${at} ${from} -> hostname`);
    return out;
  }
  const fqdnKey = has('fqdn') ? 'fqdn' : 'hostname';
  if (!fqdn.startsWith(`${hostname}.`)) {
    out.notes.push(`${at} ${from} -> hostname`);
    out.ignored.push(
      `${at} ${fqdnKey}: its domain is not taken (the fully qualified name does not start with the host name; the document's is hostname.domain)`,
    );
    return out;
  }
  const domain = fqdn.slice(hostname.length + 1);
  const domainProblem = dnsNameProblem(domain) ?? (fqdn.length > FQDN_MAX ? `makes a name longer than ${FQDN_MAX} characters` : null);
  if (domainProblem) {
    out.notes.push(`${at} ${from} -> hostname`);
    out.ignored.push(`${at} ${fqdnKey}: its domain is not taken (it ${domainProblem})`);
    return out;
  }
  out.domain = domain;
  out.notes.push(fqdnKey === from ? `${at} ${from} -> hostname and domain` : `${at} ${from} -> hostname, ${fqdnKey} -> domain`);
  return out;
}
