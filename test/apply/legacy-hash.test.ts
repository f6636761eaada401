/**
 * A legacy argon2i admin hash (the controller template's) reaches the secret file only when
 * the request says it came from the template AND the ticket was written by the worker's own
 * user (root: the cloud-init command). The web process cannot ask for it (docs/decisions/0305).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../server/apply/engine.js';
import { DEFAULT_TIMEOUTS } from '../../server/apply/timeouts.js';
import { acquireLock } from '../../server/apply/lock.js';
import { enginePaths } from '../../server/apply/paths.js';
import { RebuildAdapter } from '../../server/apply/rebuild.js';
import { newApplyId, type SpoolRequest } from '../../server/apply/spool.js';
import { prepareRoot } from '../../server/apply/worker.js';
import type { SystemProbes } from '../../server/system/probes.js';

const INSTANT = fileURLToPath(new URL('../fixtures/apply/instant-nixos-rebuild', import.meta.url));
const LEGACY = '$argon2i$v=19$m=4096,p=1,t=3$EeYKtRHw86a44/8x80PpiA$gKOu1LiY/VpCUz2b/ZsO+6BHZkuR0eoaXnNMpZNiN88';
const healthy: SystemProbes = {
  interfaces: async () => [{ name: 'ens3', mac: null, physical: true, carrier: true, operstate: 'up', addresses: ['10.0.0.5/24'] }],
  defaultGateway: async () => '10.0.0.1',
  reachable: async () => true,
  dnsAnswers: async () => true,
  unitActive: async () => true,
  bootId: async () => 'legacy',
};
const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

async function run(req: Partial<SpoolRequest>, trust: { reset: boolean }) {
  const root = mkdtempSync(join(tmpdir(), 'bowtie-legacy-'));
  roots.push(root);
  const paths = enginePaths(root);
  await prepareRoot(paths, true, process.env);
  const lock = await acquireLock(paths.lock);
  if (!lock) throw new Error('lock taken');
  try {
    const engine = new Engine({
      paths,
      rebuild: new RebuildAdapter(paths, INSTANT),
      probes: healthy,
      timeouts: { ...DEFAULT_TIMEOUTS, interval: 10 },
      lock: lock.owner,
    });
    await engine.load();
    const document = { hostname: 'c3', admin: { email: 'ops@example.com', password_hash: LEGACY } };
    const result = await engine.run(
      { id: newApplyId(), createdAt: new Date().toISOString(), source: 'cloud-init', confirm: 'health-gate', confirmWindowSeconds: 120, document, ...req },
      trust,
    );
    return {
      result,
      hashFile: (() => {
        try {
          return readFileSync(paths.secrets.adminPasswordHash, 'utf8');
        } catch {
          return null;
        }
      })(),
    };
  } finally {
    await lock.release();
  }
}

describe('a legacy argon2i admin hash in the engine', () => {
  it('is written when root asks for it from the template', async () => {
    const { result, hashFile } = await run({ legacyPasswordHash: true }, { reset: true });
    expect(result.outcome, JSON.stringify(result.errors)).toBe('applied');
    expect(hashFile).toBe(LEGACY);
  });

  it('is refused from a ticket the web process wrote, and without the flag', async () => {
    for (const [req, trust] of [
      [{ legacyPasswordHash: true as const }, { reset: false }],
      [{}, { reset: true }],
    ] as const) {
      const { result, hashFile } = await run(req, trust);
      expect(result.outcome).toBe('invalid');
      expect(result.errors).toEqual([expect.objectContaining({ path: 'admin.password_hash' })]);
      expect(hashFile).toBeNull();
    }
  });
});
