/**
 * A parsed network configuration onto the document's `network` section: the one configured
 * interface (by name, or by MAC address resolved through the appliance's own interfaces),
 * its IPv4 and IPv6 method, address and gateway, the name servers, the MTU and one VLAN.
 * Anything the document cannot say (several configured interfaces, several VLANs, several
 * addresses of one family, DHCP and a static address together) is an error naming the key.
 *
 * `origin` maps each document path set here to the key it came from, so that the document's
 * own rules (an address out of range, a gateway outside the subnet) name the author's key too.
 */
import type { FieldError } from '../../config/schema.js';
import type { NetworkInterface } from '../../system/interfaces.js';
import type { Located, NetDevice, NetModel } from './model.js';
import { at } from './paths.js';

export type Translation =
  { ok: true; network: Record<string, unknown>; origin: Record<string, string>; notes: string[] } | { ok: false; errors: FieldError[]; notes: string[] };

const INTERFACE_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}$/;

function configured(d: NetDevice): boolean {
  return d.dhcp4 !== null || d.dhcp6 !== null || d.addresses.length > 0 || d.gateway4 !== null || d.gateway6 !== null;
}
function hasStatic(d: NetDevice): boolean {
  return d.addresses.length > 0 || d.gateway4 !== null || d.gateway6 !== null;
}

export function translateNetwork(model: NetModel, interfaces: readonly NetworkInterface[], label: string): Translation {
  const errors: FieldError[] = [];
  const notes = [...model.ignored];
  const fail = (path: string, message: string) => errors.push({ path: at(label, path), message });
  const network: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  const set = (key: string, value: unknown, from: string) => {
    network[key] = value;
    origin[`network.${key}`] = `${label} ${from}`;
  };

  const vlans = model.devices.filter((d) => d.kind === 'vlan');
  if (vlans.length > 1) fail(vlans[1]!.path, 'a second VLAN: bowtie-setup configures one (network.vlan)');

  let target: NetDevice | null = null; // where the addresses are
  let physical: NetDevice | null = null; // the Ethernet interface
  const vlan = vlans[0];
  if (vlan) {
    physical = model.devices.find((d) => d.kind === 'ethernet' && d.id === vlan.vlan!.link.value) ?? null;
    if (!physical) fail(vlan.vlan!.link.path, 'names no Ethernet interface in this configuration');
    else if (configured(physical)) fail(physical.path, 'has addresses or DHCP as well as the VLAN on it: bowtie-setup configures addresses on one of them');
    target = vlan;
    for (const d of model.devices)
      if (d.kind !== 'vlan' && d !== physical && configured(d))
        fail(d.path, 'a second configured interface: bowtie-setup configures one interface (with its VLAN)');
  } else {
    const active = model.devices.filter(configured);
    if (active.length > 1 && active.some(hasStatic)) {
      const second = active.find((d, i) => i > 0)!;
      fail(second.path, `a second configured interface (${active[0]!.path} is one): bowtie-setup configures one interface`);
    } else if (active.length > 1) {
      notes.push(`${label}: DHCP on ${active.length} interfaces; the appliance asks DHCP on every Ethernet interface (no network.interface)`);
      const dhcp4 = active.find((d) => d.dhcp4);
      if (dhcp4) set('ipv4', { method: 'dhcp' }, dhcp4.dhcp4!.path);
      const dhcp6 = active.find((d) => d.dhcp6);
      if (dhcp6) set('ipv6', { method: 'dhcp' }, dhcp6.dhcp6!.path);
    } else {
      target = active[0] ?? null;
      physical = target;
    }
  }
  for (const d of model.devices) {
    if (d !== target && d !== physical && !configured(d) && d.kind === 'ethernet') notes.push(`${label} ${d.path}: nothing configured on it; not used`);
  }
  if (errors.length > 0) return { ok: false, errors, notes };
  if (!target || !physical) {
    if (Object.keys(network).length === 0) notes.push(`${label}: configures no addresses and no DHCP; the network stays as the image sets it (DHCP)`);
    return { ok: true, network, origin, notes };
  }

  // The interface: by MAC through the appliance's interfaces, else by name.
  if (physical.mac) {
    const found = interfaces.find((i) => i.mac?.toLowerCase() === physical.mac!.value);
    if (!found)
      fail(
        physical.mac.path,
        `no network interface of this appliance has MAC address ${physical.mac.value}${interfaces.length === 0 ? ' (no interfaces were found)' : ''}`,
      );
    else set('interface', found.name, physical.mac.path);
    if (found && physical.name && physical.name.value !== found.name)
      notes.push(`${label} ${physical.name.path}: the interface with that MAC address is ${found.name} here; the name given is not used`);
  } else if (physical.name) {
    const name = physical.name;
    if (!INTERFACE_NAME.test(name.value)) fail(name.path, 'must be a network interface name (1-15 letters, digits, "-", "_" or ".", not starting with "-")');
    else if (interfaces.length > 0 && !interfaces.some((i) => i.name === name.value)) {
      fail(
        name.path,
        `no network interface of this appliance is named ${name.value} (it has ${interfaces.map((i) => i.name).join(', ')}); match it by macaddress instead`,
      );
    } else set('interface', name.value, name.path);
  }
  if (vlan) set('vlan', vlan.vlan!.id.value, vlan.vlan!.id.path);
  const mtu = target.mtu ?? (vlan ? physical.mtu : null);
  if (mtu) set('mtu', mtu.value, mtu.path);

  const v4 = target.addresses.filter((a) => !a.value.includes(':'));
  const v6 = target.addresses.filter((a) => a.value.includes(':') && !/^fe[89ab]/i.test(a.value));
  for (const a of target.addresses)
    if (a.value.includes(':') && /^fe[89ab]/i.test(a.value)) notes.push(`${label} ${a.path}: a link-local address; not used (the kernel makes one)`);
  for (const extra of [v4[1], v6[1]]) if (extra) fail(extra.path, `a second ${extra === v4[1] ? 'IPv4' : 'IPv6'} address: bowtie-setup configures one of each`);
  const gateway4 = target.gateway4 ?? model.gateway4;
  const gateway6 = target.gateway6 ?? model.gateway6;
  if (v4[0]) {
    if (target.dhcp4) fail(target.dhcp4.path, 'DHCP and a static IPv4 address together: bowtie-setup configures one or the other');
    if (!gateway4) fail(v4[0].path, 'has no gateway (gateway4 or a default route): bowtie-setup needs one for a static IPv4 address');
    else {
      set('ipv4', { method: 'static', address: v4[0].value, gateway: gateway4.value }, v4[0].path);
      origin['network.ipv4.gateway'] = `${label} ${gateway4.path}`;
    }
  } else if (target.dhcp4) {
    set('ipv4', { method: 'dhcp' }, target.dhcp4.path);
    if (target.gateway4) notes.push(`${label} ${target.gateway4.path}: not used (the gateway comes from DHCP)`);
  } else if (target.gateway4) fail(target.gateway4.path, 'a gateway without a static IPv4 address');
  if (v6[0]) {
    if (target.dhcp6) fail(target.dhcp6.path, 'DHCPv6 and a static IPv6 address together: bowtie-setup configures one or the other');
    set('ipv6', { method: 'static', address: v6[0].value, ...(gateway6 ? { gateway: gateway6.value } : {}) }, v6[0].path);
    if (gateway6) origin['network.ipv6.gateway'] = `${label} ${gateway6.path}`;
  } else if (target.dhcp6) set('ipv6', { method: 'dhcp' }, target.dhcp6.path);

  const servers: Array<Located<string>> = [];
  for (const s of [...target.nameservers, ...(physical !== target ? physical.nameservers : []), ...model.nameservers]) {
    if (!servers.some((t) => t.value === s.value)) servers.push(s);
  }
  if (servers.length > 0) {
    set(
      'dns',
      servers.map((s) => s.value),
      servers[0]!.path,
    );
    servers.forEach((s, i) => (origin[`network.dns.${i}`] = `${label} ${s.path}`));
  } else {
    origin['network.dns'] = `${label} ${target.path}`;
  }
  for (const d of model.devices) for (const p of d.search) notes.push(`${label} ${p}: search domains are not used (the document has none)`);
  for (const p of model.search) notes.push(`${label} ${p}: search domains are not used (the document has none)`);
  if (errors.length > 0) return { ok: false, errors, notes };
  return { ok: true, network, origin, notes };
}

/** A document error at a path this translation set, named by the author's key instead. */
export function errorAtOrigin(e: FieldError, origin: Readonly<Record<string, string>>): FieldError {
  let best: string | null = null;
  for (const key of Object.keys(origin)) {
    if ((e.path === key || e.path.startsWith(`${key}.`)) && (best === null || key.length > best.length)) best = key;
  }
  return best === null ? e : { path: origin[best]!, message: `${e.message} (${e.path})` };
}
