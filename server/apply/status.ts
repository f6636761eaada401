/**
 * The published status (<root>/run/bowtie-setup/status/status.json): what the web process,
 * `bowtie-setup status` and headless callers read. Built from state.json plus the live
 * progress; holds no secret.
 */
import { writeFileAtomic } from '../system/atomic-file.js';
import { printable, readBoundaryFile, rootOrSelf } from '../system/boundary-file.js';
import type { EngineState } from './journal.js';
import type { LockOwner } from './lock.js';
import { emptyProgress } from './empty-progress.js';
import type { ApplyPhase, ApplyProgress, ApplyStatus } from './types.js';

import type { PublishedStatus } from './status-schema.js';

export type { PublishedStatus } from './status-schema.js';

/** The published status is small; anything larger is not ours. */
export const MAX_STATUS_BYTES = 256 * 1024;

export function buildStatus(
  state: EngineState,
  extra: { progress?: ApplyProgress; generation: number | null; worker: LockOwner | null; now?: Date },
): PublishedStatus {
  const now = extra.now ?? new Date();
  const j = state.apply;
  const phase: ApplyPhase = j ? (j.step === 'backup' ? 'write' : j.step) : 'idle';
  const interactiveConfirm = j?.step === 'confirm' && j.confirmMode === 'interactive' && !j.confirmedAt;
  const deadline = interactiveConfirm ? j.confirmDeadline : null;
  return {
    phase,
    id: j?.id ?? null,
    source: j?.source ?? null,
    confirmMode: j?.confirmMode ?? null,
    startedAt: j?.startedAt ?? null,
    phaseStartedAt: j?.stepStartedAt ?? null,
    progress: extra.progress ?? emptyProgress(),
    confirmDeadline: deadline,
    confirmSecondsLeft: deadline ? Math.max(0, Math.ceil((Date.parse(deadline) - now.getTime()) / 1000)) : null,
    newUrl: j?.next?.newUrl ?? null,
    last: state.last,
    setupComplete: state.setup === 'complete',
    generation: extra.generation,
    interrupted: false,
    refusal: state.refusal ?? null,
    next: nextHint(state, phase),
    worker: extra.worker ? { pid: extra.worker.pid, startTime: extra.worker.startTime } : null,
    publishedAt: now.toISOString(),
  };
}

/** The status when nothing runs and nothing ran yet; `over` sets any field. */
export function idleStatus(over: Partial<ApplyStatus> = {}): ApplyStatus {
  return {
    phase: 'idle',
    id: null,
    source: null,
    confirmMode: null,
    startedAt: null,
    phaseStartedAt: null,
    progress: emptyProgress(),
    confirmDeadline: null,
    confirmSecondsLeft: null,
    newUrl: null,
    last: null,
    setupComplete: false,
    generation: null,
    interrupted: false,
    refusal: null,
    next: '',
    ...over,
  };
}

export function nextHint(state: EngineState, phase: ApplyPhase): string {
  const j = state.apply;
  if (j) {
    if (phase === 'confirm' && j.confirmMode === 'interactive') {
      return `open the wizard${j.next?.newUrl ? ` at ${j.next.newUrl}` : ''} and press Confirm before ${j.confirmDeadline ?? 'the window closes'}, or the previous configuration comes back`;
    }
    if (phase === 'rollback') return 'wait: the previous configuration is being restored';
    return `wait: apply ${j.id} is in progress (${phase})`;
  }
  if (state.refusal) return refusalHint(state.refusal.reason);
  const last = state.last;
  if (last?.outcome === 'rolled-back')
    return `the last apply failed in ${last.failedPhase ?? 'an unknown step'} and the previous configuration was restored: fix the cause and apply again`;
  if (last?.outcome === 'invalid') return 'the last document was not valid: correct the fields named and apply again';
  if (state.setup === 'complete') return 'setup is complete: the controller runs; use "bowtie-setup reset --config" to run setup again';
  if (state.setup === 'configured') return 'the network is configured: finish setup in the wizard (or apply a complete document)';
  return 'open the wizard in a browser (the address and setup code are on the VM console), or apply a complete document with "bowtie-setup apply FILE"';
}

export async function publishStatus(file: string, status: PublishedStatus): Promise<void> {
  // /run/bowtie-setup/status: rebuilt from the journal (state.json, written durably) after a crash.
  await writeFileAtomic(file, `${JSON.stringify(status)}\n`, { mode: 0o644, dirMode: 0o755, durable: false });
}

/**
 * The published status, or null when there is none yet; a file that is not a status (a link,
 * the wrong owner, a wrong shape) reads as a refusal, so that callers say so instead of guessing.
 */
export async function readPublishedStatus(file: string): Promise<PublishedStatus | null> {
  const read = await readBoundaryFile(file, {
    what: 'the published status',
    maxBytes: MAX_STATUS_BYTES,
    owners: rootOrSelf(),
    format: 'json',
    // The web process asks before its first page: zod only once there is a status to read.
    schema: async () => (await import('./status-schema.js')).publishedStatusSchema,
  });
  if (read.kind === 'absent') return null;
  if (read.kind === 'ok') return read.value;
  const now = new Date().toISOString();
  return {
    ...idleStatus(),
    refusal: { at: now, reason: read.reason },
    next: `the apply status cannot be read: ${read.reason}`,
    worker: null,
    publishedAt: now,
  };
}

/** What to do about a refusal, in words: shown by the wizard, `status` and the console. */
export function refusalHint(reason: string): string {
  return `the apply service refused the request: ${printable(reason)}; nothing was changed. Check "systemctl status ${APPLY_UNIT}" and "journalctl -u ${APPLY_UNIT}", then apply again`;
}

/** The root worker's unit (nix/modules/setup.nix). */
export const APPLY_UNIT = 'bowtie-setup-apply.service';

/**
 * Publishes a refusal when the worker cannot even trust its own state (an unsafe layout): the
 * journal is not read, so the status says only this, with no worker.
 */
export async function publishRefusal(p: { status: string }, reason: string): Promise<void> {
  const now = new Date().toISOString();
  const status: PublishedStatus = {
    ...idleStatus(),
    refusal: { at: now, reason: printable(reason) },
    next: refusalHint(reason),
    worker: null,
    publishedAt: now,
  };
  await publishStatus(p.status, status);
}
