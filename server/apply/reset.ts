/**
 * The engine's reset path (docs/decisions/0520): what a reset request activates, and the
 * clean-up after it has committed. A reset otherwise runs as an apply does (the same journal,
 * phases and rollback); `reset --dry-run` plans from the same target (server/reset/plan.ts).
 */
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FieldError, SiteConfig } from '../config/schema.js';
import { validateDocument } from '../config/validate.js';
import { fsyncDirectory } from '../system/atomic-file.js';
import { wipeDirectory } from './files.js';
import type { KeptDocument } from './fragment-value.js';
import { emptyState } from './journal.js';
import type { EnginePaths } from './paths.js';
import { resetConfigDocument } from './reset-target.js';
import type { ApplyRun } from './run.js';
import type { ResetMode } from './types.js';

/** What a reset request turns into: the document to activate (null: no fragment) and what the draft keeps. */
export type ResetTarget = { ok: true; config: SiteConfig | null; kept: KeptDocument | null } | { ok: false; errors: FieldError[] };

/** What a reset activates: for `config` the active hostname, domain, network and admin's access as a partial document. */
export async function resetTarget(paths: EnginePaths, mode: ResetMode): Promise<ResetTarget> {
  if (mode === 'factory') return { ok: true, config: null, kept: null };
  const target = await resetConfigDocument(paths);
  if (target.kind === 'none') return { ok: true, config: null, kept: null };
  if (target.kind === 'invalid') return { ok: false, errors: target.errors };
  const checked = validateDocument(target.document, 'any');
  if (!checked.ok) return { ok: false, errors: checked.errors };
  return { ok: true, config: checked.config, kept: target.kept };
}

/**
 * The clean-up after a committed reset (state.resetCleanup): the rollback copies (they hold
 * the previous secrets), the wizard's and cloud-init's files, and for a factory reset
 * everything else in the state directory, state.json last. Idempotent; the next worker
 * finishes it after a crash.
 */
export async function finishReset(run: ApplyRun): Promise<void> {
  const pending = run.state.resetCleanup;
  if (!pending) return;
  if (!run.d.resetWizardFiles) {
    run.note("the reset's clean-up is left for a worker that knows the wizard's files");
    return;
  }
  run.note(`reset --${pending.mode}: removing the previous secrets' backups and the wizard's files`);
  await rm(run.paths.rollbackDir, { recursive: true, force: true });
  run.crash('reset:backups');
  if (pending.mode === 'factory') {
    // The log goes with the logs directory: it holds nothing the next first boot needs.
    run.closeLog();
    await run.d.resetWizardFiles('factory', null);
    run.crash('reset:wizard');
    await wipeDirectory(run.paths.stateDir, [run.paths.lock, run.paths.state]);
    run.crash('reset:wiped');
    // state.json goes last: until then a crash leaves the clean-up journaled.
    await rm(run.paths.state, { force: true });
    await fsyncDirectory(dirname(run.paths.state)).catch(() => {});
    run.factoryResult = run.state.last;
    run.state = { ...emptyState(), last: run.factoryResult };
  } else {
    await run.d.resetWizardFiles('config', pending.kept as KeptDocument | null);
    run.crash('reset:wizard');
    await run.journal((s) => {
      s.resetCleanup = null;
    });
  }
  run.crash('reset:done');
  await run.d.restartWizard?.().catch((e: unknown) => run.note(`warning: could not restart the wizard: ${e instanceof Error ? e.message : String(e)}`));
}
