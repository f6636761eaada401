/**
 * No path is pasted into a Nix expression (docs/decisions/0600): a root whose path holds a
 * space, quotes and a dollar sign applies, and a confirm resumed after the worker was killed
 * (which reads the fragment back through the evaluator) works there too.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApplyClient } from '../../server/apply/client.js';
import { readLock } from '../../server/apply/lock.js';
import { enginePaths } from '../../server/apply/paths.js';
import { ensureSimulatedMachine } from '../../server/system/sim-machine.js';
import { apply, fixtureDoc, oneWorkerAtATime, testEnv, until } from './harness.js';

const base = mkdtempSync(join(tmpdir(), 'bowtie-odd-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('a root path that is not a plain word', () => {
  it('applies, and resumes a confirm after the worker is killed', async () => {
    const root = join(base, `a root with "quotes", 'spaces' and $dollars`);
    mkdirSync(root);
    await ensureSimulatedMachine(root);
    const first = await apply(root, fixtureDoc('old'));
    expect(first.outcome, first.reason ?? '').toBe('applied');
    const c = createApplyClient({ root, simulate: true, startWorker: oneWorkerAtATime(root, testEnv({ BOWTIE_SETUP_APPLY_TIMEOUTS: 'interval=20,confirm=600000' })) });
    const { id } = await c.start({ document: fixtureDoc('new'), source: 'web', confirm: 'interactive' });
    await until(c, (s) => s.phase === 'confirm' && s.id === id);
    const owner = await readLock(enginePaths(root).lock);
    process.kill(owner!.pid, 'SIGKILL');
    await until(c, (s) => s.phase === 'confirm' && !s.interrupted && s.id === id);
    await c.confirm(id);
    const done = await until(c, (s) => s.phase === 'idle' && s.last?.id === id);
    expect(done.last?.outcome, done.last?.reason ?? '').toBe('applied');
  }, 240_000);
});
