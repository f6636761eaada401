/**
 * The network step's fields, in page order (server/steps/fields.ts). A file of its own because
 * the console's network form (server/console/network.ts) asks with the same labels.
 */
import { IPV6_METHODS } from '../../config/schema.js';
import { fieldDef, type FieldDef } from '../fields.js';

const IPV6_LABELS: Record<(typeof IPV6_METHODS)[number], string> = {
  auto: 'Automatic (router advertisements)',
  dhcp: 'DHCPv6',
  static: 'Static',
  off: 'Off',
};
const v4Static = (v: Readonly<Record<string, string>>) => v['network.ipv4.method'] === 'static';
const v6Static = (v: Readonly<Record<string, string>>) => v['network.ipv6.method'] === 'static';

export const NETWORK_FIELDS: readonly FieldDef[] = [
  { name: 'hostname', label: 'Hostname', kind: 'text', required: true, hint: 'One label: letters, digits and hyphens, e.g. ctl-sfo-01.', autocomplete: 'off' },
  {
    name: 'domain',
    label: 'Domain (optional)',
    kind: 'text',
    hint: "E.g. corp.example.com. Needed for an ACME (Let's Encrypt) certificate.",
    autocomplete: 'off',
    emptyText: 'none',
  },
  { name: 'network.interface', label: 'Interface to configure', kind: 'select', emptyText: 'automatic: the first physical interface with a link' },
  { name: 'network.ipv4', label: 'IPv4', kind: 'group' },
  {
    name: 'network.ipv4.method',
    label: 'IPv4 address',
    kind: 'radios',
    options: [
      { value: 'dhcp', label: 'DHCP' },
      { value: 'static', label: 'Static' },
    ],
  },
  {
    name: 'network.ipv4.address',
    label: 'Static address with prefix length',
    kind: 'text',
    placeholder: '10.0.0.5/24',
    hint: 'Only used with a static address.',
    inputmode: 'decimal',
    shownWhen: v4Static,
  },
  {
    name: 'network.ipv4.gateway',
    label: 'Gateway',
    kind: 'text',
    placeholder: '10.0.0.1',
    hint: 'Only used with a static address.',
    inputmode: 'decimal',
    shownWhen: v4Static,
  },
  { name: 'network.ipv6', label: 'IPv6', kind: 'group' },
  { name: 'network.ipv6.method', label: 'IPv6', kind: 'select', options: IPV6_METHODS.map((m) => ({ value: m, label: IPV6_LABELS[m] })) },
  {
    name: 'network.ipv6.address',
    label: 'Static IPv6 address with prefix length',
    kind: 'text',
    placeholder: '2001:db8::5/64',
    hint: 'Only used with static IPv6.',
    shownWhen: v6Static,
  },
  {
    name: 'network.ipv6.gateway',
    label: 'IPv6 gateway (optional)',
    kind: 'text',
    placeholder: 'fe80::1',
    hint: 'Only used with static IPv6.',
    shownWhen: v6Static,
    emptyText: 'none',
  },
  {
    name: 'network.dns',
    label: 'DNS servers',
    kind: 'lines',
    hint: 'One per line. Required with a static IPv4 address; with DHCP, empty means the ones DHCP gives.',
    emptyText: 'from DHCP',
  },
  {
    name: 'network.ntp',
    label: 'NTP servers (optional)',
    kind: 'lines',
    hint: 'One per line; empty means the NixOS defaults.',
    emptyText: 'the NixOS defaults',
  },
  // Behind "Advanced" (views/steps/network.ts).
  {
    name: 'network.vlan',
    label: 'VLAN id (optional)',
    kind: 'text',
    inputmode: 'numeric',
    placeholder: '120',
    hint: '802.1Q tag, 1-4094: the addresses above go on this VLAN of the interface, which then carries only tagged traffic.',
    emptyText: 'none',
  },
  {
    name: 'network.mtu',
    label: 'MTU (optional)',
    kind: 'text',
    inputmode: 'numeric',
    placeholder: '1500',
    hint: "576-9000 bytes; empty keeps the link's default. With a VLAN it is the VLAN's, and the interface gets the same.",
    emptyText: "the link's default",
  },
  { name: 'network.proxy', label: 'Outbound proxy', kind: 'group' },
  {
    name: 'network.proxy.url',
    label: 'Outbound proxy (optional)',
    kind: 'text',
    placeholder: 'http://proxy.corp.example.com:3128',
    autocomplete: 'off',
    hint: "For the controller's cloud traffic and updates: http://host:port or https://host:port, with user:password@ before the host if the proxy asks for them (kept as a secret file).",
    emptyText: 'none: direct',
  },
  {
    name: 'network.proxy.no_proxy',
    label: 'Reached without the proxy (optional)',
    kind: 'lines',
    hint: 'One per line: host names, domains (.corp.example.com), addresses or ranges (10.0.0.0/8).',
    emptyText: 'none',
    shownWhen: (v) => (v['network.proxy.url'] ?? '') !== '',
  },
];

/** The fields behind the network step's "Advanced" disclosure, which shows them in this order. */
export const ADVANCED_NETWORK_FIELDS: readonly string[] = ['network.vlan', 'network.mtu', 'network.proxy', 'network.proxy.url', 'network.proxy.no_proxy'];

/** The label of a network field, for the console's prompts. */
export function networkLabel(name: string): string {
  return fieldDef(NETWORK_FIELDS, name).label;
}
