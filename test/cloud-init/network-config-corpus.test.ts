/**
 * Network configurations written by real tools (test/fixtures/network-config/README.md) through
 * `bowtie-setup cloud-init`, end to end: each case's `nocloud/` is the NoCloud seed, its
 * `config-drive/` the mounted config drive, on a simulated machine (machine.ts). `expected`
 * holds the exit code, the status, the console and the fragment of what reached the engine,
 * byte for byte. Regenerate with UPDATE_FIXTURES=1 and review the diff before committing it.
 * Secrets in the fixtures contain "Canary"; nothing printed or written may.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCloudInit, type HeadlessApply } from '../../server/cloud-init/index.js';
import { CONFIG_DRIVE_MOUNT, NOCLOUD_SEED_DIRS } from '../../server/cloud-init/sources.js';
import { STATUS_FILE } from '../../server/cloud-init/state-files.js';
import { validateDocument } from '../../server/config/validate.js';
import { renderFragment } from '../../server/nix/render.js';
import { appliedResult } from './apply-results.js';
import { makeMachine } from './machine.js';

const DIR = new URL('../fixtures/network-config/', import.meta.url).pathname;
const cases = readdirSync(DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

export async function runCase(caseDir: string): Promise<{ text: string; applied: unknown[] }> {
  const root = await mkdtemp(join(tmpdir(), 'bowtie-netcfg-'));
  try {
    await makeMachine(root);
    if (existsSync(join(caseDir, 'nocloud'))) await cp(join(caseDir, 'nocloud'), join(root, NOCLOUD_SEED_DIRS[0]), { recursive: true });
    if (existsSync(join(caseDir, 'config-drive'))) await cp(join(caseDir, 'config-drive'), join(root, CONFIG_DRIVE_MOUNT), { recursive: true });
    const printed: string[] = [];
    const applied: unknown[] = [];
    const apply: HeadlessApply = async (o) => {
      applied.push(o.document);
      return appliedResult;
    };
    const code = await runCloudInit({
      root,
      simulate: true,
      force: false,
      apply,
      print: (l) => printed.push(l),
      // No metadata service here: refused at once on the loopback discard port.
      imdsUrl: 'http://127.0.0.1:9',
      imds: { tokenAttempts: 1, totalTimeoutMs: 2000 },
    });
    const status = await readFile(join(root, STATUS_FILE), 'utf8').then((t) => (JSON.parse(t) as { status: string }).status, () => 'none');
    let text = `exit: ${code}\nstatus: ${status}\nconsole:\n${printed.map((l) => `  ${l}\n`).join('')}`;
    for (const doc of applied) {
      const v = validateDocument(doc, 'any');
      text += v.ok ? `applied:\n${renderFragment(v.config)}` : `applied an invalid document: ${JSON.stringify(v.errors)}\n`;
    }
    return { text, applied };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

describe('network-config corpus', () => {
  it('has the real tools and the kinds of outcome', () => {
    for (const prefix of ['hyperv-', 'proxmox-', 'netplan-', 'cloud-init-', 'config-drive-', 'vmware-']) expect(cases.some((c) => c.startsWith(prefix)), prefix).toBe(true);
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
