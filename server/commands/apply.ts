import { constants } from 'node:fs';
import { appendFile, mkdir, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { formatFieldErrors } from '../config/errors.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { ApplyBusyError } from '../apply/errors.js';
import { applyHeadless } from '../apply/headless.js';
import { planApply } from '../apply/plan.js';
import { planLines } from '../apply/plan-text.js';
import { workerArgs } from '../apply/launch.js';
import { enginePaths } from '../apply/paths.js';
import { processGroupOf } from '../apply/process-info.js';
import { formatProgress } from '../apply/progress.js';
import type { ApplyResult, ApplyStatus } from '../apply/types.js';
import { runWorker } from '../apply/worker.js';
import { UnsafeLayoutError } from '../system/state-layout.js';
import type { Command, CommandContext } from './context.js';
import { readDocumentFile } from './document-file.js';

export const applyCommand: Command = {
  async run(ctx) {
    const args = ctx.args;
    if (args.includes('--worker')) {
      if (args.length !== 1) throw new UsageError('apply --worker takes no other arguments');
      return worker(ctx);
    }
    const dryRun = args.includes('--dry-run');
    const files = args.filter((a) => a !== '--dry-run');
    if (files.length !== 1 || files[0]!.startsWith('--')) throw new UsageError('apply takes exactly one FILE (and optionally --dry-run)');
    const file = files[0]!;
    const read = await readDocumentFile(file);
    if (!read.ok) {
      ctx.stderr(formatFieldErrors(read.errors) + '\n');
      return EXIT.invalid;
    }
    if (dryRun) return dryRunReport(ctx, read.value);
    let result: ApplyResult;
    try {
      result = await applyHeadless({
        root: ctx.root,
        simulate: ctx.simulate,
        document: read.value,
        source: 'cli',
        onStatus: (s) => ctx.stderr(progressLine(s)),
      });
    } catch (e) {
      if (e instanceof ApplyBusyError) {
        ctx.stderr(`bowtie-setup: ${e.message}; nothing was changed. Try again when it has finished ("bowtie-setup status").\n`);
        return EXIT.applyFailed;
      }
      throw e;
    }
    return report(ctx, result);
  },
};

async function dryRunReport(ctx: CommandContext, document: unknown): Promise<number> {
  const plan = await planApply({ root: ctx.root, simulate: ctx.simulate, document });
  if (!plan.ok) {
    ctx.stderr(formatFieldErrors(plan.errors) + '\n');
    return EXIT.invalid;
  }
  const out = planLines(plan);
  ctx.stdout(`${out.join('\n')}\n`);
  return EXIT.ok;
}

function report(ctx: CommandContext, r: ApplyResult): number {
  switch (r.outcome) {
    case 'applied':
      ctx.stdout(
        `applied: generation ${r.generation ?? '?'} is active and the boot default${r.handedOff ? '; setup is complete and the controller has taken over' : ''}\n`,
      );
      return EXIT.ok;
    case 'unchanged':
      ctx.stdout('unchanged: the document is identical to the active configuration; nothing was rebuilt\n');
      return EXIT.ok;
    case 'invalid':
      ctx.stderr(formatFieldErrors(r.errors) + '\n');
      return EXIT.invalid;
    case 'rolled-back':
      ctx.stderr(
        [
          `apply failed in ${r.failedPhase ?? 'an unknown step'}: ${r.reason ?? 'unknown reason'}`,
          `the previous configuration was restored (generation ${r.generation ?? '?'})`,
          ...(r.outputTail.length ? ['', `last ${r.outputTail.length} lines of output:`, ...r.outputTail.map((l) => `  ${l}`)] : []),
          '',
        ].join('\n'),
      );
      return EXIT.applyFailed;
  }
}

function progressLine(s: ApplyStatus): string {
  if (s.phase === 'idle' || s.phase === 'queued') return '';
  const counts = formatProgress(s.progress);
  return `[${s.phase}]${counts ? ` ${counts}` : ''}${s.progress.activity ? ` ${s.progress.activity}` : ''}\n`;
}

/**
 * The privileged worker. It must lead its own process group (systemd and our launchers make
 * it so); started any other way, it starts itself again as such and waits.
 */
async function worker(ctx: CommandContext): Promise<number> {
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
