/**
 * The apply engine's own overhead for `npm run bench`, with a nixos-rebuild that returns at
 * once (test/fixtures/apply/instant-nixos-rebuild) and documents that carry a password hash
 * (argon2 excluded, as the target says):
 * - request to the first nixos-rebuild call, engine in-process (target < 200 ms): validate,
 *   render, journal, back up and write every file durably;
 * - the whole apply with instant commands, in-process;
 * - request to the first nixos-rebuild call through the worker process, as the web and
 *   headless paths run it (adds a process start).
 * Baselines from the same run: one durable (fsynced, renamed) small-file write, and the start
 * of the CLI process (`--version`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../system/atomic-file.js';
import type { SystemProbes } from '../system/probes.js';
import { DEFAULT_TIMEOUTS, Engine } from './engine.js';
import { applyHeadless } from './headless.js';
import { acquireLock } from './lock.js';
import { CLI_ENTRY } from './launch.js';
import { enginePaths } from './paths.js';
import { RebuildAdapter } from './rebuild.js';
import { newApplyId } from './spool.js';
import { prepareRoot } from './worker.js';
import type { BenchRow } from '../bench-row.js';


const INSTANT = fileURLToPath(new URL('../../test/fixtures/apply/instant-nixos-rebuild', import.meta.url));
const HASH_A = '$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$2bDbcwDObBy6hPEXgLDD7FwI9dYIHJiKuCqCkDiN6Yo';
const HASH_B = '$argon2id$v=19$m=65536,p=1,t=3$6ANh2zTjHW41JqQ0Rws0SQ$g8HoHdlkq7prc4RhhXRiKXfss1FCTleUkPm15VNlJw8';

function documentFor(i: number): Record<string, unknown> {
  return {
    hostname: `ctl-bench-${i % 2}`,
    admin: { email: 'ops@example.com', password_hash: i % 2 ? HASH_A : HASH_B, console_password_hash: '$y$j9T$Vqx8w4kEL4zN1.rs0R1v/.$ZfW6QzB5Yv0W0H2o7M9i4o4UD0QvQw5kN5iB8s5H1r3' },
    network: { ipv4: { method: 'static', address: '10.0.0.5/24', gateway: '10.0.0.1' }, dns: ['10.0.0.1'] },
    enrollment: { site_id: '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b', token: `bench-sync-psk-${i}-0123456789` },
  };
}

const healthy: SystemProbes = {
  interfaces: async () => [{ name: 'ens3', mac: null, physical: true, carrier: true, operstate: 'up', addresses: ['10.0.0.5/24'] }],
  defaultGateway: async () => '10.0.0.1',
  reachable: async () => true,
  dnsAnswers: async () => true,
  unitActive: async () => true,
  bootId: async () => 'bench',
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (from: bigint, to: bigint) => Number(to - from) / 1e6;

export async function benchApply(): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'bowtie-bench-apply-'));
  try {
    const paths = enginePaths(root);
    await prepareRoot(paths, true, process.env);
    const lock = await acquireLock(paths.lock);
    if (!lock) throw new Error('bench: lock taken');
    let firstCall = 0n;
    const engine = new Engine({
      paths,
      rebuild: new RebuildAdapter(paths, INSTANT),
      probes: healthy,
      timeouts: { ...DEFAULT_TIMEOUTS, interval: 10 },
      lock: lock.owner,
      onFirstCommand: () => (firstCall = process.hrtime.bigint()),
    });
    const toFirst: number[] = [];
    const whole: number[] = [];
    for (let i = 0; i < 21; i++) {
      await engine.load();
      const req = { id: newApplyId(), createdAt: new Date().toISOString(), source: 'cli' as const, confirm: 'health-gate' as const, confirmWindowSeconds: 120, document: documentFor(i) };
      const t0 = process.hrtime.bigint();
      const r = await engine.run(req);
      const t1 = process.hrtime.bigint();
      if (r.outcome !== 'applied') throw new Error(`bench apply ${i}: ${r.outcome} ${r.reason ?? ''}`);
      if (i > 0) {
        toFirst.push(ms(t0, firstCall));
        whole.push(ms(t0, t1));
      }
    }
    await lock.release();

    const durable: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t0 = process.hrtime.bigint();
      await writeFileAtomic(join(root, 'bench-durable'), `{"n":${i}}\n`, { mode: 0o600 });
      durable.push(ms(t0, process.hrtime.bigint()));
    }

    // Through the worker process, as `apply FILE` and the web run it.
    const viaWorker: number[] = [];
    const env = { ...process.env, BOWTIE_SETUP_NIXOS_REBUILD: INSTANT, BOWTIE_SETUP_APPLY_TIMEOUTS: 'interval=20,gate=2000,health=2000' };
    const calls = join(root, 'instant-rebuild-calls');
    for (let i = 0; i < 5; i++) {
      rmSync(calls, { force: true });
      const t0 = BigInt(Date.now()) * 1_000_000n;
      // A partial document: the simulated probes see no bowtie-server, which only a complete one needs.
      const doc = { hostname: `ctl-worker-${i % 2}`, network: { ipv4: { method: 'dhcp' } } };
      const r = await applyHeadless({ root, simulate: true, document: doc, source: 'cli', env });
      if (r.outcome !== 'applied') throw new Error(`bench worker apply ${i}: ${r.outcome} ${r.reason ?? ''}`);
      const first = BigInt(readFileSync(calls, 'utf8').split('\n')[0]!);
      viaWorker.push(ms(t0, first));
    }
    const start: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = process.hrtime.bigint();
      execFileSync(process.execPath, [CLI_ENTRY, '--version']);
      start.push(ms(t0, process.hrtime.bigint()));
    }

    const first = median(toFirst);
    return [
      { name: 'apply: request to first nixos-rebuild call (engine, in-process)', value: first, unit: 'ms', baseline: median(durable), baselineName: 'one durable file write', target: '< 200 ms', ok: first < 200 },
      { name: 'apply: whole apply with instant commands (engine, in-process)', value: median(whole), unit: 'ms', baseline: median(durable), baselineName: 'one durable file write' },
      { name: `apply: request to first nixos-rebuild call via the worker process (${CLI_ENTRY.endsWith('main.js') ? 'compiled' : 'tsx'})`, value: median(viaWorker), unit: 'ms', baseline: median(start), baselineName: 'CLI process start' },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

// Stand-alone: `npx tsx server/apply/bench.ts`.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const row of await benchApply()) console.log(`${row.name}: ${row.value.toFixed(1)} ${row.unit} | ${row.baselineName} ${row.baseline?.toFixed(1)} ${row.unit}${row.target ? ` [${row.ok ? 'ok' : 'MISSED'}: ${row.target}]` : ''}`);
}
