/**
 * OpenStack's network_data.json (config drive `openstack/latest/network_data.json`): `links`
 * (physical NICs by MAC, VLANs on them), `networks` (addresses, DHCP, routes, DNS services on
 * a link) and global `services`. cloud-init reads it in cloudinit/sources/helpers/openstack.py
 * (convert_net_json); the link types it treats as physical are taken as Ethernet here too.
 */
import { z } from 'zod';
import type { FieldError } from '../../config/schema.js';
import { isDefaultDestination, macField, MAX_LIST, mtuField, shortText } from './common.js';
import { emptyDevice, emptyModel, type ModelResult, type NetModel } from './model.js';
import { at, issueErrors, keyPath } from './paths.js';
import { withPrefix } from './v1.js';

/** cloud-init's KNOWN_PHYSICAL_TYPES. */
const PHYSICAL = new Set(['bgpovs', 'bridge', 'cascading', 'dvs', 'ethernet', 'hw_veb', 'hyperv', 'ovs', 'phy', 'tap', 'vhostuser', 'vif']);

const service = z.looseObject({ type: shortText, address: shortText.optional() });
const link = z.looseObject({
  id: shortText,
  type: shortText.optional(),
  ethernet_mac_address: macField.optional(),
  mtu: mtuField.nullable().optional(),
  vlan_link: shortText.optional(),
  vlan_id: z.number().int().optional(),
});
const network = z.looseObject({
  id: shortText.optional(),
  type: shortText,
  link: shortText,
  ip_address: shortText.optional(),
  netmask: shortText.optional(),
  routes: z
    .array(z.looseObject({ network: shortText, netmask: shortText.optional(), gateway: shortText }))
    .max(MAX_LIST)
    .optional(),
  services: z.array(service).max(MAX_LIST).optional(),
});
export const networkDataSchema = z.looseObject({
  links: z.array(link).max(MAX_LIST).optional(),
  networks: z.array(network).max(MAX_LIST).optional(),
  services: z.array(service).max(MAX_LIST).optional(),
});

export function fromNetworkData(value: unknown, label: string): ModelResult {
  const parsed = networkDataSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: issueErrors(label, parsed.error.issues), ignored: [] };
  const errors: FieldError[] = [];
  const fail = (path: string, message: string) => errors.push({ path: at(label, path), message });
  const model: NetModel = emptyModel();
  const data = parsed.data;

  (data.links ?? []).forEach((l, i) => {
    const base = keyPath(['links', i]);
    const type = l.type ?? 'phy';
    if (type === 'vlan') {
      if (l.vlan_link === undefined || l.vlan_id === undefined) return void fail(base, 'a vlan link needs vlan_link and vlan_id');
      const device = emptyDevice(base, l.id, 'vlan');
      device.vlan = { id: { value: l.vlan_id, path: `${base}.vlan_id` }, link: { value: l.vlan_link, path: `${base}.vlan_link` } };
      if (l.mtu != null) device.mtu = { value: l.mtu, path: `${base}.mtu` };
      model.devices.push(device);
    } else if (PHYSICAL.has(type)) {
      if (!l.ethernet_mac_address) return void fail(`${base}.ethernet_mac_address`, 'is required to find the interface');
      const device = emptyDevice(base, l.id, 'ethernet');
      device.mac = { value: l.ethernet_mac_address, path: `${base}.ethernet_mac_address` };
      if (l.mtu != null) device.mtu = { value: l.mtu, path: `${base}.mtu` };
      model.devices.push(device);
    } else {
      fail(
        `${base}.type`,
        type === 'bond'
          ? 'bond links are not supported: bowtie-setup configures one Ethernet interface, optionally with one VLAN'
          : 'is not a link type bowtie-setup reads',
      );
    }
  });

  (data.networks ?? []).forEach((n, i) => {
    const base = keyPath(['networks', i]);
    const device = model.devices.find((d) => d.id === n.link);
    if (!device) return void fail(`${base}.link`, 'names no link in links');
    (n.services ?? []).forEach((s, j) => {
      if (s.type === 'dns' && s.address !== undefined) device.nameservers.push({ value: s.address, path: `${base}.services[${j}].address` });
    });
    switch (n.type) {
      case 'ipv4_dhcp':
        device.dhcp4 = { value: true, path: `${base}.type` };
        return;
      case 'ipv6_dhcp':
      case 'ipv6_dhcpv6-stateful':
        device.dhcp6 = { value: true, path: `${base}.type` };
        return;
      case 'ipv6_slaac':
      case 'ipv6_dhcpv6-stateless':
        return;
      case 'ipv4':
      case 'ipv6': {
        if (n.ip_address === undefined) return void fail(`${base}.ip_address`, 'is required for a static network');
        const cidr = withPrefix(n.ip_address, n.netmask, `${base}.netmask`, `${base}.ip_address`, fail);
        if (cidr) device.addresses.push({ value: cidr, path: `${base}.ip_address` });
        (n.routes ?? []).forEach((r, j) => {
          const where = `${base}.routes[${j}]`;
          const family = isDefaultDestination(r.network, r.netmask);
          if (!family) return void fail(where, 'only a default route (network 0.0.0.0 or ::, netmask 0) can be configured');
          const slot = family === 'ipv4' ? 'gateway4' : 'gateway6';
          const existing = device[slot];
          if (existing && existing.value !== r.gateway) fail(where, `a second default gateway (${existing.path} gives one)`);
          else device[slot] ??= { value: r.gateway, path: `${where}.gateway` };
        });
        return;
      }
      default:
        fail(`${base}.type`, 'must be ipv4, ipv4_dhcp, ipv6, ipv6_dhcp, ipv6_slaac, ipv6_dhcpv6-stateless or ipv6_dhcpv6-stateful');
    }
  });
  (data.services ?? []).forEach((s, j) => {
    if (s.type === 'dns' && s.address !== undefined) model.nameservers.push({ value: s.address, path: keyPath(['services', j, 'address']) });
  });
  if (errors.length > 0) return { ok: false, errors, ignored: model.ignored };
  return { ok: true, model };
}
