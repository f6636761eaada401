/**
 * An apply as the appliance's wizard makes it, on the bundle (build.ts): the POST /apply of a
 * complete draft to a running `serve`, which queues the ticket and starts the worker process
 * (`node server/main.js apply --worker`), which validates, renders, journals and writes every
 * file durably before its first nixos-rebuild. Measured from sending the request to that
 * nixos-rebuild's first line (instant-nixos-rebuild notes the moment): target < 200 ms.
 * Baseline from the same run: the bundle's process start (`--version`), which the worker pays
 * once per apply.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enginePaths } from '../../server/apply/paths.js';
import { readStatus } from '../../server/apply/status-reader.js';
import { setupCodePath } from '../../server/auth/setup-code.js';
import { validateDocument } from '../../server/config/validate.js';
import { draftPath } from '../../server/steps/draft.js';
import { writeFileAtomic } from '../../server/system/atomic-file.js';
import { CHECKOUT_SIMULATOR } from '../../server/system/sim-machine.js';
import type { BenchBuild } from './build.js';
import { csrfOf, fetchOnce, stop, timeToFirst200, unlock, type Running } from './http.js';
import { median, type BenchRow } from './row.js';
import { startWizard } from './web.js';

const INSTANT = fileURLToPath(new URL('./instant-nixos-rebuild', import.meta.url));
const RUNS = 5;
const HASH = '$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$2bDbcwDObBy6hPEXgLDD7FwI9dYIHJiKuCqCkDiN6Yo';

/** A complete document, as the wizard's draft holds it after the last step (the password as its hash). */
function documentFor(i: number): Record<string, unknown> {
  return {
    hostname: `ctl-bench-${i}`,
    admin: { email: 'ops@example.com', password_hash: HASH },
    network: { ipv4: { method: 'dhcp' } },
    enrollment: { site_id: '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b', token: `bench-apply-psk-${i}-0123456789` },
  };
}

/**
 * Waits until `seen` holds, no worker runs and nothing is applying (by the published state);
 * a minute is a broken run, not a slow one.
 */
async function applyEnded(root: string, seen: () => boolean = () => true): Promise<void> {
  const p = enginePaths(root);
  for (const until = Date.now() + 60_000; Date.now() < until;) {
    const s = await readStatus(p);
    if (seen() && s.phase === 'idle' && !s.workerAlive) return;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error(`bench: the apply in ${root} did not end within a minute`);
}

export async function benchApply(build: BenchBuild): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'bowtie-bench-apply-'));
  const calls = join(root, 'instant-rebuild-calls');
  const env = { ...build.env, BOWTIE_SETUP_NIXOS_REBUILD: INSTANT, BOWTIE_SETUP_APPLY_TIMEOUTS: 'interval=20,gate=1000,health=1000,confirm=1000' };
  const runs: Running[] = [];
  try {
    // The image as deployed: its first generation exists before anyone applies.
    execFileSync(process.execPath, [CHECKOUT_SIMULATOR, 'list-generations'], { env: { PATH: process.env.PATH ?? '', BOWTIE_SETUP_ROOT: root } });
    // The first start makes the web directory, the certificate and the setup code.
    const prepare = await startWizard(build, root, env);
    runs.push(prepare);
    await timeToFirst200(prepare, '/unlock');
    await stop(prepare);
    const toFirstLine: number[] = [];
    const answered: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const doc = documentFor(i);
      const checked = validateDocument(doc, 'complete', new Date());
      if (!checked.ok) throw new Error(`bench document is invalid: ${JSON.stringify(checked.errors)}`);
      // The wizard reads its draft when it starts (and keeps no secret in it after an apply).
      await writeFileAtomic(draftPath(root), `${JSON.stringify({ document: doc, entered: {}, prefilledFrom: null })}\n`, { mode: 0o600, dirMode: 0o700 });
      if (existsSync(calls)) rmSync(calls);
      const server = await startWizard(build, root, env);
      runs.push(server);
      await timeToFirst200(server, '/unlock');
      const cookie = await unlock(server.port, readFileSync(setupCodePath(root), 'utf8').trim());
      const review = await fetchOnce(server.port, '/review', { Cookie: cookie });
      if (!review.text.includes('action="/apply"')) throw new Error(`bench: the review page offers no apply (status ${review.status})`);
      const body = new URLSearchParams({ _csrf: csrfOf(review) }).toString();
      const sentAt = (performance.timeOrigin + performance.now()) * 1e6;
      const answer = await fetchOnce(server.port, '/apply', { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' }, body);
      answered.push(((performance.timeOrigin + performance.now()) * 1e6 - sentAt) / 1e6);
      if (answer.status !== 303) throw new Error(`bench: POST /apply answered ${answer.status}`);
      await applyEnded(root, () => existsSync(calls));
      const first = Number(readFileSync(calls, 'utf8').split('\n')[0]);
      toFirstLine.push((first - sentAt) / 1e6);
      await stop(server);
    }
    const start: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = process.hrtime.bigint();
      execFileSync(process.execPath, [build.wizard, '--version'], { env: build.env });
      start.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const value = median(toFirstLine);
    const ok = value < 200;
    return [
      {
        name: `apply request (POST /apply) to the worker's first nixos-rebuild line (median of ${RUNS})`,
        value,
        unit: 'ms',
        baseline: median(start),
        baselineName: 'bundle process start',
        target: '< 200 ms',
        ok,
        ...(ok
          ? {}
          : {
              why: `the runs took ${toFirstLine.map((t) => t.toFixed(0)).join(', ')} ms. The web process answered the POST (validate, queue the ticket, start the worker) after ${median(answered).toFixed(0)} ms; the rest is the worker, a process of its own: the bundle alone takes ${median(start).toFixed(0)} ms to start (--version), then the worker loads the engine, takes the ticket, validates, renders, journals and writes every file durably before the first nixos-rebuild (what it loads and why: docs/decisions/0690)`,
            }),
      },
    ];
  } finally {
    await Promise.all(runs.map(stop));
    await applyEnded(root).catch(() => {});
    rmSync(root, { recursive: true, force: true });
  }
}
