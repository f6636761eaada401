/**
 * The one reader of the apply status for the web process, the CLI (`status`, headless applies)
 * and the console: the published file, the spool's ticket, whether the worker lives, and a
 * running update, combined into what a person should be told. Below both the client and the
 * headless path, so that neither imports the other.
 */
import { emptyState } from './journal.js';
import { isSameProcessAlive } from './process-info.js';
import type { EnginePaths } from './paths.js';
import { readTicket, removeTicket } from './spool.js';
import { APPLY_UNIT, idleStatus, nextHint, readPublishedStatus } from './status.js';
import type { ApplyStatus } from './types.js';
import { describeUpdate, readUpdateActivity, type UpdateActivity } from './update-lock.js';

/** What readStatus adds to the published status. */
export interface StatusExtras {
  workerAlive: boolean;
  /** An update holding the apply lock (docs/decisions/0511), or null. */
  update: UpdateActivity | null;
}

/** The status as the web process sees it: the published file, the spool, the worker's liveness and a running update. */
export async function readStatus(p: EnginePaths): Promise<ApplyStatus & StatusExtras & { queuedForMs: number }> {
  const status = await readApplyStatus(p);
  const update = await readUpdateActivity(p);
  if (update && status.phase === 'idle') return { ...status, next: `wait: ${describeUpdate(update)}`, update };
  return { ...status, update };
}

/** A ticket no worker took within this time means that the apply service is not starting. */
export const TICKET_NOT_TAKEN_MS = 10_000;

async function readApplyStatus(p: EnginePaths): Promise<ApplyStatus & { workerAlive: boolean; queuedForMs: number }> {
  const published = await readPublishedStatus(p.status);
  let ticket = await readTicket(p).catch(() => null);
  const workerAlive = published?.worker ? isSameProcessAlive(published.worker.pid, published.worker.startTime) : false;
  const base: ApplyStatus = published ?? idleStatus({ next: nextHint(emptyState(), 'idle') });
  const { worker: _w, publishedAt: _p, ...status } = base as ApplyStatus & { worker?: unknown; publishedAt?: unknown };
  if (status.confirmDeadline) status.confirmSecondsLeft = Math.max(0, Math.ceil((Date.parse(status.confirmDeadline) - Date.now()) / 1000));
  if (
    ticket?.kind === 'ok' &&
    !ticket.request.taken &&
    !workerAlive &&
    status.refusal &&
    Date.parse(status.refusal.at) >= Date.parse(ticket.request.createdAt)
  ) {
    // The worker refused to run after this request was queued (an unsafe layout): it will not
    // take it. Withdraw it, so that the refusal shows and a later request can be queued.
    await removeTicket(p, ticket.request.id);
    ticket = null;
  }
  if (status.phase === 'idle' && ticket?.kind === 'ok' && !ticket.request.taken) {
    const r = ticket.request;
    const stalled = !workerAlive && ticket.ageMs > TICKET_NOT_TAKEN_MS;
    const next = stalled
      ? `the apply service is not running: the request has waited ${Math.round(ticket.ageMs / 1000)} s. Check "systemctl status ${APPLY_UNIT}" and "journalctl -u ${APPLY_UNIT}" on the appliance`
      : 'wait: the apply is starting';
    return { ...status, phase: 'queued', id: r.id, source: r.source, confirmMode: r.confirm, next, workerAlive, queuedForMs: ticket.ageMs };
  }
  if (status.phase === 'idle' && ticket?.kind === 'refused') {
    return { ...status, phase: 'queued', next: 'wait: the apply service is clearing a request it cannot accept', workerAlive, queuedForMs: 0 };
  }
  if (status.phase === 'idle' && ticket?.kind === 'ok' && ticket.request.taken && !workerAlive) {
    // A worker died after finishing but before clearing its ticket: a worker must clear it.
    return { ...status, interrupted: true, next: 'an interrupted apply is being cleaned up', workerAlive, queuedForMs: 0 };
  }
  if (status.phase !== 'idle' && !workerAlive) {
    return { ...status, interrupted: true, next: 'the apply was interrupted: the previous configuration is being restored', workerAlive, queuedForMs: 0 };
  }
  return { ...status, workerAlive, queuedForMs: 0 };
}
