import { chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { giveToDirectoryOwner } from './owner.js';

const asRoot = process.getuid?.() === 0;
if (!asRoot) console.log('owner.test.ts: handing files over needs root (chown); skipped as uid ' + String(process.getuid?.()));

let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(!asRoot)("giveToDirectoryOwner (root hands a file in the wizard's directory to the wizard)", () => {
  const setup = () => {
    root = mkdtempSync(join(tmpdir(), 'bowtie-owner-'));
    const web = join(root, 'web');
    mkdirSync(web);
    chownSync(web, 65534, 65534);
    const outside = join(root, 'shadow');
    writeFileSync(outside, 'root only\n', { mode: 0o600 });
    return { web, outside };
  };

  it('hands over the file root just wrote, and again is a no-op', async () => {
    const { web } = setup();
    writeFileSync(join(web, 'draft.json'), '{}');
    await giveToDirectoryOwner(join(web, 'draft.json'));
    await giveToDirectoryOwner(join(web, 'draft.json'));
    expect(statSync(join(web, 'draft.json')).uid).toBe(65534);
  });

  it("refuses a link put in its place: what it names stays root's", async () => {
    const { web, outside } = setup();
    symlinkSync(outside, join(web, 'draft.json'));
    await expect(giveToDirectoryOwner(join(web, 'draft.json'))).rejects.toThrow();
    expect(statSync(outside).uid).toBe(0);
    expect(lstatSync(join(web, 'draft.json')).uid).toBe(0);
  });

  it("refuses a file with a second name (a hard link to someone else's file)", async () => {
    const { web, outside } = setup();
    linkSync(outside, join(web, 'draft.json'));
    await expect(giveToDirectoryOwner(join(web, 'draft.json'))).rejects.toThrow(/not the file bowtie-setup wrote/);
    expect(statSync(outside).uid).toBe(0);
  });
});
