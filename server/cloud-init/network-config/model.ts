/**
 * What a network configuration says, whatever format it came in (cloud-init's network-config
 * version 1 or 2, OpenStack's network_data.json): the devices with their addresses, gateways,
 * name servers and MTU, each value with the key path it came from, so that every error names
 * the key the author wrote. translate.ts maps this onto the document's `network` section.
 */
import type { FieldError } from '../../config/schema.js';

export interface Located<T> {
  value: T;
  /** The key path in the source, e.g. `ethernets.eth0.addresses[1]`. */
  path: string;
}

export interface NetDevice {
  /** Where the device is described, e.g. `ethernets.eth0` or `config[0]`. */
  path: string;
  /** What a VLAN's `link` refers to (the netplan key, the v1 name, the OpenStack link id). */
  id: string;
  kind: 'ethernet' | 'vlan';
  /** The interface name to match; null when it is matched by MAC address only. */
  name: Located<string> | null;
  /** Lower-case colon form. */
  mac: Located<string> | null;
  vlan: { id: Located<number>; link: Located<string> } | null;
  mtu: Located<number> | null;
  dhcp4: Located<true> | null;
  dhcp6: Located<true> | null;
  /** Address with prefix length, as text; IPv4 and IPv6 together, in source order. */
  addresses: Array<Located<string>>;
  gateway4: Located<string> | null;
  gateway6: Located<string> | null;
  nameservers: Array<Located<string>>;
  /** Paths of search domain lists (the document has no search domains). */
  search: string[];
}

export interface NetModel {
  devices: NetDevice[];
  /** Name servers and default gateways given outside any device (v1 `nameserver`/`route`, OpenStack `services`). */
  nameservers: Array<Located<string>>;
  search: string[];
  gateway4: Located<string> | null;
  gateway6: Located<string> | null;
  /** One line per key that is read but has no meaning here. */
  ignored: string[];
}

export type ModelResult = { ok: true; model: NetModel } | { ok: false; errors: FieldError[]; ignored: string[] };

export function emptyDevice(path: string, id: string, kind: NetDevice['kind']): NetDevice {
  return {
    path,
    id,
    kind,
    name: null,
    mac: null,
    vlan: null,
    mtu: null,
    dhcp4: null,
    dhcp6: null,
    addresses: [],
    gateway4: null,
    gateway6: null,
    nameservers: [],
    search: [],
  };
}

export function emptyModel(): NetModel {
  return { devices: [], nameservers: [], search: [], gateway4: null, gateway6: null, ignored: [] };
}
