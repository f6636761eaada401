import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatSetupCode, loadOrCreateSetupCode, setupCodePath } from './setup-code.js';

let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('loadOrCreateSetupCode', () => {
  it('keeps a stored code, and replaces a link (to a device or another file) with a new one', async () => {
    root = mkdtempSync(join(tmpdir(), 'bowtie-code-'));
    const file = setupCodePath(root);
    mkdirSync(dirname(file), { recursive: true });
    const first = await loadOrCreateSetupCode(root);
    expect(first.created).toBe(true);
    expect(await loadOrCreateSetupCode(root)).toEqual({ code: first.code, created: false });
    expect(lstatSync(file).mode & 0o777).toBe(0o600);

    // A reset calls this as root in the wizard's directory: a link there is not read.
    const elsewhere = join(root, 'elsewhere');
    writeFileSync(elsewhere, `${formatSetupCode('ABCDEFGHJKMNPQRS')}\n`);
    rmSync(file);
    symlinkSync(elsewhere, file);
    const replaced = await loadOrCreateSetupCode(root);
    expect(replaced.created).toBe(true);
    expect(replaced.code).not.toBe('ABCDEFGHJKMNPQRS');
    expect(lstatSync(file).isSymbolicLink()).toBe(false);
    expect(readFileSync(elsewhere, 'utf8')).toBe('ABCD-EFGH-JKMN-PQRS\n');

    rmSync(file);
    symlinkSync('/dev/zero', file);
    expect((await loadOrCreateSetupCode(root)).created).toBe(true);
  });
});
