/**
 * The console's first screen: how to claim the appliance (where to open the wizard, the setup
 * code, the wizard certificate's fingerprint), or, after hand-off, where the controller is and
 * whether it runs. Everything is read from the modules that own it, fresh on every showing;
 * nothing here creates a file (the wizard makes the code and the certificate when it starts).
 *
 * The setup code is shown on purpose: it is the claim code for the person at the console.
 * No other secret is read or shown. The console runs as root and the code and certificate sit
 * in the wizard's own directory: they are read without following links (readWizardFile).
 */
import { X509Certificate } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { readFragmentSite } from '../apply/fragment-value.js';
import { BOWTIE_SERVER_UNIT } from '../apply/health.js';
import { readState } from '../apply/journal.js';
import { enginePaths } from '../apply/paths.js';
import { claimFor } from '../auth/claim.js';
import { readCloudInitResult } from '../auth/cloud-init-result.js';
import { formatSetupCode, normalizeSetupCode, SETUP_CODE_ALPHABET, SETUP_CODE_LENGTH, setupCodePath } from '../auth/setup-code.js';
import { fqdnOf } from '../config/names.js';
import { listInterfaces, type NetworkInterface } from '../system/interfaces.js';
import { createProbes } from '../system/probes.js';
import { wizardTlsDir } from '../system/tls.js';

export interface ClaimScreen {
  /** Setup runs (the wizard is up), or the controller has the appliance. */
  phase: 'setup' | 'handed-off';
  hostname: string;
  fqdn: string;
  /** https://<address>/ for each usable address, with the interface it is on. */
  urls: { url: string; interface: string }[];
  /** "ABCD-EFGH-..." or null (not made yet, or pre-claimed). */
  setupCode: string | null;
  /** The admin named by cloud-init user data, who signs in instead of the code. */
  preClaimedBy: string | null;
  /** The wizard certificate's SHA-256 fingerprint, or null before the wizard made one. */
  fingerprint256: string | null;
  /** Handed off: whether bowtie_server is active. */
  controllerActive: boolean | null;
}

export interface ClaimOptions {
  root: string;
  simulate: boolean;
}

/** Addresses someone on the network can reach: not loopback, not link-local. */
export function reachableUrls(interfaces: readonly NetworkInterface[]): { url: string; interface: string }[] {
  const out: { url: string; interface: string }[] = [];
  for (const nic of interfaces) {
    for (const cidr of nic.addresses) {
      const address = cidr.split('/')[0]!.replace(/%.*$/, '');
      const family = isIP(address);
      if (family === 0 || address.startsWith('127.') || address === '::1' || /^fe[89ab]/i.test(address)) continue;
      out.push({ url: `https://${family === 6 ? `[${address}]` : address}/`, interface: nic.name });
    }
  }
  // IPv4 first: shorter to type from a console.
  return out.sort((a, b) => Number(a.url.includes('[')) - Number(b.url.includes('[')));
}

/**
 * A small file in the wizard's directory, read as root: never through a link, without blocking
 * on a FIFO, only a regular file of at most `max` bytes (docs/decisions/0500); else null.
 */
async function readWizardFile(file: string, max = 64 * 1024): Promise<Buffer | null> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = await handle.stat();
    return st.isFile() && st.size <= max ? await handle.readFile() : null;
  } finally {
    await handle.close();
  }
}

async function readSetupCode(root: string): Promise<string | null> {
  try {
    const bytes = await readWizardFile(setupCodePath(root));
    if (!bytes) return null;
    const code = normalizeSetupCode(bytes.toString('utf8'));
    return code.length === SETUP_CODE_LENGTH && [...code].every((c) => SETUP_CODE_ALPHABET.includes(c)) ? code : null;
  } catch {
    return null;
  }
}

/** The fingerprint of the certificate in the wizard's TLS directory (the key is never read). */
async function readFingerprint(root: string): Promise<string | null> {
  const dir = wizardTlsDir(root);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /\.(pem|crt)$/.test(n) && !/key/i.test(n)).sort();
  for (const name of names) {
    try {
      const bytes = await readWizardFile(join(dir, name));
      if (bytes) return new X509Certificate(bytes).fingerprint256;
    } catch {
      // not a certificate
    }
  }
  return null;
}

export async function readClaimScreen(opts: ClaimOptions): Promise<ClaimScreen> {
  const p = enginePaths(opts.root);
  const [site, state, interfaces] = await Promise.all([
    readFragmentSite(p.fragment),
    readState(p.state).catch(() => null),
    listInterfaces(opts.root, opts.simulate),
  ]);
  const hostname = site.kind === 'site' ? site.site.hostname : null;
  const fqdn = site.kind === 'site' ? fqdnOf(site.site.hostname, site.site.domain) : null;
  const urls = reachableUrls(interfaces);
  const handedOff = existsSync(p.handoffMarker) || state?.setup === 'complete';
  if (handedOff) {
    const active = await createProbes(opts).unitActive(BOWTIE_SERVER_UNIT);
    return {
      phase: 'handed-off',
      hostname: hostname ?? '',
      fqdn: fqdn ?? '',
      urls,
      setupCode: null,
      preClaimedBy: null,
      fingerprint256: null,
      controllerActive: active,
    };
  }
  const code = await readSetupCode(opts.root);
  const claim = claimFor(code ?? '', await readCloudInitResult(opts.root));
  return {
    phase: 'setup',
    hostname: hostname ?? '',
    fqdn: fqdn ?? '',
    urls,
    setupCode: claim.kind === 'setup-code' && code ? formatSetupCode(code) : null,
    preClaimedBy: claim.kind === 'admin' ? claim.email : null,
    fingerprint256: await readFingerprint(opts.root),
    controllerActive: null,
  };
}

const LABEL = 16;
const line = (label: string, value: string) => `  ${label.padEnd(LABEL - 2)}${value}`;
const more = (value: string) => `${' '.repeat(LABEL)}${value}`;

/** The screen as ASCII lines of at most 80 columns (VGA and serial consoles). */
export function formatClaimScreen(s: ClaimScreen): string[] {
  const out: string[] = [];
  const urlLines = (label: string, urls: string[], none: string) => {
    if (urls.length === 0) out.push(line(label, none));
    urls.forEach((u, i) => out.push(i === 0 ? line(label, u) : more(u)));
  };
  const withNic = s.urls.map((u) => `${u.url}  (${u.interface})`);
  if (s.phase === 'handed-off') {
    out.push('==== Bowtie Controller ====');
    out.push('  Setup is complete: the controller runs this appliance.');
    urlLines('Controller:', [...(s.fqdn ? [`https://${s.fqdn}/`] : []), ...withNic], '(no address: check the network)');
    out.push(line('Service:', `${BOWTIE_SERVER_UNIT} ${s.controllerActive ? 'active' : 'NOT active'}`));
    out.push('  To set up again keeping the network: 3 (reset), or "bowtie-setup reset".');
    return out;
  }
  out.push('==== Bowtie Controller setup ====');
  urlLines('Open:', withNic, '(no address yet: choose 1 to set up the network)');
  if (s.preClaimedBy) {
    out.push(line('Sign in as:', s.preClaimedBy));
    out.push(more('(named by cloud-init user data; the setup code is'));
    out.push(more('not accepted)'));
  } else {
    out.push(line('Setup code:', s.setupCode ?? '(not made yet: the wizard is starting; 4 refreshes)'));
  }
  if (s.fingerprint256) {
    // 32 bytes as AB:CD:.. is 95 characters: two lines.
    out.push(line('Certificate:', `SHA-256 ${s.fingerprint256.slice(0, 47)}`));
    out.push(more(`        ${s.fingerprint256.slice(48)}`));
  } else {
    out.push(line('Certificate:', '(not made yet: the wizard is starting)'));
  }
  return out;
}
