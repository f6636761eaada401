/**
 * `apply FILE [--dry-run]`: a document from a file, applied through the engine's queue and
 * worker like every other apply, or only planned. Loaded by apply.ts for this form only.
 */
import { formatFieldErrors } from '../config/errors.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { ApplyBusyError } from '../apply/errors.js';
import { applyHeadless } from '../apply/headless.js';
import { planApply } from '../apply/plan.js';
import { planLines } from '../apply/plan-text.js';
import { formatProgress } from '../apply/progress.js';
import type { ApplyResult, ApplyStatus } from '../apply/types.js';
import type { CommandContext } from './context.js';
import { readDocumentFile } from './document-file.js';

export async function applyFile(ctx: CommandContext): Promise<number> {
  const args = ctx.args;
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
}

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
