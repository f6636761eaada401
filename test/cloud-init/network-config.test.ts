/**
 * Network configuration reading and translation: what the document can say (one interface,
 * MTU, one VLAN), what it cannot (errors naming the key), and hostile input (refused with a
 * clear message, nothing applied, no value echoed). The corpus of real tools' files is
 * network-config-corpus.test.ts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../server/cli.js';
import { runCloudInit, type HeadlessApply } from '../../server/cloud-init/index.js';
import { fromMetaData } from '../../server/cloud-init/network-config/find.js';
import { parseNetworkConfig, type NetworkConfigParse } from '../../server/cloud-init/network-config/parse.js';
import { MAX_NETWORK_CONFIG_BYTES } from '../../server/cloud-init/network-config/read.js';
import { translateNetwork, type Translation } from '../../server/cloud-init/network-config/translate.js';
import type { FieldError } from '../../server/config/schema.js';
import { EXIT } from '../../server/exit-codes.js';
import { listInterfaces, type NetworkInterface } from '../../server/system/interfaces.js';
import { appliedResult } from './apply-results.js';
import { makeMachine } from './machine.js';

let root: string;
let interfaces: NetworkInterface[];
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'bowtie-netcfg-unit-'));
  await makeMachine(root);
  interfaces = await listInterfaces(root, true);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function parse(text: string, label = 'network-config'): NetworkConfigParse {
  return parseNetworkConfig(Buffer.from(text), label);
}
function translate(text: string): Translation {
  const p = parse(text);
  if (p.kind !== 'model') throw new Error(`not parsed: ${JSON.stringify(p)}`);
  return translateNetwork(p.model, interfaces, 'network-config');
}
function errorsOf(text: string): FieldError[] {
  const p = parse(text);
  if (p.kind === 'invalid') return p.errors;
  if (p.kind !== 'model') return [];
  const t = translateNetwork(p.model, interfaces, 'network-config');
  return t.ok ? [] : t.errors;
}

/** The command with a network-config file and empty user data: exit code, console, what reached the engine. */
async function run(networkConfig: string | Buffer, userData = ''): Promise<{ code: number; out: string; applied: unknown[] }> {
  const ud = join(root, 'user-data');
  const nc = join(root, 'network-config');
  await writeFile(ud, userData);
  await writeFile(nc, networkConfig);
  const printed: string[] = [];
  const applied: unknown[] = [];
  const apply: HeadlessApply = async (o) => {
    applied.push(o.document);
    return appliedResult;
  };
  const code = await runCloudInit({ root, simulate: true, force: true, userDataFile: ud, networkConfigFile: nc, apply, print: (l) => printed.push(l) });
  return { code, out: printed.join('\n'), applied };
}

describe('what the document can say', () => {
  it('a v2 config by name: interface, static IPv4 with gateway4, name servers', () => {
    const t = translate(
      'version: 2\nethernets:\n  eth0:\n    addresses: [192.0.2.10/24]\n    gateway4: 192.0.2.1\n    nameservers: {addresses: [192.0.2.53, 192.0.2.54]}\n',
    );
    expect(t).toMatchObject({
      ok: true,
      network: { interface: 'eth0', ipv4: { method: 'static', address: '192.0.2.10/24', gateway: '192.0.2.1' }, dns: ['192.0.2.53', '192.0.2.54'] },
    });
  });

  it("a MAC match is resolved to the appliance's own interface name; set-name is reported, not used", () => {
    const t = translate('version: 2\nethernets:\n  lan:\n    match: {macaddress: "BC:24:11:2A:3B:4C"}\n    set-name: lan\n    dhcp4: true\n');
    expect(t).toMatchObject({ ok: true, network: { interface: 'ens18', ipv4: { method: 'dhcp' } } });
    expect(t.notes.join('\n')).toContain('ethernets.lan.set-name: not used');
  });

  it('an interface named like an exponent (e0) stays a name', () => {
    const p = parse('version: 2\nethernets:\n  e0: {dhcp4: true}\n  e1: {}\n');
    expect(p.kind === 'model' && p.model.devices.map((d) => d.id)).toEqual(['e0', 'e1']);
  });

  it('an unquoted MAC stays text (no YAML 1.1 base-60 integer)', () => {
    // 52:54:00:... is a base-60 integer to PyYAML; only the first group may not start with 0.
    const t = translate('version: 2\nethernets:\n  x:\n    match:\n      macaddress: de:ad:be:ef:ca:fe\n    dhcp4: yes\n');
    expect(t).toMatchObject({ ok: true, network: { interface: 'ens3', ipv4: { method: 'dhcp' } } });
  });

  it('a default route in routes (to: default, 0.0.0.0/0, ::/0) is the gateway', () => {
    for (const to of ['default', '0.0.0.0/0']) {
      const t = translate(
        `version: 2\nethernets:\n  eth0:\n    addresses: [192.0.2.10/24]\n    routes: [{to: ${to}, via: 192.0.2.1}]\n    nameservers: {addresses: [192.0.2.53]}\n`,
      );
      expect(t).toMatchObject({ ok: true, network: { ipv4: { gateway: '192.0.2.1' } } });
    }
    const t = translate('version: 2\nethernets:\n  eth0:\n    addresses: ["2001:db8::10/64"]\n    routes: [{to: "::/0", via: "fe80::1"}]\n');
    expect(t).toMatchObject({ ok: true, network: { ipv6: { method: 'static', address: '2001:db8::10/64', gateway: 'fe80::1' } } });
  });

  it('mtu -> network.mtu and one VLAN -> network.vlan on its link (the translated document)', () => {
    const t = translate(
      'version: 2\nethernets:\n  mainif:\n    match: {macaddress: "de:ad:be:ef:ca:fe"}\n    mtu: 9000\nvlans:\n  vlan15:\n    id: 15\n    link: mainif\n    addresses: [10.3.99.5/24]\n    gateway4: 10.3.99.1\n    nameservers: {addresses: [10.3.99.53]}\n',
    );
    expect(t.ok).toBe(true);
    if (!t.ok) return;
    expect(t.network).toEqual({
      interface: 'ens3',
      vlan: 15,
      mtu: 9000,
      ipv4: { method: 'static', address: '10.3.99.5/24', gateway: '10.3.99.1' },
      dns: ['10.3.99.53'],
    });
    expect(t.origin['network.vlan']).toBe('network-config vlans.vlan15.id');
    expect(t.origin['network.mtu']).toBe('network-config ethernets.mainif.mtu');
  });

  it('v1: a vlan entry on a physical link, netmask and mtu (the translated document)', () => {
    const t = translate(
      'version: 1\nconfig:\n  - {type: physical, name: eth0, mac_address: "00:11:22:33:44:55", mtu: 1400}\n  - type: vlan\n    name: eth0.100\n    vlan_link: eth0\n    vlan_id: 100\n    subnets:\n      - {type: static, address: 198.51.100.7, netmask: 255.255.255.128, gateway: 198.51.100.1, dns_nameservers: [198.51.100.53]}\n',
    );
    expect(t.ok && t.network).toEqual({
      interface: 'ens4',
      vlan: 100,
      mtu: 1400,
      ipv4: { method: 'static', address: '198.51.100.7/25', gateway: '198.51.100.1' },
      dns: ['198.51.100.53'],
    });
  });

  it('v1 dhcp6 and SLAAC; v2 dhcp6', () => {
    expect(translate('version: 1\nconfig:\n  - {type: physical, name: eth0, subnets: [{type: dhcp}, {type: dhcp6}]}\n')).toMatchObject({
      ok: true,
      network: { interface: 'eth0', ipv4: { method: 'dhcp' }, ipv6: { method: 'dhcp' } },
    });
    const slaac = translate('version: 1\nconfig:\n  - {type: physical, name: eth0, subnets: [{type: dhcp4}, {type: ipv6_slaac}]}\n');
    expect(slaac.ok && slaac.network).toEqual({ interface: 'eth0', ipv4: { method: 'dhcp' } });
  });

  it('what is read and not used is reported: a gateway beside DHCP, a link-local address, unknown keys', () => {
    const t = translate(
      'version: 1\nconfig:\n  - type: physical\n    name: eth0\n    accept-ra: true\n    subnets:\n      - {type: dhcp4}\n      - {type: static6, address: "fe80::5/64"}\n',
    );
    expect(t.ok && t.network).toEqual({ interface: 'eth0', ipv4: { method: 'dhcp' } });
    expect(t.notes).toEqual(
      expect.arrayContaining([
        'network-config config[0].accept-ra: not used by bowtie-setup',
        'network-config config[0].subnets[1].address: a link-local address; not used (the kernel makes one)',
      ]),
    );
    const g = translate('version: 2\nethernets:\n  eth0: {dhcp4: true, gateway4: 192.0.2.1}\n');
    expect(g.notes).toContain('network-config ethernets.eth0.gateway4: not used (the gateway comes from DHCP)');
  });

  it('config: disabled and an empty file configure nothing', () => {
    expect(parse('network: {config: disabled}\n').kind).toBe('none');
    expect(parse('').kind).toBe('none');
  });
});

describe('what the document cannot say is an error naming the key', () => {
  const cases: Array<[string, string, string]> = [
    [
      'a second IPv4 address',
      'version: 2\nethernets:\n  eth0:\n    addresses: [192.0.2.10/24, 192.0.2.11/24]\n    gateway4: 192.0.2.1\n',
      'network-config ethernets.eth0.addresses[1]',
    ],
    [
      'DHCP and a static address',
      'version: 2\nethernets:\n  eth0:\n    dhcp4: true\n    addresses: [192.0.2.10/24]\n    gateway4: 192.0.2.1\n',
      'network-config ethernets.eth0.dhcp4',
    ],
    [
      'a route other than the default',
      'version: 2\nethernets:\n  eth0:\n    dhcp4: true\n    routes: [{to: 10.0.0.0/8, via: 192.0.2.1}]\n',
      'network-config ethernets.eth0.routes[0]',
    ],
    [
      'two default gateways',
      'version: 2\nethernets:\n  eth0:\n    addresses: [192.0.2.10/24]\n    gateway4: 192.0.2.1\n    routes: [{to: default, via: 192.0.2.2}]\n',
      'network-config ethernets.eth0.routes[0]',
    ],
    [
      'two interfaces with addresses',
      'version: 2\nethernets:\n  eth0: {addresses: [192.0.2.10/24], gateway4: 192.0.2.1}\n  ens18: {addresses: [198.51.100.2/24]}\n',
      'network-config ethernets.ens18',
    ],
    ['a bridge', 'version: 2\nbridges:\n  br0: {interfaces: [eth0], dhcp4: true}\n', 'network-config bridges.br0'],
    ['a v1 bridge', 'version: 1\nconfig:\n  - {type: bridge, name: br0, bridge_interfaces: [eth0]}\n', 'network-config config[0].type'],
    ['a name pattern', 'version: 2\nethernets:\n  all:\n    match: {name: "en*"}\n    dhcp4: true\n', 'network-config ethernets.all.match.name'],
    ['a match by driver', 'version: 2\nethernets:\n  x:\n    match: {driver: virtio_net}\n    dhcp4: true\n', 'network-config ethernets.x.match.driver'],
    ['an interface this appliance lacks', 'version: 2\nethernets:\n  enp9s0: {dhcp4: true}\n', 'network-config ethernets.enp9s0'],
    [
      'a non-contiguous netmask',
      'version: 1\nconfig:\n  - {type: physical, name: eth0, subnets: [{type: static, address: 192.0.2.10, netmask: 255.0.255.0, gateway: 192.0.2.1}]}\n',
      'network-config config[0].subnets[0].netmask',
    ],
    [
      'a static address without a prefix',
      'version: 1\nconfig:\n  - {type: physical, name: eth0, subnets: [{type: static, address: 192.0.2.10, gateway: 192.0.2.1}]}\n',
      'network-config config[0].subnets[0].address',
    ],
    ['a static IPv4 address without a gateway', 'version: 2\nethernets:\n  eth0: {addresses: [192.0.2.10/24]}\n', 'network-config ethernets.eth0.addresses[0]'],
    ['an unknown version', 'version: 3\n', 'network-config version'],
  ];
  for (const [what, text, path] of cases) {
    it(what, () => {
      const errors = errorsOf(text);
      expect(errors.map((e) => e.path)).toContain(path);
      for (const e of errors) expect(e.message.length).toBeGreaterThan(10);
    });
  }

  it("the document's own rules name the key the value came from", async () => {
    const { code, out, applied } = await run(
      'version: 2\nethernets:\n  eth0:\n    addresses: [192.0.2.10/24]\n    gateway4: 198.51.100.1\n    nameservers: {addresses: [192.0.2.53]}\n',
    );
    expect(code).toBe(EXIT.invalid);
    expect(applied).toEqual([]);
    expect(out).toContain('network-config ethernets.eth0.gateway4: not in 192.0.2.0/24 (network.ipv4.gateway)');
    expect(out).toContain('The network stays as the image sets it (DHCP');
  });

  it('a static address without name servers names the interface', async () => {
    const { out } = await run('version: 2\nethernets:\n  eth0:\n    addresses: [192.0.2.10/24]\n    gateway4: 192.0.2.1\n');
    expect(out).toContain('network-config ethernets.eth0: required when ipv4 is static');
  });
});

describe('hostile network configurations are refused, nothing is applied, no value is echoed', () => {
  const hostile: Array<[string, string | Buffer, string]> = [
    ['huge', `version: 2\n# ${'x'.repeat(MAX_NETWORK_CONFIG_BYTES)}\n`, `network-config is larger than ${MAX_NETWORK_CONFIG_BYTES} bytes`],
    ['deep', `version: 2\nethernets: ${'['.repeat(200)}${']'.repeat(200)}\n`, 'network-config: nests deeper than 64 levels'],
    ['not UTF-8', Buffer.from([0x76, 0x3a, 0x20, 0xff, 0xfe, 0x0a]), 'network-config: is not valid UTF-8'],
    ['a duplicate key', 'version: 2\nethernets:\n  eth0: {dhcp4: true}\n  eth0: {dhcp4: false}\n', 'network-config: has a duplicate key'],
    ['a custom tag', 'version: 2\nethernets: !!python/object:os.system {}\n', 'network-config: uses a YAML tag bowtie-setup does not read'],
    ['a list at the top', '- version: 2\n', 'network-config: must be a mapping'],
    [
      'dhcp4 that is not a boolean',
      'version: 2\nethernets:\n  eth0: {dhcp4: Canary-maybe}\n',
      'network-config ethernets.eth0.dhcp4: must be true or false, not text',
    ],
    [
      'addresses as text',
      'version: 2\nethernets:\n  eth0: {addresses: Canary-192.0.2.10/24}\n',
      'network-config ethernets.eth0.addresses: must be a list, not text',
    ],
    ['mtu as text', 'version: 2\nethernets:\n  eth0: {dhcp4: true, mtu: "Canary"}\n', 'network-config ethernets.eth0.mtu: must be a number, not text'],
    ['version as text', 'version: "2"\n', 'network-config version: must be 1 or 2'],
    [
      'a prefix out of range',
      'version: 2\nethernets:\n  eth0: {addresses: [192.0.2.10/33], gateway4: 192.0.2.1, nameservers: {addresses: [192.0.2.53]}}\n',
      'network-config ethernets.eth0.addresses[0]: must be an IPv4 address with prefix length',
    ],
    [
      'an address with a newline',
      'version: 2\nethernets:\n  eth0: {addresses: ["192.0.2.10/24\\nCanary"], gateway4: 192.0.2.1, nameservers: {addresses: [192.0.2.53]}}\n',
      'network-config ethernets.eth0.addresses[0]: must be an IPv4 address with prefix length',
    ],
    [
      'a gateway with a newline',
      'version: 2\nethernets:\n  eth0: {addresses: [192.0.2.10/24], gateway4: "192.0.2.1\\nCanary", nameservers: {addresses: [192.0.2.53]}}\n',
      'network-config ethernets.eth0.gateway4: must be an IPv4 address',
    ],
    [
      'a key with a newline',
      'version: 2\nethernets:\n  "eth0\\nCanary": {dhcp4: true}\n',
      'network-config ethernets.<a name with unusual characters>: must be a network interface name',
    ],
    [
      'a MAC that is not one',
      'version: 2\nethernets:\n  x: {match: {macaddress: "Canary"}, dhcp4: true}\n',
      'network-config ethernets.x.match.macaddress: must be a MAC address',
    ],
    ['a VLAN id out of range', 'version: 2\nethernets:\n  eth0: {}\nvlans:\n  v: {id: 5000, link: eth0, dhcp4: true}\n', 'network-config vlans.v.id'],
    [
      'too many interfaces',
      `version: 2\nethernets:\n${Array.from({ length: 70 }, (_, i) => `  e${i}: {}\n`).join('')}`,
      'network-config ethernets: must have at most 64 entries',
    ],
  ];
  for (const [what, input, expected] of hostile) {
    it(what, async () => {
      const { code, out, applied } = await run(input);
      expect(code).toBe(EXIT.invalid);
      expect(applied).toEqual([]);
      expect(out).toContain(expected);
      expect(out).not.toContain('Canary');
      // Nothing but printable text reaches the console.
      expect(out).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    });
  }
});

describe('meta-data carrying network', () => {
  const v2 = 'version: 2\nethernets:\n  eth0: {dhcp4: true}\n';
  it('plain, base64 and gzip+base64', async () => {
    for (const meta of [
      `instance-id: i-1\nnetwork:\n  version: 2\n  ethernets:\n    eth0: {dhcp4: true}\n`,
      `instance-id: i-1\nnetwork: ${Buffer.from(v2).toString('base64')}\nnetwork.encoding: base64\n`,
      `instance-id: i-1\nnetwork: ${gzipSync(v2).toString('base64')}\nnetwork.encoding: gzip+base64\n`,
    ]) {
      const found = await fromMetaData(Buffer.from(meta));
      expect(found?.parse.kind, meta).toBe('model');
    }
  });
  it('bad base64, an unknown encoding, a gzip bomb and the interfaces format are errors', async () => {
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20)).toString('base64');
    const cases: Array<[string, string]> = [
      ['network: "not base64!"\nnetwork.encoding: base64\n', 'is not valid base64'],
      ['network: abcd\nnetwork.encoding: rot13\n', 'has network.encoding that bowtie-setup does not read'],
      [`network: ${bomb}\nnetwork.encoding: gzip+base64\n`, 'is larger than'],
      ['network-interfaces: |\n  auto eth0\n  iface eth0 inet dhcp\n', 'Debian interfaces format'],
    ];
    for (const [meta, message] of cases) {
      const found = await fromMetaData(Buffer.from(meta));
      expect(found?.parse.kind, meta).toBe('invalid');
      if (found?.parse.kind === 'invalid') expect(found.parse.errors[0]!.message).toContain(message);
    }
  });
  it('meta-data without network is not a network configuration', async () => {
    expect(await fromMetaData(Buffer.from('instance-id: i-1\nlocal-hostname: x\n'))).toBeNull();
    expect(await fromMetaData(Buffer.from('\n\r\n'))).toBeNull();
  });
});

describe('with user data', () => {
  it("a bowtie_setup document without network gets the network-config's", async () => {
    const { code, applied } = await run(
      'version: 2\nethernets:\n  eth0: {addresses: [192.0.2.10/24], gateway4: 192.0.2.1, nameservers: {addresses: [192.0.2.53]}}\n',
      '#cloud-config\nbowtie_setup:\n  hostname: ctl-a\n',
    );
    expect(code).toBe(EXIT.ok);
    expect(applied).toEqual([
      { hostname: 'ctl-a', network: { interface: 'eth0', ipv4: { method: 'static', address: '192.0.2.10/24', gateway: '192.0.2.1' }, dns: ['192.0.2.53'] } },
    ]);
  });
  it('an invalid network-config with a valid bowtie_setup document rejects both: nothing applied', async () => {
    const { code, applied, out } = await run('version: 2\nbonds:\n  bond0: {interfaces: [eth0]}\n', '#cloud-config\nbowtie_setup:\n  hostname: ctl-a\n');
    expect(code).toBe(EXIT.invalid);
    expect(applied).toEqual([]);
    expect(out).toContain('network-config bonds.bond0: bonds are not supported');
  });
});

describe('the command line', () => {
  it('cloud-init --network-config FILE reads that file (a bond: refused, exit 1, nothing written but the status)', async () => {
    await writeFile(join(root, 'ud'), '');
    await writeFile(join(root, 'nc'), 'version: 2\nbonds:\n  bond0: {interfaces: [eth0]}\n');
    const out: string[] = [];
    const code = await main(['--root', root, '--simulate', 'cloud-init', '--user-data', join(root, 'ud'), '--network-config', join(root, 'nc')], {
      stdout: (t) => out.push(t),
      stderr: (t) => out.push(t),
    });
    expect(code).toBe(EXIT.invalid);
    expect(out.join('')).toContain('network-config bonds.bond0: bonds are not supported');
  });
  it('--network-config needs a value', async () => {
    const out: string[] = [];
    const code = await main(['--root', root, 'cloud-init', '--network-config'], { stdout: (t) => out.push(t), stderr: (t) => out.push(t) });
    expect(code).not.toBe(EXIT.ok);
    expect(out.join('')).toContain('--network-config needs a value');
  });
});
