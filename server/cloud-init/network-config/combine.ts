/**
 * The user data's document together with a network configuration (docs/decisions/0310):
 *  - no `bowtie_setup` in the user data: the network configuration alone is a partial document
 *    (the network, and the host name the cloud-config sets as cloud-init would set it, else
 *    the image's: ../host-name.ts; the wizard does the rest);
 *  - `bowtie_setup` without `network`: the network configuration becomes its `network`;
 *  - `bowtie_setup` with `network`: the user data wins, the network configuration is reported
 *    as not used (hypervisors write one even when nothing was asked: Proxmox writes `dhcp4`).
 * A network configuration that cannot be taken is an error and nothing is applied.
 */
import type { NetworkInterface } from '../../system/interfaces.js';
import { KEY } from '../cloud-config.js';
import type { UserDataParse } from '../formats.js';
import { hostNameAsCloudInit } from '../host-name.js';
import { FACTORY_HOSTNAME } from '../partial.js';
import type { NetworkConfigSource } from './find.js';
import { translateNetwork } from './translate.js';

export interface NetworkInput {
  source: NetworkConfigSource;
  interfaces: readonly NetworkInterface[];
}

export type CombinedParse =
  | Exclude<UserDataParse, { kind: 'document' }>
  | (Extract<UserDataParse, { kind: 'document' }> & {
      /** Document paths set from the network configuration -> its keys, for error lines. */
      origin: Record<string, string>;
      /** The document is the network configuration alone. */
      networkOnly: boolean;
    });

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function withNetworkConfig(parsed: UserDataParse, net: NetworkInput | null): CombinedParse {
  // Without a document, the host name keys are acted on only where the network configuration becomes one.
  const hostLines = parsed.kind === 'none' ? (parsed.host?.lines ?? []) : [];
  const plain = (): CombinedParse => {
    if (parsed.kind === 'document') return { ...parsed, origin: {}, networkOnly: false };
    if (parsed.kind === 'none') return { kind: 'none', ignored: [...parsed.ignored, ...hostLines], notes: parsed.notes };
    return parsed;
  };
  if (!net || parsed.kind === 'invalid') return plain();
  const { source } = net;
  const named = `${source.label} (${source.location})`;
  const ignored = [...parsed.ignored];
  if (source.parse.kind === 'none') {
    ignored.push(...hostLines, `${named} ${source.parse.why}: no network configuration in it`);
    return { ...plain(), ignored };
  }
  if (parsed.kind === 'document' && isRecord(parsed.value) && 'network' in parsed.value) {
    ignored.push(`${named} is not used: the user data's ${KEY}.network is (the user data wins; they are not merged)`);
    return { ...parsed, ignored, origin: {}, networkOnly: false };
  }
  if (parsed.kind === 'document' && !isRecord(parsed.value)) return plain();
  if (source.parse.kind === 'invalid')
    return { kind: 'invalid', errors: source.parse.errors, ignored: [...ignored, ...hostLines, ...source.parse.ignored], notes: parsed.notes };
  const t = translateNetwork(source.parse.model, net.interfaces, source.label);
  if (!t.ok) return { kind: 'invalid', errors: t.errors, ignored: [...ignored, ...hostLines, ...t.notes], notes: parsed.notes };
  const host = parsed.kind === 'none' && parsed.host ? hostNameAsCloudInit(parsed.host) : null;
  ignored.push(...(host?.ignored ?? []), ...t.notes);
  if (parsed.kind === 'document') {
    ignored.push(`the network comes from ${named}`);
    return { ...parsed, value: { ...(parsed.value as Record<string, unknown>), network: t.network }, ignored, origin: t.origin, networkOnly: false };
  }
  return {
    kind: 'document',
    // The user data's host name where cloud-init would set one (Proxmox writes hostname and fqdn), else the image's.
    value: { hostname: host?.hostname ?? FACTORY_HOSTNAME, ...(host?.domain ? { domain: host.domain } : {}), network: t.network },
    where: named,
    ignored,
    notes: [...parsed.notes, ...(host?.notes ?? [])],
    origin: t.origin,
    networkOnly: true,
  };
}
