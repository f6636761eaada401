/**
 * Simulated system probes for --simulate: the machine described under <root>/sys/class/net
 * (see interfaces.ts), whose addresses the nixos-rebuild simulator's activation updates from
 * the active configuration (<root>/run/current-system/site.json). Faults by environment:
 * BOWTIE_SIM_PROBE_FAIL=link,address,gateway,dns,bowtie-server (comma-separated).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { listInterfaces } from './interfaces.js';
import type { SystemProbes } from './probe-types.js';

/** What the probes use of the simulator's site.json (a file another program writes): checked, the rest ignored. */
const simSite = z.looseObject({
  network: z.looseObject({ ipv4: z.looseObject({ method: z.string().optional(), gateway: z.string().max(64).optional() }).optional() }).optional(),
  enrollment: z.unknown().optional(),
});
type SimSite = z.infer<typeof simSite>;

/** The active site, or null when there is none or it is not in the expected form (then the probes answer as for no configuration). */
async function activeSite(root: string): Promise<SimSite | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(root, 'run/current-system/site.json'), 'utf8'));
  } catch {
    return null;
  }
  const parsed = simSite.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

function failing(what: string): boolean {
  return (process.env.BOWTIE_SIM_PROBE_FAIL ?? '')
    .split(',')
    .map((s) => s.trim())
    .includes(what);
}

export function createSimulatedProbes(root: string): SystemProbes {
  return {
    async interfaces() {
      const list = await listInterfaces(root, true);
      return list.map((i) => ({
        ...i,
        carrier: failing('link') ? false : i.carrier,
        addresses: failing('address') ? [] : i.addresses,
      }));
    },
    async defaultGateway() {
      const site = await activeSite(root);
      const v4 = site?.network?.ipv4;
      return v4?.method === 'static' && v4.gateway ? v4.gateway : '192.168.122.1';
    },
    async reachable() {
      return !failing('gateway');
    },
    async dnsAnswers() {
      return !failing('dns');
    },
    async unitActive(unit) {
      if (unit !== 'bowtie_server.service') return true;
      const site = await activeSite(root);
      return !failing('bowtie-server') && site?.enrollment != null;
    },
    async bootId() {
      const file = join(root, 'run/sim-boot-id');
      try {
        return (await readFile(file, 'utf8')).trim();
      } catch {
        const id = randomUUID();
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, `${id}\n`);
        return id;
      }
    },
  };
}
