/**
 * One first boot of a network-config fixture (test/fixtures/network-config/NAME/): `nocloud/`
 * becomes the NoCloud seed, `config-drive/` the mounted config drive, on the simulated machine
 * of machine.ts; the engine is a recording fake. Returns what the console, the status file and
 * the engine saw, as the corpus's `expected` text, and the documents handed to the engine.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCloudInit, type HeadlessApply } from '../../server/cloud-init/index.js';
import { CONFIG_DRIVE_MOUNT, NOCLOUD_SEED_DIRS } from '../../server/cloud-init/sources.js';
import { STATUS_FILE } from '../../server/cloud-init/state-files.js';
import { validateDocument } from '../../server/config/validate.js';
import { renderFragment } from '../../server/nix/render.js';
import { appliedResult } from './apply-results.js';
import { makeMachine } from './machine.js';

/** One simulated first boot of `root`'s seed with no metadata service (refused at once on the loopback discard port). */
export function bootWithoutMetadata(root: string, apply: HeadlessApply, printed: string[]): Promise<number> {
  return runCloudInit({
    root,
    simulate: true,
    force: false,
    apply,
    print: (l) => printed.push(l),
    imdsUrl: 'http://127.0.0.1:9',
    imds: { tokenAttempts: 1, totalTimeoutMs: 2000 },
  });
}

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
    const code = await bootWithoutMetadata(root, apply, printed);
    const status = await readFile(join(root, STATUS_FILE), 'utf8').then(
      (t) => (JSON.parse(t) as { status: string }).status,
      () => 'none',
    );
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
