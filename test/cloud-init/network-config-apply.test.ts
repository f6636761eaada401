/**
 * A static address given only as network-config, through the real apply engine (--simulate:
 * the nixos-rebuild simulator and the simulated machine, ens3 on DHCP): it is applied headless
 * before the wizard (docs/decisions/0310, 0512), not lost and not replaced by DHCP. The seeds
 * are shaped like Proxmox VE's (v1, MAC match) and Bowtie's Hyper-V script's (v2 under
 * `network:`, blank user data and meta-data, CRLF), with this machine's MAC and name.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeEach, expect, it } from 'vitest';
import { applyHeadless } from '../../server/apply/headless.js';
import { readCloudInitResult } from '../../server/auth/cloud-init-result.js';
import type { HeadlessApply } from '../../server/cloud-init/index.js';
import { NOCLOUD_SEED_DIRS } from '../../server/cloud-init/sources.js';
import { EXIT } from '../../server/exit-codes.js';
import { makeRoot, removeRoots, testEnv } from '../apply/harness.js';
import { bootWithoutMetadata } from './network-config-run.js';

let root: string;
beforeEach(async () => {
  root = await makeRoot();
});
afterAll(() => removeRoots());

const apply: HeadlessApply = (o) => applyHeadless({ ...o, env: testEnv() });

async function boot(files: Record<string, string>): Promise<{ code: number; out: string }> {
  const dir = join(root, NOCLOUD_SEED_DIRS[0]);
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  const printed: string[] = [];
  const code = await bootWithoutMetadata(root, apply, printed);
  return { code, out: printed.join('\n') };
}

const addresses = () => readFileSync(join(root, 'sys/class/net/ens3/simulated-addresses'), 'utf8').trim();
const activeSite = () =>
  JSON.parse(readFileSync(join(realpathSync(join(root, 'run/current-system')), 'site.json'), 'utf8')) as { hostname: string; domain: string | null };
const activeNetwork = () =>
  (JSON.parse(readFileSync(join(realpathSync(join(root, 'run/current-system')), 'site.json'), 'utf8')) as { network: unknown }).network;

it('a Proxmox-style seed with a static ipconfig0 is applied with that address, not DHCP', async () => {
  const { code, out } = await boot({
    'user-data':
      '#cloud-config\nhostname: ctl-pve-09\nmanage_etc_hosts: true\nfqdn: ctl-pve-09\nchpasswd:\n  expire: False\nusers:\n  - default\npackage_upgrade: true\n',
    'meta-data': 'instance-id: 0d6c6a5e3f1b8a4c2e7d9f0a1b2c3d4e5f6a7b8c\n',
    'network-config':
      "version: 1\nconfig:\n    - type: physical\n      name: eth0\n      mac_address: '52:54:00:12:34:56'\n      subnets:\n      - type: static\n        address: '10.0.0.5'\n        netmask: '255.255.255.0'\n        gateway: '10.0.0.1'\n    - type: nameserver\n      address:\n      - '10.0.0.53'\n",
  });
  expect(code, out).toBe(EXIT.ok);
  expect(addresses()).toBe('10.0.0.5/24');
  expect(activeNetwork()).toMatchObject({ interface: 'ens3', ipv4: { method: 'static', address: '10.0.0.5/24', gateway: '10.0.0.1' }, dns: ['10.0.0.53'] });
  expect(await readCloudInitResult(root)).toMatchObject({
    status: 'prefilled',
    // The VM's name from the cloud-config, as cloud-init would set it (fqdn without a dot: no domain).
    activation: { outcome: 'applied', configures: ['hostname', 'network.interface', 'network.ipv4', 'network.dns'] },
  });
  expect(activeSite()).toMatchObject({ hostname: 'ctl-pve-09', domain: null });
  expect(out).toContain('applied as a partial document (network only)');
});

it('a Hyper-V-style seed (blank user data and meta-data, v2 network-config) is applied, not "no bowtie_setup key"', async () => {
  const { code, out } = await boot({
    'user-data': '\n\r\n',
    'meta-data': '\n\r\n',
    'network-config':
      'network:\r\n  version: 2\r\n  ethernets:\r\n    ens3:\r\n      addresses:\r\n        - 192.168.100.222/24\r\n      gateway4: 192.168.100.1\r\n      nameservers:\r\n        addresses: [8.8.8.8]\r\n',
  });
  expect(code, out).toBe(EXIT.ok);
  expect(out).not.toContain('no bowtie_setup key; set up in the browser');
  expect(addresses()).toBe('192.168.100.222/24');
  expect(activeNetwork()).toMatchObject({ interface: 'ens3', ipv4: { method: 'static', address: '192.168.100.222/24', gateway: '192.168.100.1' } });
});

it('a network-config the document cannot express changes nothing: ens3 keeps its DHCP lease', async () => {
  const { code, out } = await boot({
    'user-data': '',
    'meta-data': 'instance-id: i-bond\n',
    'network-config': 'version: 2\nbonds:\n  bond0: {interfaces: [ens3, ens4], addresses: [10.0.0.5/24]}\n',
  });
  expect(code).toBe(EXIT.invalid);
  expect(out).toContain('network-config bonds.bond0');
  expect(addresses()).toBe('192.168.122.10/24 fe80::5054:ff:fe12:3456/64');
});
