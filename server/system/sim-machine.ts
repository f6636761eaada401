/**
 * The machine a --simulate sandbox pretends to be, described under <root>/sys/class/net the
 * way interfaces.ts reads it: ens3 (link up, DHCP lease 192.168.122.10/24) and ens4 (no
 * cable). Created once, when the sandbox has none; the nixos-rebuild simulator's activation
 * then moves ens3's address when a static address is applied.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const MACHINE = [
  { name: 'ens3', mac: '52:54:00:12:34:56', carrier: '1', operstate: 'up', addresses: '192.168.122.10/24 fe80::5054:ff:fe12:3456/64' },
  { name: 'ens4', mac: '52:54:00:12:34:57', carrier: '0', operstate: 'down', addresses: '' },
  { name: 'lo', mac: '00:00:00:00:00:00', carrier: '1', operstate: 'unknown', addresses: '127.0.0.1/8 ::1/128', virtual: true },
];

export async function ensureSimulatedMachine(root: string): Promise<void> {
  const dir = join(root, 'sys/class/net');
  if (existsSync(dir)) return;
  for (const nic of MACHINE) {
    const base = join(dir, nic.name);
    await mkdir(base, { recursive: true });
    if (!nic.virtual) await mkdir(join(base, 'device'), { recursive: true });
    await writeFile(join(base, 'address'), `${nic.mac}\n`);
    await writeFile(join(base, 'carrier'), `${nic.carrier}\n`);
    await writeFile(join(base, 'operstate'), `${nic.operstate}\n`);
    await writeFile(join(base, 'simulated-addresses'), `${nic.addresses}\n`);
  }
}
