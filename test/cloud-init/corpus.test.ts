/**
 * The user data corpus: test/fixtures/user-data/NAME.userdata is what an instance is given,
 * NAME.expected what bowtie-setup must make of it:
 *
 *   ==== apply | apply-partial | prefill | errors | none
 *   note: <what was translated or taken into the document, and warnings>
 *   ignored: <one line per part or key that is reported and not used>
 *   configures: <apply-partial only: what the partial document sets beyond the defaults>
 *   <the rendered fragment (apply, apply-partial, prefill) or the error lines (errors)>
 *
 * apply-partial: a partial document that is applied headless and then prefills the wizard;
 * prefill: one that only prefills it (docs/decisions/0512).
 *
 * Every fixture's secrets contain the word "Canary"; nothing bowtie-setup prints or writes
 * (other than the secret files the engine owns) may contain it. Regenerate the expectations
 * with UPDATE_FIXTURES=1 and review the diff before committing it.
 */
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFieldErrors } from '../../server/config/errors.js';
import { interpretUserData, runCloudInit, type HeadlessApply } from '../../server/cloud-init/index.js';
import { partialConfigures } from '../../server/cloud-init/partial.js';
import { MARKER_DIR, STATUS_FILE } from '../../server/cloud-init/state-files.js';
import { EXIT } from '../../server/exit-codes.js';
import { renderFragment } from '../../server/nix/render.js';
import { appliedResult } from './apply-results.js';

const DIR = new URL('../fixtures/user-data/', import.meta.url).pathname;
const CANARY = 'Canary';
const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.userdata'))
  .map((f) => f.slice(0, -'.userdata'.length))
  .sort();

async function expectationOf(bytes: Uint8Array): Promise<string> {
  const it = await interpretUserData(bytes);
  const ignored = it.notes.map((l) => `note: ${l}\n`).join('') + it.ignored.map((l) => `ignored: ${l}\n`).join('');
  switch (it.kind) {
    case 'none':
      return `==== none\n${ignored}`;
    case 'rejected':
      return `==== errors\n${ignored}${formatFieldErrors(it.errors)}\n`;
    case 'complete':
      return `==== apply\n${ignored}${renderFragment(it.config)}`;
    case 'partial': {
      const configures = partialConfigures(it.config);
      return configures.length > 0
        ? `==== apply-partial\n${ignored}configures: ${configures.join(', ')}\n${renderFragment(it.config)}`
        : `==== prefill\n${ignored}${renderFragment(it.config)}`;
    }
  }
}

describe('user data corpus', () => {
  it('covers every format with at least 30 fixtures, valid and invalid', async () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
    const kinds = await Promise.all(fixtures.map(async (f) => (await readFile(join(DIR, `${f}.expected`), 'utf8').catch(() => '')).split('\n')[0]));
    for (const kind of ['==== apply', '==== apply-partial', '==== prefill', '==== errors', '==== none']) {
      expect(kinds.filter((k) => k === kind).length, kind).toBeGreaterThanOrEqual(3);
    }
    for (const prefix of ['cloud-config-', 'json-', 'gzip-', 'mime-', 'partial-']) {
      expect(
        fixtures.some((f) => f.startsWith(prefix)),
        prefix,
      ).toBe(true);
    }
  });

  for (const name of fixtures) {
    it(name, async () => {
      const bytes = await readFile(join(DIR, `${name}.userdata`));
      const actual = await expectationOf(bytes);
      const file = join(DIR, `${name}.expected`);
      if (process.env.UPDATE_FIXTURES) await writeFile(file, actual);
      expect(actual).toBe(await readFile(file, 'utf8'));
      expect(actual, 'a secret reached the output').not.toContain(CANARY);

      // The same user data through the command: console lines, status file and marker.
      const root = await mkdtemp(join(tmpdir(), 'bowtie-corpus-'));
      try {
        const userData = join(root, 'user-data');
        await writeFile(userData, bytes);
        const printed: string[] = [];
        const applied: unknown[] = [];
        const apply: HeadlessApply = async (o) => {
          applied.push(o.document);
          return appliedResult;
        };
        const code = await runCloudInit({ root, simulate: true, userDataFile: userData, force: false, apply, print: (l) => printed.push(l) });
        const kind = actual.split('\n')[0];
        expect(code).toBe(kind === '==== errors' ? EXIT.invalid : EXIT.ok);
        expect(applied.length).toBe(kind === '==== apply' || kind === '==== apply-partial' ? 1 : 0);
        // A partial document reaches the engine with the admin's hash (the one the prefill has).
        if (kind === '==== apply-partial') expect(JSON.stringify(applied)).not.toContain('"password":');
        expect(printed.join('\n'), 'a secret reached the console').not.toContain(CANARY);
        const status = await readFile(join(root, STATUS_FILE), 'utf8').catch(() => null);
        if (kind === '==== none') expect(status).toBeNull();
        else {
          expect(status, 'a secret reached cloud-init.json').not.toContain(CANARY);
          const written = JSON.parse(status!) as { status: string; activation?: unknown };
          expect(written.status).toBe(
            { '==== apply': 'applied', '==== apply-partial': 'prefilled', '==== prefill': 'prefilled', '==== errors': 'rejected' }[kind!],
          );
          if (kind === '==== apply-partial')
            expect(written.activation).toMatchObject({
              outcome: 'applied',
              configures: actual
                .split('\n')
                .find((l) => l.startsWith('configures: '))!
                .slice(12)
                .split(', '),
            });
          if (kind === '==== prefill') expect(written.activation).toBeNull();
          // Root's file for the wizard's group to read (docs/decisions/0501).
          expect((await stat(join(root, STATUS_FILE))).mode & 0o777).toBe(0o640);
        }
        const markers = await readdir(join(root, MARKER_DIR));
        expect(markers).toHaveLength(1);
        expect(await readFile(join(root, MARKER_DIR, markers[0]!), 'utf8')).not.toContain(CANARY);
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    });
  }
});
