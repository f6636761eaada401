/**
 * `bowtie-setup status` (and the console's Status entry), read and worded here so that the
 * command only prints: the status as the web reads it (./status-reader.ts), an interrupted
 * apply finished first (as the worker would), and state.json's own word on setup and the last
 * apply. Holds no secret.
 */
import { readState, type SetupPhase } from './journal.js';
import { lockAlive, readLock } from './lock.js';
import { enginePaths } from './paths.js';
import { formatProgress } from './progress.js';
import { nextHint } from './status.js';
import { readStatus } from './status-reader.js';
import type { ApplyOptions, ApplyStatus } from './types.js';
import { describeUpdate, type UpdateActivity } from './update-lock.js';
import { runWorker } from './worker.js';

export interface StatusReport {
  status: ApplyStatus;
  /** state.json's setup phase; null when it could not be read. */
  setup: SetupPhase | null;
  update: UpdateActivity | null;
  /** An interrupted apply was finished by this call. */
  recovered: boolean;
}

export async function statusReport(opts: ApplyOptions): Promise<StatusReport> {
  const p = enginePaths(opts.root);
  const state = await readState(p.state).catch(() => null);
  let recovered = false;
  if (state?.apply && !lockAlive(await readLock(p.lock))) {
    // An apply was interrupted (its worker is gone): finish it now, as the worker would.
    const outcome = await runWorker({ root: opts.root, simulate: opts.simulate, recoverOnly: true });
    recovered = outcome.recovered !== null;
  }
  const fresh = state ? await readState(p.state) : null;
  const { workerAlive: _alive, update, queuedForMs: _queued, ...status } = await readStatus(p);
  if (fresh) {
    status.setupComplete = fresh.setup === 'complete';
    status.last = fresh.last ?? status.last;
    if (!fresh.apply && status.phase !== 'queued') status.phase = 'idle';
    status.next = status.phase === 'idle' ? (update ? `wait: ${describeUpdate(update)}` : status.refusal ? status.next : nextHint(fresh, 'idle')) : status.next;
  }
  return { status, setup: fresh?.setup ?? null, update, recovered };
}

/** `status --json`: the status, the setup phase and a running update (without its lock's details). */
export function statusJson({ status, setup, update }: StatusReport): string {
  return `${JSON.stringify({ ...status, setup, update: update ? { since: update.since, from: update.from, to: update.to, pid: update.pid } : null }, null, 2)}\n`;
}

/** `status` for a person: one labelled line per fact, ending with what to do next. */
export function statusText({ status, setup, update, recovered }: StatusReport): string {
  const lines: string[] = [];
  lines.push(
    `setup:       ${setup ?? (status.setupComplete ? 'complete' : status.refusal ? 'unknown (see "refused" below)' : 'unknown (state not readable)')}`,
  );
  if (status.phase === 'idle') lines.push('apply:       none running');
  else {
    const counts = formatProgress(status.progress);
    lines.push(
      `apply:       ${status.id ?? '?'} from ${status.source ?? '?'}: ${status.phase}${counts ? `, ${counts}` : ''}${status.progress.activity ? ` (${status.progress.activity})` : ''}`,
    );
    if (status.confirmDeadline)
      lines.push(`confirm by:  ${status.confirmDeadline} (${status.confirmSecondsLeft ?? 0} s left)${status.newUrl ? ` at ${status.newUrl}` : ''}`);
  }
  if (status.refusal) lines.push(`refused:     ${status.refusal.reason} (at ${status.refusal.at})`);
  if (update) lines.push(`update:      ${update.from} -> ${update.to}, in progress since ${update.since} (pid ${update.pid})`);
  if (recovered) lines.push('recovered:   an interrupted apply was finished just now');
  if (status.generation !== null) lines.push(`generation:  ${status.generation} (boot default)`);
  const last = status.last;
  if (last) {
    lines.push(`last apply:  ${last.outcome} at ${last.finishedAt} (${last.id}, from ${last.source})`);
    if (last.reason && last.outcome !== 'applied') lines.push(`             ${last.failedPhase ? `${last.failedPhase}: ` : ''}${last.reason}`);
  } else lines.push('last apply:  none yet');
  lines.push(`next:        ${status.next}`);
  return `${lines.join('\n')}\n`;
}
