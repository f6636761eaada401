import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_DOCUMENT_BYTES } from '../config/limits.js';
import { DraftStore, emptyDraft } from './draft.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('DraftStore reading its file', () => {
  it('reads a draft, and takes a link, a device or an oversized file for no draft at all', async () => {
    dir = mkdtempSync(join(tmpdir(), 'bowtie-draft-'));
    const file = join(dir, 'draft.json');
    writeFileSync(file, JSON.stringify({ document: { hostname: 'ctl-1' } }));
    expect((await new DraftStore(file).get()).document).toEqual({ hostname: 'ctl-1' });

    const elsewhere = join(dir, 'elsewhere.json');
    writeFileSync(elsewhere, JSON.stringify({ document: { hostname: 'not-mine' } }));
    const linked = join(dir, 'linked.json');
    symlinkSync(elsewhere, linked);
    expect(await new DraftStore(linked).get()).toEqual(emptyDraft());

    // A reset reads the draft as root: a link to an endless device must not stall it.
    const endless = join(dir, 'endless.json');
    symlinkSync('/dev/zero', endless);
    expect(await new DraftStore(endless).get()).toEqual(emptyDraft());

    const big = join(dir, 'big.json');
    writeFileSync(big, `{"document":{"hostname":"${'a'.repeat(4 * MAX_DOCUMENT_BYTES)}"}}`);
    expect(await new DraftStore(big).get()).toEqual(emptyDraft());
  });
});
