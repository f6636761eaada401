/**
 * A static address must go to one interface (docs/decisions/0641). When the document names
 * none, the interface is the one the appliance would use by default (the first physical NIC
 * with carrier, as DHCP does), chosen by the probe when the fragment is written: otherwise the
 * NixOS module would put the same address on every physical NIC. DHCP needs no pin.
 *
 * A VLAN is pinned the same way: it is one 802.1Q interface on one parent, and networkd cannot
 * create the same VLAN on every physical NIC (site.nix asserts the interface is named).
 */
import type { SiteConfig } from '../config/schema.js';
import { defaultInterface } from '../system/interfaces.js';
import type { SystemProbes } from '../system/probe-types.js';

export async function pinStaticInterface(config: SiteConfig, probes: Pick<SystemProbes, 'interfaces'>): Promise<SiteConfig> {
  const net = config.network;
  if (net.interface || (net.ipv4.method !== 'static' && net.ipv6.method !== 'static' && net.vlan === null)) return config;
  const chosen = defaultInterface(await probes.interfaces());
  return chosen ? { ...config, network: { ...net, interface: chosen.name } } : config;
}
