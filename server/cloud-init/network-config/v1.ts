/**
 * cloud-init network-config version 1: a `config` list of `physical` and `vlan` devices with
 * `subnets` (dhcp4, dhcp6, static, static6, SLAAC, manual), `nameserver` and `route` entries.
 * Proxmox VE writes this for NoCloud (qemu-server, PVE/QemuServer/Cloudinit.pm). Bonds and
 * bridges are errors naming the entry. Reference:
 * https://cloudinit.readthedocs.io/en/latest/reference/network-config-format-v1.html
 */
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import type { FieldError } from '../../config/schema.js';
import { extraKeys, isDefaultDestination, macField, MAX_LIST, mtuField, oneOrMany, shortText } from './common.js';
import { emptyDevice, emptyModel, type Located, type ModelResult, type NetDevice, type NetModel } from './model.js';
import { at, issueErrors, keyPath } from './paths.js';

const route = z.looseObject({
  destination: shortText.optional(),
  network: shortText.optional(),
  netmask: shortText.optional(),
  gateway: shortText,
});
const subnet = z.looseObject({
  type: shortText,
  address: shortText.optional(),
  netmask: z.union([shortText, z.number().int()]).optional(),
  prefix: z.number().int().optional(),
  gateway: shortText.optional(),
  dns_nameservers: oneOrMany.optional(),
  dns_search: oneOrMany.optional(),
  routes: z.array(route).max(MAX_LIST).optional(),
  mtu: mtuField.optional(),
});
const entry = z.looseObject({
  type: shortText,
  name: shortText.optional(),
  mac_address: macField.optional(),
  mtu: mtuField.optional(),
  subnets: z.array(subnet).max(MAX_LIST).optional(),
  vlan_link: shortText.optional(),
  vlan_id: z.number().int().optional(),
  address: oneOrMany.optional(),
  search: oneOrMany.optional(),
  destination: shortText.optional(),
  network: shortText.optional(),
  netmask: shortText.optional(),
  gateway: shortText.optional(),
});
export const v1Schema = z.looseObject({ version: z.literal(1), config: z.array(entry).max(MAX_LIST) });
type Subnet = z.output<typeof subnet>;
type Route = z.output<typeof route>;

const KNOWN_DEVICE = new Set(['type', 'name', 'mac_address', 'mtu', 'subnets', 'vlan_link', 'vlan_id']);
const KNOWN_SUBNET = new Set(['type', 'address', 'netmask', 'prefix', 'gateway', 'dns_nameservers', 'dns_search', 'routes', 'mtu', 'control']);

export function fromV1(value: unknown, label: string): ModelResult {
  const parsed = v1Schema.safeParse(value, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: issueErrors(label, parsed.error.issues), ignored: [] };
  const errors: FieldError[] = [];
  const model: NetModel = emptyModel();
  const fail = (path: string, message: string) => errors.push({ path: at(label, path), message });

  parsed.data.config.forEach((e, i) => {
    const base = keyPath(['config', i]);
    switch (e.type) {
      case 'physical':
      case 'vlan': {
        if (e.name === undefined && e.mac_address === undefined) return void fail(base, 'must give name or mac_address');
        const device = emptyDevice(base, e.name ?? base, e.type === 'physical' ? 'ethernet' : 'vlan');
        if (e.type === 'physical') {
          // cloud-init finds the device by MAC and renames it; the appliance keeps its own name.
          if (e.mac_address) device.mac = { value: e.mac_address, path: `${base}.mac_address` };
          else if (e.name !== undefined) device.name = { value: e.name, path: `${base}.name` };
        } else {
          if (e.vlan_id === undefined) return void fail(`${base}.vlan_id`, 'is required');
          if (e.vlan_link === undefined) return void fail(`${base}.vlan_link`, 'is required');
          device.vlan = { id: { value: e.vlan_id, path: `${base}.vlan_id` }, link: { value: e.vlan_link, path: `${base}.vlan_link` } };
        }
        if (e.mtu !== undefined) device.mtu = { value: e.mtu, path: `${base}.mtu` };
        for (const key of extraKeys(e, KNOWN_DEVICE)) model.ignored.push(`${label} ${base}.${keyPath([key])}: not used by bowtie-setup`);
        (e.subnets ?? []).forEach((s, j) => readSubnet(s, `${base}.subnets[${j}]`, device, model, fail, label));
        model.devices.push(device);
        return;
      }
      case 'nameserver':
        (e.address ?? []).forEach((a, j) => model.nameservers.push({ value: a, path: `${base}.address[${j}]` }));
        if (e.search?.length) model.search.push(`${base}.search`);
        return;
      case 'route': {
        const family = isDefaultDestination(e.destination ?? e.network ?? '', e.netmask);
        if (!family || e.gateway === undefined) return void fail(base, 'only a default route (destination 0.0.0.0/0 or ::/0 with a gateway) can be configured');
        setGateway(model, family, { value: e.gateway, path: `${base}.gateway` }, base, fail);
        return;
      }
      case 'bond':
      case 'bridge':
      case 'infiniband':
        return void fail(`${base}.type`, `${e.type} interfaces are not supported: bowtie-setup configures one Ethernet interface, optionally with one VLAN`);
      default:
        return void fail(`${base}.type`, 'must be physical, vlan, nameserver or route');
    }
  });
  if (errors.length > 0) return { ok: false, errors, ignored: model.ignored };
  return { ok: true, model };
}

type Fail = (path: string, message: string) => void;

function setGateway(holder: NetModel | NetDevice, family: 'ipv4' | 'ipv6', gw: Located<string>, where: string, fail: Fail): void {
  const slot = family === 'ipv4' ? 'gateway4' : 'gateway6';
  const existing = holder[slot];
  if (existing && existing.value !== gw.value) fail(where, `a second default ${family === 'ipv4' ? 'IPv4' : 'IPv6'} gateway (${existing.path} gives one)`);
  else holder[slot] ??= gw;
}

function readSubnet(s: Subnet, base: string, device: NetDevice, model: NetModel, fail: Fail, label: string): void {
  for (const key of extraKeys(s, KNOWN_SUBNET)) model.ignored.push(`${label} ${base}.${keyPath([key])}: not used by bowtie-setup`);
  (s.dns_nameservers ?? []).forEach((a, j) => device.nameservers.push({ value: a, path: `${base}.dns_nameservers[${j}]` }));
  if (s.dns_search?.length) device.search.push(`${base}.dns_search`);
  if (s.mtu !== undefined) device.mtu ??= { value: s.mtu, path: `${base}.mtu` };
  switch (s.type) {
    case 'dhcp':
    case 'dhcp4':
      device.dhcp4 = { value: true, path: `${base}.type` };
      break;
    case 'dhcp6':
    case 'ipv6_dhcpv6-stateful':
      device.dhcp6 = { value: true, path: `${base}.type` };
      break;
    case 'ipv6_slaac':
    case 'ipv6_dhcpv6-stateless':
    case 'manual':
      // SLAAC is the document's default for IPv6; manual configures nothing.
      break;
    case 'static':
    case 'static6': {
      if (s.address === undefined) return fail(`${base}.address`, 'is required for a static subnet');
      const cidr = withPrefix(s.address, s.netmask ?? s.prefix, `${base}.${s.netmask !== undefined ? 'netmask' : 'prefix'}`, `${base}.address`, fail);
      if (cidr === null) return;
      device.addresses.push({ value: cidr, path: `${base}.address` });
      const family = cidr.includes(':') ? 'ipv6' : 'ipv4';
      if (s.gateway !== undefined) setGateway(device, family, { value: s.gateway, path: `${base}.gateway` }, `${base}.gateway`, fail);
      (s.routes ?? []).forEach((r: Route, j) => {
        const where = `${base}.routes[${j}]`;
        const f = isDefaultDestination(r.destination ?? r.network ?? '', r.netmask);
        if (!f) return fail(where, 'only a default route (0.0.0.0/0 or ::/0) can be configured');
        setGateway(device, f, { value: r.gateway, path: `${where}.gateway` }, where, fail);
      });
      break;
    }
    default:
      fail(`${base}.type`, 'must be dhcp4, dhcp6, static, static6, ipv6_slaac, ipv6_dhcpv6-stateless, ipv6_dhcpv6-stateful or manual');
  }
}

/**
 * `address` with its prefix length: written in the address (`10.0.0.5/24`), or as a netmask
 * (`255.255.255.0`, or a number for IPv6) or `prefix`. Null (and an error) when it cannot be
 * made; the address itself is checked later by the document's own rules.
 */
export function withPrefix(address: string, mask: string | number | undefined, maskPath: string, addressPath: string, fail: Fail): string | null {
  if (address.includes('/')) return address;
  if (mask === undefined) {
    fail(addressPath, 'has no prefix length (write it as address/prefix, or give netmask)');
    return null;
  }
  const prefix = prefixOf(mask, address.includes(':'));
  if (prefix === null) {
    fail(maskPath, 'must be a netmask such as 255.255.255.0 or a prefix length');
    return null;
  }
  return `${address}/${prefix}`;
}

function prefixOf(mask: string | number, ipv6: boolean): number | null {
  const max = ipv6 ? 128 : 32;
  if (typeof mask === 'number' || /^\d{1,3}$/.test(mask)) {
    const n = Number(mask);
    return Number.isInteger(n) && n >= 0 && n <= max ? n : null;
  }
  try {
    if (ipv6 ? !ipaddr.IPv6.isValid(mask) : !ipaddr.IPv4.isValidFourPartDecimal(mask)) return null;
    return (ipv6 ? ipaddr.IPv6.parse(mask) : ipaddr.IPv4.parse(mask)).prefixLengthFromSubnetMask();
  } catch {
    return null;
  }
}
