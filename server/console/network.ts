/**
 * Network setup from the console, for networks without DHCP: the interface (from the same
 * discovery the wizard's network step uses), a static IPv4 address with prefix length, the
 * gateway, DNS servers and, optionally, a new host name. Each answer is checked at once with
 * the schema's own field rules and re-asked until it passes; errors read exactly as the CLI
 * prints them (`network.ipv4.gateway: not in 10.0.0.0/24`).
 *
 * Behind an "Advanced" question: a VLAN, the MTU and an outbound proxy. The console takes the
 * proxy without a user name or password: the screen shows what is typed (docs/decisions/0670);
 * those are given in the wizard, a file or cloud-init.
 */
import type { z } from 'zod';
import type { KeptDocument } from '../apply/fragment-value.js';
import { fieldErrors, formatFieldErrors } from '../config/errors.js';
import { parseProxyUrl } from '../config/proxy.js';
import {
  hostnameField,
  interfaceField,
  ipv4CidrField,
  ipv4Field,
  mtuField,
  networkSection,
  noProxyField,
  proxyUrlField,
  vlanField,
  type FieldError,
} from '../config/schema.js';
import { validateDocument } from '../config/validate.js';
import { defaultInterface, type NetworkInterface } from '../system/interfaces.js';
import { networkLabel } from '../steps/network/fields.js';

export interface Prompter {
  /** The answer, or null when the person backs out (Ctrl-C, end of input). */
  ask(prompt: string): Promise<string | null>;
  print(line: string): void;
}

/** Field errors of one value, under `path` in the document. */
export function problemsOf(schema: z.ZodType, value: unknown, path: (string | number)[]): FieldError[] {
  const r = schema.safeParse(value, { reportInput: true });
  return r.success ? [] : fieldErrors(r.error.issues.map((i) => ({ ...i, path: [...path, ...i.path] })));
}

/** The network section's own cross-field issues under `under` (e.g. the gateway's subnet). */
function sectionProblems(network: unknown, under: string): FieldError[] {
  return problemsOf(networkSection, network, ['network']).filter((e) => e.path === `network.${under}` || e.path.startsWith(`network.${under}.`));
}

export interface NetworkFormContext {
  interfaces: readonly NetworkInterface[];
  /** The active hostname, domain and network (null: nothing configured yet). */
  current: KeptDocument | null;
  /** The host name to offer when nothing is configured. */
  hostname: string;
}

/**
 * Asks until every field is valid; returns the partial document to apply, or null when the
 * person backs out or declines.
 */
export async function askStaticNetwork(io: Prompter, ctx: NetworkFormContext): Promise<KeptDocument | null> {
  const choices = ctx.interfaces.filter((i) => i.physical);
  if (choices.length === 0) {
    io.print('No network interface was found; nothing to configure.');
    return null;
  }
  const fallback = defaultInterface(choices) ?? choices[0]!;
  io.print('Network setup (static IPv4, for networks without DHCP).');
  io.print('Ctrl-C or an empty address goes back to the menu.');
  io.print('');
  io.print('Interfaces found:');
  choices.forEach((nic, n) => {
    const link = nic.carrier === true ? 'link up' : nic.carrier === false ? 'no link' : (nic.operstate ?? 'unknown');
    const v4 = nic.addresses.filter((a) => a.includes('.'));
    io.print(`  ${String(n + 1).padStart(2)}) ${nic.name.padEnd(15)} ${link.padEnd(8)} ${(v4.join(' ') || '-').padEnd(20)} ${nic.mac ?? ''}`.trimEnd());
  });

  // Re-asks `prompt` until `check` finds no problem; null when the person backs out.
  const until = async <T>(prompt: string, check: (answer: string) => { value: T; errors: FieldError[] } | null): Promise<T | null> => {
    for (;;) {
      const answer = await io.ask(prompt);
      if (answer === null) return null;
      const r = check(answer.trim());
      if (r === null) return null;
      if (r.errors.length === 0) return r.value;
      io.print(formatFieldErrors(r.errors));
    }
  };

  const iface = await until(`${networkLabel('network.interface')} [1-${choices.length}, Enter: ${fallback.name}]: `, (a) => {
    const picked = a === '' ? fallback.name : /^\d+$/.test(a) ? (choices[Number(a) - 1]?.name ?? a) : a;
    const errors = problemsOf(interfaceField, picked, ['network', 'interface']);
    if (errors.length === 0 && !choices.some((c) => c.name === picked)) {
      errors.push({ path: 'network.interface', message: `is not one of the interfaces found (${choices.map((c) => c.name).join(', ')})` });
    }
    return { value: picked, errors };
  });
  if (iface === null) return null;

  const address = await until(`${networkLabel('network.ipv4.address')} (e.g. 10.0.0.5/24): `, (a) =>
    a === '' ? null : { value: a, errors: problemsOf(ipv4CidrField, a, ['network', 'ipv4', 'address']) },
  );
  if (address === null) return null;

  const gateway = await until(`${networkLabel('network.ipv4.gateway')} (e.g. 10.0.0.1): `, (a) => {
    const own = problemsOf(ipv4Field, a, ['network', 'ipv4', 'gateway']);
    return { value: a, errors: own.length > 0 ? own : sectionProblems({ ipv4: { method: 'static', address, gateway: a } }, 'ipv4.gateway') };
  });
  if (gateway === null) return null;
  const ipv4 = { method: 'static' as const, address, gateway };

  const currentDns = ctx.current?.network?.dns ?? [];
  const dns = await until(`${networkLabel('network.dns')}, separated by spaces${currentDns.length ? ` [Enter: ${currentDns.join(' ')}]` : ''}: `, (a) => {
    const list = a === '' ? [...currentDns] : a.split(/[\s,]+/).filter(Boolean);
    return { value: list, errors: sectionProblems({ ipv4, dns: list }, 'dns') };
  });
  if (dns === null) return null;

  const advanced = await askAdvanced(until, io, ctx.current?.network ?? {});
  if (advanced === null) return null;

  const currentName = ctx.current?.hostname ?? ctx.hostname;
  const hostname = await until(`${networkLabel('hostname')} [Enter: ${currentName}]: `, (a) => {
    const name = a === '' ? currentName : a;
    return { value: name, errors: problemsOf(hostnameField, name, ['hostname']) };
  });
  if (hostname === null) return null;

  const document: KeptDocument = {
    hostname,
    ...(ctx.current?.domain ? { domain: ctx.current.domain } : {}),
    network: { ...(ctx.current?.network ?? {}), interface: iface, ipv4, dns, ...advanced.set },
  };
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the keys are AdvancedKey's three names
  for (const key of advanced.removed) delete document.network![key];
  // The whole document once more, as the engine will check it (e.g. the name's length with the domain).
  const whole = validateDocument(document, 'any');
  if (!whole.ok) {
    io.print(formatFieldErrors(whole.errors));
    return null;
  }
  io.print('');
  io.print(`  Interface:  ${iface}`);
  io.print(`  Address:    ${address}, gateway ${gateway}`);
  io.print(`  DNS:        ${dns.join(' ')}`);
  const net = document.network!;
  if (net.vlan !== undefined) io.print(`  VLAN:       ${net.vlan} on ${iface}`);
  if (net.mtu !== undefined) io.print(`  MTU:        ${net.mtu}`);
  if (net.proxy) io.print(`  Proxy:      ${net.proxy.url}`);
  if (net.proxy?.no_proxy?.length) io.print(`  Bypass:     ${net.proxy.no_proxy.join(' ')}`);
  io.print(`  Host name:  ${hostname}${ctx.current?.domain ? ` (domain ${ctx.current.domain})` : ''}`);
  const yes = await io.ask('Apply this network configuration? [y/N]: ');
  return yes !== null && /^y(es)?$/i.test(yes.trim()) ? document : null;
}

type Until = <T>(prompt: string, check: (answer: string) => { value: T; errors: FieldError[] } | null) => Promise<T | null>;
type Network = NonNullable<KeptDocument['network']>;
type AdvancedKey = 'vlan' | 'mtu' | 'proxy';

/**
 * VLAN, MTU and proxy, asked only when wanted. Enter keeps the current value, "-" removes it.
 * Returns what to set and what to remove, or null when the person backs out.
 */
async function askAdvanced(until: Until, io: Prompter, current: Network): Promise<{ set: Partial<Network>; removed: AdvancedKey[] } | null> {
  const want = await io.ask('Advanced settings (VLAN, MTU, outbound proxy)? [y/N]: ');
  if (want === null) return null;
  const set: Partial<Network> = {};
  const removed: AdvancedKey[] = [];
  if (!/^y(es)?$/i.test(want.trim())) return { set, removed };
  io.print('Enter keeps the value in [brackets]; - removes it.');
  io.print('The proxy is http://host:port or https://host:port (no user name or');
  io.print('password here: give those in the setup wizard).');
  const shown = (v: string | number | undefined) => (v === undefined ? 'none' : String(v));
  const number = (key: 'vlan' | 'mtu', schema: z.ZodType) => (a: string) => {
    if (a === '') return { value: current[key], errors: [] };
    if (a === '-') return { value: undefined, errors: [] };
    const n = /^\d{1,9}$/.test(a) ? Number(a) : a;
    const own = problemsOf(schema, n, ['network', key]);
    // The section's own rules too (an MTU below IPv6's minimum with IPv6 on).
    return { value: n as number, errors: own.length > 0 ? own : sectionProblems({ ipv6: current.ipv6, [key]: n }, key) };
  };
  const vlan = await until(`VLAN id, 1-4094 [${shown(current.vlan)}]: `, number('vlan', vlanField));
  if (vlan === null) return null;
  const mtu = await until(`MTU, 576-9000 [${current.mtu === undefined ? 'default' : current.mtu}]: `, number('mtu', mtuField));
  if (mtu === null) return null;
  const url = await until(`Proxy [${shown(current.proxy?.url)}]: `, (a) => {
    if (a === '') return { value: current.proxy?.url, errors: [] };
    if (a === '-') return { value: undefined, errors: [] };
    const errors = problemsOf(proxyUrlField, a, ['network', 'proxy', 'url']);
    const parsed = parseProxyUrl(a);
    if (errors.length === 0 && parsed.ok && parsed.value.credentials !== null) {
      errors.push({ path: 'network.proxy.url', message: 'give the user name and password in the setup wizard (this screen shows what is typed)' });
    }
    return { value: a, errors };
  });
  if (url === null) return null;
  let noProxy: string[] | undefined;
  if (url !== undefined) {
    const keep = current.proxy?.no_proxy ?? [];
    const answer = await until(`Bypass the proxy for (spaces between) [${keep.length ? keep.join(' ') : 'none'}]: `, (a) => {
      const list = a === '' ? [...keep] : a === '-' ? [] : a.split(/[\s,]+/).filter(Boolean);
      return { value: list, errors: list.flatMap((e, i) => problemsOf(noProxyField, e, ['network', 'proxy', 'no_proxy', i])) };
    });
    if (answer === null) return null;
    noProxy = answer;
  }
  for (const [key, value] of [
    ['vlan', vlan],
    ['mtu', mtu],
  ] as const) {
    if (value === undefined) removed.push(key);
    else set[key] = value;
  }
  if (url === undefined) removed.push('proxy');
  else set.proxy = { url, ...(noProxy?.length ? { no_proxy: noProxy } : {}) };
  io.print('');
  return { set, removed };
}
