/**
 * The whole active site read back from the fragment (through the evaluator, parsed with a
 * strict schema: a fragment with anything the renderer does not write is refused, so `export`
 * never drops a value silently), and turned back into a config document whose rendering gives
 * the same fragment. The fragment names secrets by file only: each secret that is set becomes
 * a placeholder (server/config/placeholder.ts) to fill in.
 */
import { z } from 'zod';
import { placeholder } from '../config/placeholder.js';
import { IPV6_METHODS, SSO_TYPES, TLS_MODES, UPDATE_CHANNELS, type ConfigDocument } from '../config/schema.js';
import { keptDocument, readFragmentWith } from './fragment-value.js';
import type { SecretName } from './paths.js';
import { SECRET_FIELDS } from './secret-files.js';

const str = z.string().max(64 * 1024);
const list = z.array(str).max(1024);

/** `bowtie.site` exactly as server/nix/render.ts fragmentData writes it. */
export const fragmentDocumentSchema = z.strictObject({
  hostname: str,
  domain: str.nullable(),
  site: z.strictObject({ name: str }),
  admin: z.strictObject({ email: str, password_hash_file: str, ssh_authorized_keys: list, console_password_hash_file: str.nullable() }).nullable(),
  network: z.strictObject({
    interface: str.nullable(),
    ipv4: z.discriminatedUnion('method', [
      z.strictObject({ method: z.literal('dhcp') }),
      z.strictObject({ method: z.literal('static'), address: str, gateway: str }),
    ]),
    ipv6: z.discriminatedUnion('method', [
      z.strictObject({ method: z.enum(IPV6_METHODS.filter((m) => m !== 'static') as ['auto', 'dhcp', 'off']) }),
      z.strictObject({ method: z.literal('static'), address: str, gateway: str.nullable() }),
    ]),
    dns: list,
    ntp: list,
    vlan: z.number().int().optional(),
    mtu: z.number().int().optional(),
    proxy: z.strictObject({ url: str, credentials_file: str.nullable(), no_proxy: list }).optional(),
  }),
  enrollment: z.strictObject({ site_id: str, token_file: str, entrypoints: list }).nullable(),
  tls: z.strictObject({ mode: z.enum(TLS_MODES), certificate: str.nullable(), private_key_file: str.nullable() }),
  updates: z.strictObject({ enable: z.boolean(), schedule: str, randomized_delay: str, channel: z.enum(UPDATE_CHANNELS) }),
  // Written only when set (docs/decisions/0405).
  sso: z
    .strictObject({
      type: z.enum(SSO_TYPES),
      id: str,
      name: str,
      issuer: str.nullable(),
      client_id: str,
      client_secret_file: str,
      redirect_uri: str.nullable(),
    })
    .optional(),
});
export type FragmentDocument = z.infer<typeof fragmentDocumentSchema>;

export function readFragmentDocument(file: string) {
  return readFragmentWith(file, fragmentDocumentSchema);
}

/** A secret the exported document leaves out: where it goes and what to put there. */
export interface SecretToFill {
  path: string;
  what: string;
}

/**
 * The document that renders to `site`'s fragment, every default written out, each secret that
 * is set replaced by its placeholder, and the list of those secrets (in document order).
 */
export function documentFromFragment(site: FragmentDocument): { document: ConfigDocument; secrets: SecretToFill[] } {
  const secrets: SecretToFill[] = [];
  const fill = (name: SecretName, what: string = SECRET_FIELDS[name].hint) => {
    const { field } = SECRET_FIELDS[name];
    secrets.push({ path: field, what });
    return placeholder(field);
  };
  const kept = keptDocument(site);
  const { hostname, domain } = kept;
  // A proxy with credentials: its whole URL is to be filled in (the credentials are in it).
  const withProxyToFill = () => {
    const proxy = site.network.proxy;
    const n = kept.network;
    if (!proxy || proxy.credentials_file === null || !n?.proxy) return n;
    return { ...n, proxy: { ...n.proxy, url: fill('proxyCredentials', `${SECRET_FIELDS.proxyCredentials.hint}; the proxy was ${proxy.url}`) } };
  };
  const a = site.admin;
  const e = site.enrollment;
  const document: ConfigDocument = {
    hostname,
    ...(domain !== undefined ? { domain } : {}),
    site: { name: site.site.name },
    ...(a
      ? {
          admin: {
            email: a.email,
            password: fill('adminPasswordHash'),
            ...(a.ssh_authorized_keys.length ? { ssh_authorized_keys: [...a.ssh_authorized_keys] } : {}),
            ...(a.console_password_hash_file !== null ? { console_password_hash: fill('consolePasswordHash') } : {}),
          },
        }
      : {}),
    // After the admin's: the secrets are listed in document order.
    network: withProxyToFill(),
    ...(e ? { enrollment: { site_id: e.site_id, token: fill('enrollmentToken'), ...(e.entrypoints.length ? { entrypoints: [...e.entrypoints] } : {}) } } : {}),
    tls: {
      mode: site.tls.mode,
      ...(site.tls.certificate !== null ? { certificate: site.tls.certificate } : {}),
      ...(site.tls.private_key_file !== null ? { private_key: fill('tlsPrivateKey') } : {}),
    },
    updates: { ...site.updates },
    ...(site.sso
      ? {
          sso: {
            type: site.sso.type,
            id: site.sso.id,
            name: site.sso.name,
            ...(site.sso.issuer !== null ? { issuer: site.sso.issuer } : {}),
            client_id: site.sso.client_id,
            client_secret: fill('ssoClientSecret'),
            ...(site.sso.redirect_uri !== null ? { redirect_uri: site.sso.redirect_uri } : {}),
          },
        }
      : {}),
  };
  return { document, secrets };
}
