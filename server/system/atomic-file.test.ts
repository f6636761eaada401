/** writeFileAtomic syncs the file and its directory unless told the file need not survive a power loss (docs/decisions/0690). */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { writeFileAtomic } from './atomic-file.js';

const dir = mkdtempSync(join(tmpdir(), 'atomic-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function syncsOf(write: () => Promise<void>): Promise<number> {
  const probe = await open(join(dir, 'probe'), 'w');
  const FileHandle = Object.getPrototypeOf(probe) as { sync(): Promise<void> };
  await probe.close();
  const spy = vi.spyOn(FileHandle, 'sync');
  await write();
  return spy.mock.calls.length;
}

describe('writeFileAtomic', () => {
  it('syncs the file and then its directory by default (the journal, the managed files)', async () => {
    const target = join(dir, 'state.json');
    expect(await syncsOf(() => writeFileAtomic(target, 'one\n', { mode: 0o600 }))).toBe(2);
    expect(readFileSync(target, 'utf8')).toBe('one\n');
    expect(statSync(target).mode & 0o777).toBe(0o600);
  });

  it('syncs nothing for a file that need not survive a power loss, and still replaces it whole', async () => {
    const target = join(dir, 'status.json');
    const steps: string[] = [];
    expect(await syncsOf(() => writeFileAtomic(target, 'old\n', { mode: 0o644, durable: false }))).toBe(0);
    await writeFileAtomic(target, 'new\n', { mode: 0o644, durable: false, onStep: (s) => steps.push(s) });
    expect(readFileSync(target, 'utf8')).toBe('new\n');
    expect(steps).toEqual(['temp', 'renamed', 'synced']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
