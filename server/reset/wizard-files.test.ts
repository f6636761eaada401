import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setupCodePath } from '../auth/setup-code.js';
import { draftPath, emptyDraft } from '../steps/draft.js';
import { readWizardDraft, resetWizardFiles, writeWizardDraft } from './wizard-files.js';

let root: string;
let outside: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bowtie-wizard-files-'));
  mkdirSync(dirname(draftPath(root)), { recursive: true });
  outside = join(root, 'outside.json');
  writeFileSync(outside, JSON.stringify({ document: { hostname: 'planted' }, entered: {}, prefilledFrom: null }));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the wizard draft as root reads and writes it', () => {
  it('reads a regular draft', async () => {
    await writeWizardDraft(root, { ...emptyDraft(), document: { hostname: 'ctl-01' } });
    expect((await readWizardDraft(root)).document).toEqual({ hostname: 'ctl-01' });
  });

  it('takes a link, a FIFO or an oversized file for an empty draft, without following or blocking', async () => {
    symlinkSync(outside, draftPath(root));
    expect(await readWizardDraft(root)).toEqual(emptyDraft());
    rmSync(draftPath(root));
    execFileSync('mkfifo', [draftPath(root)]);
    expect(await readWizardDraft(root)).toEqual(emptyDraft());
    rmSync(draftPath(root));
    writeFileSync(draftPath(root), `{"document":{"hostname":"${'x'.repeat(5 * 1024 * 1024)}"}}`);
    expect(await readWizardDraft(root)).toEqual(emptyDraft());
  });

  it('reset --config replaces a planted link instead of writing through it', async () => {
    symlinkSync(outside, draftPath(root));
    symlinkSync(outside, setupCodePath(root));
    const before = readFileSync(outside, 'utf8');
    await resetWizardFiles(root)('config', { hostname: 'ctl-01', network: { ipv4: { method: 'dhcp' } } });
    expect(readFileSync(outside, 'utf8')).toBe(before);
    expect(lstatSync(draftPath(root)).isFile()).toBe(true);
    expect(lstatSync(setupCodePath(root)).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(draftPath(root), 'utf8')).document.hostname).toBe('ctl-01');
  });
});
