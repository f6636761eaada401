// @ts-check
/**
 * The one simulated machine: what a --simulate sandbox pretends to be, for the wizard (serve,
 * console, the apply worker) and for the simulator's activation alike. Described under
 * <root>/sys/class/net the way server/system/interfaces.ts reads it: ens3 (link up, DHCP lease
 * 192.168.122.10/24) and ens4 (no cable). Activation then moves ens3's
 * address when a static one is applied (nixos-rebuild-sim.mjs, applyNetwork).
 */
import * as fs from 'node:fs';
import { join } from 'node:path';

/**
 * @typedef {object} SimulatedNic
 * @property {string} name
 * @property {string} mac
 * @property {'0'|'1'} carrier
 * @property {string} operstate
 * @property {string} addresses  space-separated CIDR addresses, as `simulated-addresses` holds them
 * @property {boolean} physical  has a `device` directory (virtual interfaces such as lo have none)
 */

/** @type {readonly SimulatedNic[]} */
export const MACHINE = Object.freeze([
  { name: 'ens3', mac: '52:54:00:12:34:56', carrier: '1', operstate: 'up', addresses: '192.168.122.10/24 fe80::5054:ff:fe12:3456/64', physical: true },
  { name: 'ens4', mac: '52:54:00:12:34:57', carrier: '0', operstate: 'down', addresses: '', physical: true },
  { name: 'lo', mac: '00:00:00:00:00:00', carrier: '1', operstate: 'unknown', addresses: '127.0.0.1/8 ::1/128', physical: false },
]);

/**
 * Writes the machine under `root` once: a sandbox that has one keeps it (activation may have
 * moved its addresses since). Returns whether it was created now.
 * @param {string} root
 * @returns {boolean}
 */
export function ensureMachine(root) {
  const dir = join(root, 'sys/class/net');
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) return false;
  for (const nic of MACHINE) {
    const base = join(dir, nic.name);
    fs.mkdirSync(base, { recursive: true });
    if (nic.physical) fs.mkdirSync(join(base, 'device'), { recursive: true });
    fs.writeFileSync(join(base, 'address'), `${nic.mac}\n`);
    fs.writeFileSync(join(base, 'carrier'), `${nic.carrier}\n`);
    fs.writeFileSync(join(base, 'operstate'), `${nic.operstate}\n`);
    fs.writeFileSync(join(base, 'simulated-addresses'), `${nic.addresses}\n`);
  }
  return true;
}
