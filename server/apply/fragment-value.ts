/**
 * What the active fragment says, read back through the Nix evaluator (the fragment is data
 * only; its values come back as JSON), and the part of it that `reset --config` and the
 * console keep: hostname, domain and network, as a partial config document.
 *
 * Never holds a secret: the fragment names secret files by path only.
 */
import { execa } from 'execa';
import type { ConfigDocument } from '../config/schema.js';

/** `bowtie.site` as the renderer writes it (server/nix/render.ts fragmentData). */
export interface FragmentSite {
  hostname: string;
  domain: string | null;
  admin: { email: string } | null;
  network: {
    interface: string | null;
    ipv4: { method: 'dhcp' } | { method: 'static'; address: string; gateway: string };
    ipv6: { method: 'auto' | 'dhcp' | 'off' } | { method: 'static'; address: string; gateway: string | null };
    dns: string[];
    ntp: string[];
  };
  enrollment: { site_id: string } | null;
  tls: { mode: string; certificate: string | null; private_key_file: string | null };
}

export type FragmentRead = { kind: 'none' } | { kind: 'site'; site: FragmentSite } | { kind: 'unreadable'; reason: string };

/** Evaluates `file` (absolute, may hold any character) and returns its `bowtie.site`. */
export async function readFragmentSite(file: string): Promise<FragmentRead> {
  const r = await execa('nix-instantiate', ['--eval', '--strict', '--json', '--expr', '{ f }: if builtins.pathExists f then (import f).bowtie.site or null else "absent"', '--argstr', 'f', file], {
    reject: false,
    env: { PATH: process.env.PATH ?? '', NIX_PATH: '' },
    extendEnv: false,
    stdin: 'ignore',
  });
  if (r.failed && r.exitCode === undefined) return { kind: 'unreadable', reason: `nix-instantiate could not run (${r.shortMessage})` };
  if (r.exitCode !== 0) return { kind: 'unreadable', reason: `nix-instantiate: ${String(r.stderr).trim().split('\n').slice(-1)[0] ?? 'failed'}` };
  const value = JSON.parse(r.stdout) as FragmentSite | null | 'absent';
  if (value === 'absent') return { kind: 'none' };
  if (value === null || typeof value !== 'object' || typeof value.hostname !== 'string' || typeof value.network !== 'object') {
    return { kind: 'unreadable', reason: 'it sets no bowtie.site' };
  }
  return { kind: 'site', site: value };
}

/** The kept part of a site: hostname, domain and network, as a partial document. */
export type KeptDocument = Pick<ConfigDocument, 'hostname' | 'domain' | 'network'>;

/**
 * hostname, domain and network of `site`, in the document's shape (nulls left out), so that
 * validating and rendering it gives the same network values back.
 */
export function keptDocument(site: FragmentSite): KeptDocument {
  const n = site.network;
  const ipv6 = n.ipv6.method === 'static' ? { method: 'static' as const, address: n.ipv6.address, ...(n.ipv6.gateway ? { gateway: n.ipv6.gateway } : {}) } : { method: n.ipv6.method };
  return {
    hostname: site.hostname,
    ...(site.domain ? { domain: site.domain } : {}),
    network: {
      ...(n.interface ? { interface: n.interface } : {}),
      ipv4: n.ipv4.method === 'static' ? { method: 'static', address: n.ipv4.address, gateway: n.ipv4.gateway } : { method: 'dhcp' },
      ipv6,
      ...(n.dns.length ? { dns: [...n.dns] } : {}),
      ...(n.ntp.length ? { ntp: [...n.ntp] } : {}),
    },
  };
}

/** Whether the site holds more than a network configuration (an admin, enrollment, a provided certificate). */
export function holdsMoreThanNetwork(site: FragmentSite): boolean {
  return site.admin !== null || site.enrollment !== null || site.tls.private_key_file !== null || site.tls.certificate !== null;
}
