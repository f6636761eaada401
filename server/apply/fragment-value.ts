/**
 * What the active fragment says, read back through the Nix evaluator (the fragment is data
 * only; its values come back as JSON), and the part of it that `reset --config` and the
 * console keep: hostname, domain and network, as a partial config document.
 *
 * Never holds a secret: the fragment names secret files by path only.
 */
import { execa } from 'execa';
import { z } from 'zod';
import type { ConfigDocument } from '../config/schema.js';

/**
 * `bowtie.site` as the renderer writes it (server/nix/render.ts fragmentData): the evaluator's
 * JSON is parsed with this schema, never cast (docs/decisions/0600). Only the parts read back
 * are described; the rest of the site is left out of the parsed value.
 */
const str = z.string().max(64 * 1024);
const fragmentSiteSchema = z.object({
  hostname: str,
  domain: str.nullable(),
  admin: z.object({ email: str, ssh_authorized_keys: z.array(str).default([]), console_password_hash_file: str.nullable().default(null) }).nullable(),
  network: z.object({
    interface: str.nullable(),
    ipv4: z.discriminatedUnion('method', [z.object({ method: z.literal('dhcp') }), z.object({ method: z.literal('static'), address: str, gateway: str })]),
    ipv6: z.discriminatedUnion('method', [
      z.object({ method: z.enum(['auto', 'dhcp', 'off']) }),
      z.object({ method: z.literal('static'), address: str, gateway: str.nullable() }),
    ]),
    dns: z.array(str),
    ntp: z.array(str),
    // Absent in fragments written before these fields existed.
    vlan: z.number().int().nullable().optional(),
    mtu: z.number().int().nullable().optional(),
    proxy: z
      .object({ url: str, no_proxy: z.array(str) })
      .nullable()
      .optional(),
  }),
  enrollment: z.object({ site_id: str }).nullable(),
  tls: z.object({ mode: str, certificate: str.nullable(), private_key_file: str.nullable() }),
  // Written only when the document has single sign-on.
  sso: z.object({ id: str }).nullable().optional(),
});
export type FragmentSite = z.infer<typeof fragmentSiteSchema>;

export type FragmentRead = { kind: 'none' } | { kind: 'site'; site: FragmentSite } | { kind: 'unreadable'; reason: string };

/** Evaluates `file` (absolute, may hold any character) and returns its `bowtie.site`. */
export async function readFragmentSite(file: string): Promise<FragmentRead> {
  const read = await readFragmentWith(file, fragmentSiteSchema);
  return read.kind === 'site' ? { kind: 'site', site: read.site } : read;
}

/** As readFragmentSite, parsed with `schema` (a caller that needs more of the site, or all of it). */
export async function readFragmentWith<T>(
  file: string,
  schema: z.ZodType<T>,
): Promise<{ kind: 'none' } | { kind: 'site'; site: T } | { kind: 'unreadable'; reason: string }> {
  const r = await execa(
    'nix-instantiate',
    ['--eval', '--strict', '--json', '--expr', '{ f }: if builtins.pathExists f then (import f).bowtie.site or null else "absent"', '--argstr', 'f', file],
    {
      reject: false,
      env: { PATH: process.env.PATH ?? '', NIX_PATH: '' },
      extendEnv: false,
      stdin: 'ignore',
    },
  );
  if (r.failed && r.exitCode === undefined) return { kind: 'unreadable', reason: `nix-instantiate could not run (${r.shortMessage})` };
  if (r.exitCode !== 0) return { kind: 'unreadable', reason: `nix-instantiate: ${r.stderr.trim().split('\n').slice(-1)[0] ?? 'failed'}` };
  let value: unknown;
  try {
    value = JSON.parse(r.stdout);
  } catch {
    return { kind: 'unreadable', reason: 'the evaluator did not answer with JSON' };
  }
  if (value === 'absent') return { kind: 'none' };
  if (value === null) return { kind: 'unreadable', reason: 'it sets no bowtie.site' };
  const site = schema.safeParse(value);
  if (!site.success)
    return {
      kind: 'unreadable',
      reason: `its bowtie.site is not in the expected form (${[...new Set(site.error.issues.flatMap(issuePaths))].slice(0, 5).join(', ')})`,
    };
  return { kind: 'site', site: site.data };
}

/** Where an issue is; an unknown key is named by its own path (the evaluator's keys are plain names). */
function issuePaths(i: z.core.$ZodIssue): string[] {
  const at = i.path.map(String);
  if (i.code === 'unrecognized_keys') return i.keys.map((k) => [...at, k].join('.'));
  return [at.join('.') || '(top level)'];
}

/** The kept part of a site: hostname, domain, network and (reset --config) the admin's access, as a partial document. */
export type KeptDocument = Pick<ConfigDocument, 'hostname' | 'domain' | 'network' | 'admin'>;

/**
 * hostname, domain and network of `site`, in the document's shape (nulls left out), so that
 * validating and rendering it gives the same network values back.
 */
export function keptDocument(site: FragmentSite): KeptDocument {
  const n = site.network;
  const ipv6 =
    n.ipv6.method === 'static'
      ? { method: 'static' as const, address: n.ipv6.address, ...(n.ipv6.gateway ? { gateway: n.ipv6.gateway } : {}) }
      : { method: n.ipv6.method };
  return {
    hostname: site.hostname,
    ...(site.domain ? { domain: site.domain } : {}),
    network: {
      ...(n.interface ? { interface: n.interface } : {}),
      ipv4: n.ipv4.method === 'static' ? { method: 'static', address: n.ipv4.address, gateway: n.ipv4.gateway } : { method: 'dhcp' },
      ipv6,
      ...(n.dns.length ? { dns: [...n.dns] } : {}),
      ...(n.ntp.length ? { ntp: [...n.ntp] } : {}),
      ...(n.vlan != null ? { vlan: n.vlan } : {}),
      ...(n.mtu != null ? { mtu: n.mtu } : {}),
      // The proxy's credentials stay in their secret file; a reset keeps the URL without them
      // (a partial site runs neither the daemon nor updates, docs/decisions/0670).
      ...(n.proxy ? { proxy: { url: n.proxy.url, ...(n.proxy.no_proxy.length ? { no_proxy: [...n.proxy.no_proxy] } : {}) } } : {}),
    },
  };
}

/**
 * Whether the site holds more than a network configuration and the admin's access (an
 * enrollment, a provided certificate, single sign-on): what a network-only document from the console, which
 * carries the admin along (docs/decisions/0523), would drop.
 */
export function holdsMoreThanNetwork(site: FragmentSite): boolean {
  return site.enrollment !== null || site.tls.private_key_file !== null || site.tls.certificate !== null || (site.sso ?? null) !== null;
}
