/**
 * System probes the apply engine's health gate asks (link, address, gateway, DNS, units, boot
 * id), behind one interface so that the real probes (this file) and the simulated ones
 * (probes-sim.ts, for --simulate) are interchangeable. Interfaces come from interfaces.ts.
 */
import { Resolver } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { listInterfaces } from './interfaces.js';
import type { SystemProbes } from './probe-types.js';
import { createSimulatedProbes } from './probes-sim.js';

export type { SystemProbes } from './probe-types.js';

export function createProbes(opts: { root: string; simulate: boolean }): SystemProbes {
  return opts.simulate ? createSimulatedProbes(opts.root) : createRealProbes(opts.root);
}

/** A name to look up; any answer (even "no such name") shows the server works. */
const DNS_PROBE_NAME = 'cache.nixos.org';

export function createRealProbes(root: string): SystemProbes {
  return {
    interfaces: () => listInterfaces(root, false),
    async defaultGateway() {
      // /proc/net/route: Iface Destination Gateway ... in little-endian hex.
      const text = await readFile('/proc/net/route', 'utf8').catch(() => '');
      for (const line of text.split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f[1] === '00000000' && f[2] && f[2] !== '00000000') {
          const n = Number.parseInt(f[2], 16);
          return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
        }
      }
      return null;
    },
    async reachable(address, timeoutMs) {
      const r = await execa('ping', ['-c', '1', '-W', String(Math.max(1, Math.ceil(timeoutMs / 1000))), address], {
        reject: false,
        timeout: timeoutMs + 1000,
        env: { PATH: process.env.PATH ?? '' },
        extendEnv: false,
      });
      return r.exitCode === 0;
    },
    async dnsAnswers(server, timeoutMs) {
      const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
      if (server) resolver.setServers([server]);
      try {
        await resolver.resolve4(DNS_PROBE_NAME);
        return true;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return code === 'ENOTFOUND' || code === 'ENODATA' || code === 'ENOTIMP' || code === 'EREFUSED';
      }
    },
    async unitActive(unit) {
      const r = await execa('systemctl', ['is-active', '--quiet', unit], { reject: false, env: { PATH: process.env.PATH ?? '' }, extendEnv: false });
      return r.exitCode === 0;
    },
    async bootId() {
      return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
    },
  };
}
