/**
 * Step 2, the appliance's name and network: hostname and domain, the interface (discovered
 * from <root>/sys/class/net, current addresses shown), IPv4 by DHCP or static, IPv6 mode,
 * DNS and NTP servers; behind "Advanced", a VLAN, the MTU and an outbound proxy.
 *
 * The proxy URL may carry a user name and password, which are a secret (docs/decisions/0670):
 * the form shows the URL without them and says they are set; a URL typed without them keeps
 * the stored ones, like the enrollment token.
 */
import { verifyPassword } from '../../config/hash-password.js';
import { PASSWORD_MIN } from '../../config/limits.js';
import { fqdnOf } from '../../config/names.js';
import { parseProxyUrl, proxyUrlWithoutCredentials } from '../../config/proxy.js';
import type { FieldError } from '../../config/schema.js';
import type { DraftDocument } from '../draft.js';
import { NETWORK_FIELDS } from './fields.js';
import { compact, stepErrors, type FormStep } from '../step.js';
import { networkView } from '../../../views/steps/network.js';

export const networkStep: FormStep = {
  name: 'network',
  title: 'Name and network',
  fields: NETWORK_FIELDS,
  intro: 'How the appliance is named and reached. Changing the address moves this wizard too: after applying, you confirm the change at the new address.',
  isDone: (doc) => doc.hostname !== undefined,
  valuesOf(doc) {
    const n = doc.network;
    const v4 = n?.ipv4;
    const v6 = n?.ipv6;
    return {
      hostname: doc.hostname ?? '',
      domain: doc.domain ?? '',
      'network.interface': n?.interface ?? '',
      'network.ipv4.method': v4?.method ?? 'dhcp',
      'network.ipv4.address': v4?.method === 'static' ? v4.address : '',
      'network.ipv4.gateway': v4?.method === 'static' ? v4.gateway : '',
      'network.ipv6.method': v6?.method ?? 'auto',
      'network.ipv6.address': v6?.method === 'static' ? v6.address : '',
      'network.ipv6.gateway': v6?.method === 'static' ? (v6.gateway ?? '') : '',
      'network.dns': (n?.dns ?? []).join('\n'),
      'network.ntp': (n?.ntp ?? []).join('\n'),
      'network.vlan': n?.vlan === undefined ? '' : String(n.vlan),
      'network.mtu': n?.mtu === undefined ? '' : String(n.mtu),
      'network.proxy.url': n?.proxy ? proxyUrlWithoutCredentials(n.proxy.url) : '',
      'network.proxy.no_proxy': (n?.proxy?.no_proxy ?? []).join('\n'),
    };
  },
  view: networkView,
  async check(form, doc, _deps, only) {
    const t = (name: string) => form.text(name).trim();
    const v4method = t('network.ipv4.method') || 'dhcp';
    const v6method = t('network.ipv6.method') || 'auto';
    // Address fields of a method that is not chosen are ignored (they stay visible without JavaScript).
    const ipv4 = v4method === 'static' ? { method: v4method, address: t('network.ipv4.address'), gateway: t('network.ipv4.gateway') } : { method: v4method };
    const ipv6 =
      v6method === 'static'
        ? compact({ method: v6method, address: t('network.ipv6.address'), gateway: t('network.ipv6.gateway') || undefined })
        : { method: v6method };
    const network = compact({
      interface: t('network.interface') || undefined,
      ipv4,
      ipv6,
      dns: form.list('network.dns'),
      ntp: form.list('network.ntp'),
      vlan: wholeNumber(t('network.vlan')),
      mtu: wholeNumber(t('network.mtu')),
      proxy: proxyOf(t('network.proxy.url'), form.list('network.proxy.no_proxy'), doc.network?.proxy?.url),
    });
    const { domain: _old, ...rest } = doc;
    const document = { ...rest, hostname: t('hostname'), ...(t('domain') ? { domain: t('domain') } : {}), network } as typeof doc;
    const values = {
      hostname: t('hostname'),
      domain: t('domain'),
      'network.interface': t('network.interface'),
      'network.ipv4.method': v4method,
      'network.ipv4.address': t('network.ipv4.address'),
      'network.ipv4.gateway': t('network.ipv4.gateway'),
      'network.ipv6.method': v6method,
      'network.ipv6.address': t('network.ipv6.address'),
      'network.ipv6.gateway': t('network.ipv6.gateway'),
      'network.dns': form.list('network.dns').join('\n'),
      'network.ntp': form.list('network.ntp').join('\n'),
      'network.vlan': t('network.vlan'),
      'network.mtu': t('network.mtu'),
      // Never shown back: the credentials typed into the URL.
      'network.proxy.url': proxyUrlWithoutCredentials(t('network.proxy.url')),
      'network.proxy.no_proxy': form.list('network.proxy.no_proxy').join('\n'),
    };
    const errors = stepErrors(document, ['hostname', 'domain', 'network']);
    // argon2 on every keystroke's check would be slow and concerns the admin's password: the submit runs it.
    if (errors.length === 0 && only === undefined) errors.push(...(await nameIsPassword(document)));
    return { document, errors, values };
  },
};

/** A number field: digits become a number; anything else goes to the schema, which names it. */
function wholeNumber(s: string): number | string | undefined {
  if (s === '') return undefined;
  return /^\d{1,9}$/.test(s) ? Number(s) : s;
}

/**
 * The proxy as the document holds it. A URL typed without credentials keeps those of the stored
 * URL (the form never shows them); an empty URL removes the proxy, credentials and all.
 */
function proxyOf(url: string, noProxy: string[], stored: string | undefined): { url: string; no_proxy?: string[] } | undefined {
  if (url === '') return undefined;
  let full = url;
  const typed = parseProxyUrl(url);
  const old = stored === undefined ? null : parseProxyUrl(stored);
  if (typed.ok && typed.value.credentials === null && old?.ok && old.value.credentials !== null) {
    const at = url.indexOf('://') + 3;
    full = `${url.slice(0, at)}${old.value.credentials}@${url.slice(at)}`;
  }
  return compact({ url: full, no_proxy: noProxy });
}

/**
 * The schema's rule "admin.password must not be the hostname or the fully qualified name" cannot
 * run here as it does for a file: the admin step keeps only the password's argon2id hash. So the
 * names are tried against the hash (as typed and in lower case; names shorter than a password
 * cannot match). The error goes on the field being edited.
 */
async function nameIsPassword(document: DraftDocument): Promise<FieldError[]> {
  const hash = document.admin?.password_hash;
  if (!hash || !document.hostname) return [];
  const names = [document.hostname, fqdnOf(document.hostname, document.domain)].flatMap((n) => [n, n.toLowerCase()]);
  for (const name of new Set(names.filter((n) => n.length >= PASSWORD_MIN))) {
    if (await verifyPassword(hash, name)) {
      return [{ path: 'hostname', message: "must not be the admin password (change the host name or the admin's password)" }];
    }
  }
  return [];
}
