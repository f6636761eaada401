/**
 * cloud-init network-config version 2, the netplan subset an appliance with one site interface
 * can use: `ethernets` (matched by name or `match.macaddress`; `set-name`), `dhcp4`, `dhcp6`,
 * `addresses`, `gateway4`, `gateway6`, `routes` (the default route only), `nameservers`, `mtu`,
 * and `vlans` (`id`, `link`). Bonds, bridges, tunnels and the like are errors naming the key.
 * Reference: https://cloudinit.readthedocs.io/en/latest/reference/network-config-format-v2.html
 * and https://netplan.readthedocs.io/en/stable/netplan-yaml/
 */
import { z } from 'zod';
import type { FieldError } from '../../config/schema.js';
import { extraKeys, isDefaultDestination, macField, MAX_LIST, mtuField, shortText, textList } from './common.js';
import { emptyDevice, emptyModel, type ModelResult, type NetDevice, type NetModel } from './model.js';
import { at, issueErrors, keyPath } from './paths.js';

const route = z.looseObject({ to: shortText, via: shortText });
const nameservers = z.looseObject({ addresses: textList.optional(), search: textList.optional() });
const common = {
  dhcp4: z.boolean().optional(),
  dhcp6: z.boolean().optional(),
  addresses: z.array(shortText).max(MAX_LIST).optional(),
  gateway4: shortText.optional(),
  gateway6: shortText.optional(),
  routes: z.array(route).max(MAX_LIST).optional(),
  nameservers: nameservers.optional(),
  mtu: mtuField.optional(),
};
const ethernet = z.looseObject({
  match: z.looseObject({ macaddress: macField.optional(), name: shortText.optional() }).optional(),
  'set-name': shortText.optional(),
  ...common,
});
const vlan = z.looseObject({ id: z.number().int(), link: shortText, ...common });
const deviceMap = <T extends z.ZodType>(t: T) =>
  z.record(z.string(), t).refine((m) => Object.keys(m).length <= MAX_LIST, { error: `must have at most ${MAX_LIST} entries` });

export const v2Schema = z.looseObject({
  version: z.literal(2),
  ethernets: deviceMap(ethernet).optional(),
  vlans: deviceMap(vlan).optional(),
});
type V2 = z.output<typeof v2Schema>;
type Common = z.output<z.ZodObject<typeof common>>;

/** Device kinds netplan has and the document cannot express. */
const UNSUPPORTED = ['bonds', 'bridges', 'tunnels', 'wifis', 'modems', 'vrfs', 'dummy-devices', 'virtual-ethernets', 'nm-devices'] as const;
const KNOWN_TOP = new Set(['version', 'renderer', 'ethernets', 'vlans', ...UNSUPPORTED]);
const KNOWN_DEVICE = new Set([
  'match',
  'set-name',
  'dhcp4',
  'dhcp6',
  'addresses',
  'gateway4',
  'gateway6',
  'routes',
  'nameservers',
  'mtu',
  'id',
  'link',
  'renderer',
  'optional',
  'critical',
]);

export function fromV2(value: unknown, label: string): ModelResult {
  const parsed = v2Schema.safeParse(value, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: issueErrors(label, parsed.error.issues), ignored: [] };
  const doc: V2 = parsed.data;
  const errors: FieldError[] = [];
  const model: NetModel = emptyModel();
  const raw = value as Record<string, unknown>;
  for (const kind of UNSUPPORTED) {
    const section = raw[kind];
    if (section && typeof section === 'object' && Object.keys(section).length > 0) {
      const first = Object.keys(section)[0]!;
      errors.push({
        path: at(label, keyPath([kind, first])),
        message: `${kind} are not supported: bowtie-setup configures one Ethernet interface, optionally with one VLAN`,
      });
    }
  }
  for (const key of extraKeys(raw, KNOWN_TOP)) model.ignored.push(`${label} ${keyPath([key])}: not used by bowtie-setup`);
  if (raw.renderer !== undefined) model.ignored.push(`${label} renderer: not used (the appliance uses systemd-networkd)`);

  for (const [key, eth] of Object.entries(doc.ethernets ?? {})) {
    const base = ['ethernets', key];
    const device = emptyDevice(keyPath(base), key, 'ethernet');
    if (eth.match) {
      const extra = extraKeys(eth.match, new Set(['macaddress', 'name']));
      if (extra.length > 0) errors.push({ path: at(label, keyPath([...base, 'match', extra[0]!])), message: 'only macaddress and name can be matched' });
      if (eth.match.macaddress) device.mac = { value: eth.match.macaddress, path: keyPath([...base, 'match', 'macaddress']) };
      if (eth.match.name !== undefined) {
        if (/[*?[\]]/.test(eth.match.name))
          errors.push({ path: at(label, keyPath([...base, 'match', 'name'])), message: 'must be one interface name, not a pattern' });
        else device.name = { value: eth.match.name, path: keyPath([...base, 'match', 'name']) };
      }
      if (!eth.match.macaddress && eth.match.name === undefined && extra.length === 0)
        errors.push({ path: at(label, keyPath([...base, 'match'])), message: 'must give macaddress or name' });
    } else {
      device.name = { value: key, path: keyPath(base) };
    }
    if (eth['set-name'] !== undefined)
      model.ignored.push(`${label} ${keyPath([...base, 'set-name'])}: not used (the interface keeps the name the appliance gives it)`);
    readCommon(eth, base, device, model, errors, label);
    model.devices.push(device);
  }
  for (const [key, v] of Object.entries(doc.vlans ?? {})) {
    const base = ['vlans', key];
    const device = emptyDevice(keyPath(base), key, 'vlan');
    device.vlan = { id: { value: v.id, path: keyPath([...base, 'id']) }, link: { value: v.link, path: keyPath([...base, 'link']) } };
    readCommon(v, base, device, model, errors, label);
    model.devices.push(device);
  }
  if (errors.length > 0) return { ok: false, errors, ignored: model.ignored };
  return { ok: true, model };
}

function readCommon(dev: Common, base: string[], device: NetDevice, model: NetModel, errors: FieldError[], label: string): void {
  const p = (...rest: Array<string | number>) => keyPath([...base, ...rest]);
  if (dev.dhcp4) device.dhcp4 = { value: true, path: p('dhcp4') };
  if (dev.dhcp6) device.dhcp6 = { value: true, path: p('dhcp6') };
  (dev.addresses ?? []).forEach((a, i) => device.addresses.push({ value: a, path: p('addresses', i) }));
  if (dev.gateway4 !== undefined) device.gateway4 = { value: dev.gateway4, path: p('gateway4') };
  if (dev.gateway6 !== undefined) device.gateway6 = { value: dev.gateway6, path: p('gateway6') };
  (dev.routes ?? []).forEach((r, i) => {
    const family = isDefaultDestination(r.to);
    const where = p('routes', i);
    if (!family) {
      errors.push({ path: at(label, where), message: 'only a default route (to: default, 0.0.0.0/0 or ::/0) can be configured' });
      return;
    }
    const slot = family === 'ipv4' ? 'gateway4' : 'gateway6';
    const existing = device[slot];
    if (existing && existing.value !== r.via)
      errors.push({ path: at(label, where), message: `a second default ${family === 'ipv4' ? 'IPv4' : 'IPv6'} gateway (${existing.path} gives one)` });
    else device[slot] = { value: r.via, path: `${where}.via` };
    for (const key of extraKeys(r, new Set(['to', 'via']))) model.ignored.push(`${label} ${keyPath([...base, 'routes', i, key])}: not used`);
  });
  (dev.nameservers?.addresses ?? []).forEach((a, i) => device.nameservers.push({ value: a, path: p('nameservers', 'addresses', i) }));
  if (dev.nameservers?.search?.length) device.search.push(p('nameservers', 'search'));
  if (dev.mtu !== undefined) device.mtu = { value: dev.mtu, path: p('mtu') };
  for (const key of extraKeys(dev, KNOWN_DEVICE)) model.ignored.push(`${label} ${p(key)}: not used by bowtie-setup`);
}
