/**
 * cloud-init itself as the oracle (Debian's cloud-init package, scripts/test.sh installs it):
 * for every fixture in test/fixtures/network-config/ that we apply, cloud-init's own reader
 * (network_state, and convert_net_json for network_data.json) must find the same interface
 * (by MAC or name), addresses with prefix, gateways and name servers as the document we make.
 * Fixtures we refuse are refused for what the document cannot say, not compared here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MACHINE } from './machine.js';
import { runCase } from './network-config-run.js';

const PYTHON = '/usr/bin/python3';
const ORACLE = new URL('../helpers/cloud-init-network-oracle.py', import.meta.url).pathname;
const DIR = new URL('../fixtures/network-config/', import.meta.url).pathname;
const available = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import cloudinit.net.network_state'], { stdio: 'ignore' }).status === 0;
/** cloud-init 22.4 (Debian 12) does not know netplan's `to: default` yet; netplan and newer cloud-init do. */
const ORACLE_TOO_OLD = new Set(['netplan-static']);

interface OracleIface {
  name: string | null;
  mac: string | null;
  static: Array<{ address: string; prefix: number; gateway: string | null; dns: string[]; routes: string[] }>;
  dhcp: string[];
}
interface Oracle {
  interfaces: OracleIface[];
  dns: string[];
}

function networkFile(caseDir: string): [string, string] | null {
  const candidates: Array<[string, string]> = [
    ['network-config', join(caseDir, 'nocloud/network-config')],
    ['network_data.json', join(caseDir, 'config-drive/openstack/latest/network_data.json')],
    ['meta-data', join(caseDir, 'nocloud/meta-data')],
  ];
  return candidates.find(([, p]) => existsSync(p)) ?? null;
}

function oracle(kind: string, file: string): Oracle {
  const macs = Object.fromEntries(Object.entries(MACHINE).map(([name, mac]) => [mac, name]));
  return JSON.parse(execFileSync(PYTHON, [ORACLE, kind, file, JSON.stringify(macs)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as Oracle;
}

describe.skipIf(!available)('cloud-init reads what we apply from each network configuration', () => {
  const cases = readdirSync(DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  let compared = 0;
  for (const name of cases) {
    it(name, async () => {
      const { applied } = await runCase(join(DIR, name));
      const doc = applied[0] as
        | {
            network?: {
              interface?: string;
              ipv4?: { method: string; address?: string; gateway?: string };
              ipv6?: { method: string; address?: string; gateway?: string };
              dns?: string[];
            };
          }
        | undefined;
      const net = doc?.network;
      const statik = net?.ipv4?.method === 'static' || net?.ipv6?.method === 'static';
      if (!net || !statik || name === 'user-data-network-wins') return; // refused, DHCP only, or the user data's network
      const file = networkFile(join(DIR, name));
      expect(file, 'a network configuration file').not.toBeNull();
      if (ORACLE_TOO_OLD.has(name)) {
        expect(() => oracle(file![0], file![1])).toThrow();
        return;
      }
      const o = oracle(file![0], file![1]);
      const withStatic = o.interfaces.filter((i) => i.static.length > 0);
      expect(withStatic).toHaveLength(1);
      const iface = withStatic[0]!;
      // The same interface: our name is the machine's name for cloud-init's MAC, or its name.
      if (iface.mac) expect(MACHINE[net.interface!]).toBe(iface.mac);
      else expect(net.interface).toBe(iface.name);
      const v4 = iface.static.filter((s) => !s.address.includes(':'));
      const v6 = iface.static.filter((s) => s.address.includes(':'));
      const gw = (s: OracleIface['static'][number] | undefined) => s?.gateway ?? s?.routes[0] ?? undefined;
      expect(net.ipv4?.method === 'static' ? { address: net.ipv4.address, gateway: net.ipv4.gateway } : undefined).toEqual(
        v4[0] ? { address: `${v4[0].address}/${v4[0].prefix}`, gateway: gw(v4[0]) } : undefined,
      );
      expect(net.ipv6?.method === 'static' ? { address: net.ipv6.address, gateway: net.ipv6.gateway } : undefined).toEqual(
        v6[0] ? { address: `${v6[0].address}/${v6[0].prefix}`, gateway: gw(v6[0]) } : undefined,
      );
      expect(net.dns ?? []).toEqual([...new Set([...iface.static.flatMap((s) => s.dns), ...o.dns])]);
      compared++;
    });
  }
  it('compared the applied fixtures', () => {
    expect(compared).toBeGreaterThanOrEqual(6);
  });
});
