import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock, readLock } from './lock.js';
import { processStartTime } from './process-info.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'bowtie-lock-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('apply lock', () => {
  it('is exclusive while its holder lives, and free after release', async () => {
    const file = join(tmp(), 'apply.lock');
    const held = await acquireLock(file);
    expect(held).not.toBeNull();
    expect((await readLock(file))?.pid).toBe(process.pid);
    expect(await acquireLock(file)).toBeNull();
    await held!.release();
    const again = await acquireLock(file);
    expect(again?.tookOverFrom).toBeNull();
    await again!.release();
  });

  it('is taken over from a dead holder, killing what it left in its process group', async () => {
    const file = join(tmp(), 'apply.lock');
    // A "worker" that leads its own group and leaves a child behind, then dies.
    const leader = spawn('sh', ['-c', 'sleep 30 & echo $!; exit 0'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    const orphan = Number((await new Promise<string>((r) => leader.stdout.once('data', (d: Buffer) => r(d.toString())))).trim());
    await new Promise((r) => leader.once('exit', r));
    writeFileSync(file, JSON.stringify({ pid: leader.pid, startTime: 1, pgid: leader.pid, acquiredAt: new Date().toISOString() }));
    expect(processStartTime(orphan)).not.toBeNull();
    const held = await acquireLock(file);
    expect(held?.tookOverFrom?.pid).toBe(leader.pid);
    expect(processStartTime(orphan)).toBeNull();
    await held!.release();
  });

  it('treats a reused pid (other start time) as stale', async () => {
    const file = join(tmp(), 'apply.lock');
    writeFileSync(file, JSON.stringify({ pid: process.pid, startTime: 12345, pgid: null, acquiredAt: new Date().toISOString() }));
    const held = await acquireLock(file);
    expect(held).not.toBeNull();
    await held!.release();
  });

  it('lets exactly one of many racing acquirers win', async () => {
    const file = join(tmp(), 'apply.lock');
    writeFileSync(file, JSON.stringify({ pid: 999999, startTime: 1, pgid: null, acquiredAt: '' }));
    const results = await Promise.all(Array.from({ length: 8 }, () => acquireLock(file)));
    // All in one process: the first winner holds it; the rest see a live owner.
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });
});
