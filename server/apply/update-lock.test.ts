import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTicket } from './spool.js';
import { lockAlive, readLock } from './lock.js';
import { enginePaths } from './paths.js';
import { checkIdleForUpdate, readUpdateActivity, takeLockForUpdate, updateActivityPath } from './update-lock.js';

const roots: string[] = [];
function root(): string {
  const r = mkdtempSync(join(tmpdir(), 'bowtie-update-lock-'));
  roots.push(r);
  return r;
}
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

const versions = { from: '1.8.2', to: '1.9.0' };

describe('the apply lock taken for an update', () => {
  it('holds the lock as "update" and publishes itself, readable by anyone, until released', async () => {
    const p = enginePaths(root());
    const held = await takeLockForUpdate(p, versions);
    expect(held.ok).toBe(true);
    expect(await readLock(p.lock)).toMatchObject({ pid: process.pid, purpose: 'update' });
    expect(statSync(updateActivityPath(p)).mode & 0o777).toBe(0o644);
    expect(await readUpdateActivity(p)).toMatchObject({ pid: process.pid, ...versions });
    expect(await checkIdleForUpdate(p)).toMatch(/^another update is in progress since /);
    const second = await takeLockForUpdate(p, versions);
    expect(second).toEqual({ ok: false, reason: expect.stringMatching(/^another update is in progress/) });
    if (held.ok) await held.release();
    expect(lockAlive(await readLock(p.lock))).toBe(false);
    expect(await readUpdateActivity(p)).toBeNull();
    expect(await checkIdleForUpdate(p)).toBeNull();
  });

  it('gives way to an apply queued before it looked, and leaves nothing behind', async () => {
    const p = enginePaths(root());
    await createTicket(p, { id: 'a-1', createdAt: new Date().toISOString(), source: 'web', confirm: 'interactive', confirmWindowSeconds: 120, document: {} });
    expect(await checkIdleForUpdate(p)).toBe('an apply is queued');
    expect(await takeLockForUpdate(p, versions)).toEqual({ ok: false, reason: 'an apply is queued' });
    expect(lockAlive(await readLock(p.lock))).toBe(false);
    expect(await readUpdateActivity(p)).toBeNull();
  });

  it('ignores the update.json of an update that died', async () => {
    const p = enginePaths(root());
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    mkdirSync(p.statusDir, { recursive: true });
    writeFileSync(updateActivityPath(p), JSON.stringify({ pid: Number(dead.stdout), startTime: 1, since: 'x', ...versions }));
    expect(await readUpdateActivity(p)).toBeNull();
  });
});
