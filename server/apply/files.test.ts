import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { wipeDirectory } from './files.js';

let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));

function tree() {
  root = mkdtempSync(join(tmpdir(), 'bowtie-wipe-'));
  const state = join(root, 'state');
  const precious = join(root, 'precious');
  mkdirSync(join(state, 'logs'), { recursive: true });
  mkdirSync(join(state, 'web'), { recursive: true });
  mkdirSync(precious);
  writeFileSync(join(state, 'state.json'), '{}');
  writeFileSync(join(state, 'logs/apply.log'), 'log');
  writeFileSync(join(precious, 'keep-me'), 'not ours');
  return { state, precious };
}

describe('wipeDirectory', () => {
  it('empties the tree but keeps the directories and the files named', async () => {
    const { state } = tree();
    await wipeDirectory(state, [join(state, 'state.json')]);
    expect(readdirSync(state).sort()).toEqual(['logs', 'state.json', 'web']);
    expect(readdirSync(join(state, 'logs'))).toEqual([]);
  });

  it('removes links and never what they name, at any depth or at the top', async () => {
    const { state, precious } = tree();
    symlinkSync(precious, join(state, 'logs/linked-dir'));
    symlinkSync(join(precious, 'keep-me'), join(state, 'linked-file'));
    await wipeDirectory(state, []);
    expect(existsSync(join(precious, 'keep-me'))).toBe(true);
    expect(existsSync(join(state, 'logs/linked-dir'))).toBe(false);
    symlinkSync(precious, join(root, 'top-link'));
    await wipeDirectory(join(root, 'top-link'), []);
    expect(existsSync(join(precious, 'keep-me'))).toBe(true);
  });

  it.skipIf(process.getuid?.() !== 0)('as root, leaves a directory the wizard owns alone (it could swap its entries for links)', async () => {
    const { state } = tree();
    writeFileSync(join(state, 'web/draft.json'), '{}');
    chownSync(join(state, 'web'), 65534, 65534);
    await wipeDirectory(state, []);
    expect(existsSync(join(state, 'web/draft.json'))).toBe(true);
    expect(existsSync(join(state, 'logs/apply.log'))).toBe(false);
    // Nor is a directory below the wizard's walked when asked for directly.
    mkdirSync(join(state, 'web/tls'));
    writeFileSync(join(state, 'web/tls/wizard.key'), 'key');
    await wipeDirectory(join(state, 'web/tls'), []);
    expect(existsSync(join(state, 'web/tls/wizard.key'))).toBe(true);
  });
});
