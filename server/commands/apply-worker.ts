/**
 * `apply --worker`: the privileged worker's command. Apart from the file apply (apply-file.ts)
 * so that the worker, which every apply starts, loads neither the YAML reader nor the dry run's
 * planner before its first nixos-rebuild (docs/decisions/0690).
 */
import { constants } from 'node:fs';
import { appendFile, mkdir, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { EXIT } from '../exit-codes.js';
import { workerArgs } from '../apply/launch.js';
import { enginePaths } from '../apply/paths.js';
import { processGroupOf } from '../apply/process-info.js';
import { runWorker } from '../apply/worker.js';
import { UnsafeLayoutError } from '../system/state-layout.js';
import type { CommandContext } from './context.js';

/**
 * The privileged worker. It must lead its own process group (systemd and our launchers make
 * it so); started any other way, it starts itself again as such and waits.
 */
export async function worker(ctx: CommandContext): Promise<number> {
  if (processGroupOf(process.pid) !== process.pid) {
    const child = spawn(process.execPath, workerArgs(ctx.root, ctx.simulate), { detached: true, stdio: 'inherit' });
    return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? EXIT.applyFailed)));
  }
  try {
    // The wizard's side of a reset (the engine knows nothing of the wizard's files).
    const { resetWizardFiles, scrubAfterHandoff } = await import('../reset/wizard-files.js');
    const outcome = await runWorker({
      root: ctx.root,
      simulate: ctx.simulate,
      resetWizardFiles: resetWizardFiles(ctx.root),
      scrubAfterHandoff: () => scrubAfterHandoff(ctx.root),
    });
    if (!outcome.ran) ctx.stderr('bowtie-setup: another worker holds the apply lock; it takes the queued request\n');
    return EXIT.ok;
  } catch (e) {
    if (e instanceof UnsafeLayoutError) {
      // Not even the log: it lives in the directories that failed the check.
      ctx.stderr(`bowtie-setup: ${e.message}\n`);
      return EXIT.applyFailed;
    }
    const message = `${new Date().toISOString()} worker error: ${(e as Error).stack ?? String(e)}\n`;
    ctx.stderr(message);
    await workerLog(ctx.root, message).catch(() => {});
    return EXIT.applyFailed;
  }
}

async function workerLog(root: string, message: string): Promise<void> {
  const dir = enginePaths(root).logsDir;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'worker.log');
  const size = await stat(file).then(
    (s) => s.size,
    () => 0,
  );
  if (size > 1024 * 1024) await truncate(file, 0);
  await appendFile(file, message, { mode: 0o600, flag: constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW });
}
