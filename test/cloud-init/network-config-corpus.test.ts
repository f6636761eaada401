/**
 * Network configurations written by real tools (test/fixtures/network-config/README.md) through
 * `bowtie-setup cloud-init`, end to end: each case's `nocloud/` is the NoCloud seed, its
 * `config-drive/` the mounted config drive, on a simulated machine (machine.ts). `expected`
 * holds the exit code, the status, the console and the fragment of what reached the engine,
 * byte for byte. Regenerate with UPDATE_FIXTURES=1 and review the diff before committing it.
 * Secrets in the fixtures contain "Canary"; nothing printed or written may.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCase } from './network-config-run.js';

const DIR = new URL('../fixtures/network-config/', import.meta.url).pathname;
const cases = readdirSync(DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('network-config corpus', () => {
  it('has the real tools and the kinds of outcome', () => {
    for (const prefix of ['hyperv-', 'proxmox-', 'netplan-', 'cloud-init-', 'config-drive-', 'vmware-'])
      expect(
        cases.some((c) => c.startsWith(prefix)),
        prefix,
      ).toBe(true);
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  for (const name of cases) {
    it(name, async () => {
      const { text } = await runCase(join(DIR, name));
      const file = join(DIR, name, 'expected');
      if (process.env.UPDATE_FIXTURES) await writeFile(file, text);
      expect(text).toBe(await readFile(file, 'utf8'));
      expect(text, 'a secret reached the output').not.toContain('Canary');
    });
  }
});
