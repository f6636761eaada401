/**
 * The web process's handle on the engine (see index.ts): it queues requests in the spool,
 * starts the worker, reads the published status and marks confirmations. It never touches
 * the state directory, the fragment or the secrets.
 */
import { readBoundaryChunk, printable, rootOrSelf } from '../system/boundary-file.js';
import { readOutputLog } from './output-log.js';
import { validateDocument } from '../config/validate.js';
import { ApplyBusyError, ApplyConfirmError, ApplyInvalidError } from './errors.js';
import { planApply } from './plan.js';
import { startWorkerFromWeb } from './launch.js';
import { enginePaths } from './paths.js';
import { createTicket, newApplyId, removeTicket, writeConfirm } from './spool.js';
import type { ApplyClient, ApplyOptions, ApplyRequest, ApplyStatus, LogChunk } from './types.js';
import { readUpdateActivity } from './update-lock.js';
import { readStatus } from './status-reader.js';

import { DEFAULT_CONFIRM_WINDOW_SECONDS } from './timeouts.js';

export interface ClientOptions extends ApplyOptions {
  /** How to start the worker; default: a child under --simulate, the apply unit otherwise. */
  startWorker?: () => Promise<void>;
}

export { readStatus, TICKET_NOT_TAKEN_MS, type StatusExtras } from './status-reader.js';

/** A queued ticket this old with no live worker gets another start of the worker. */
const KICK_AFTER_MS = 3_000;
/** How long Confirm waits for a worker to take its mark (under the server's 30 s request limit). */
const CONFIRM_TAKEN_MS = 25_000;
/** How long a browser's reset waits for the worker's decision on the password (likewise). */
const RESET_DECIDED_MS = 25_000;

export function createApplyClient(opts: ClientOptions): ApplyClient {
  const p = enginePaths(opts.root);
  const startWorker = opts.startWorker ?? (() => startWorkerFromWeb(opts.root, opts.simulate));
  let lastKick = 0;

  async function status(): Promise<ApplyStatus> {
    const s = await readStatus(p);
    const { workerAlive, update: _u, queuedForMs: _q, ...out } = s;
    // A dead worker left an apply behind (or a queued request was never taken): start one to
    // recover; at most every 2 s (a worker started while the old one is still dying just exits).
    // A fresh ticket is not stuck: start() has just started a worker, which may still be
    // loading. A second one started now could outlive the first and take a later ticket.
    const stuckTicket = s.phase === 'queued' && !workerAlive && s.queuedForMs > KICK_AFTER_MS;
    if ((s.interrupted || stuckTicket) && Date.now() - lastKick > 2000) {
      lastKick = Date.now();
      await startWorker().catch(() => {});
    }
    return out;
  }

  return {
    async start(req: ApplyRequest) {
      const checked = validateDocument(req.document, 'any');
      if (!checked.ok) throw new ApplyInvalidError(checked.errors);
      const current = await status();
      if (current.phase !== 'idle') throw new ApplyBusyError(current);
      const running = await readUpdateActivity(p);
      if (running) throw new ApplyBusyError(current, running);
      const window = Math.round(req.confirmWindowSeconds ?? DEFAULT_CONFIRM_WINDOW_SECONDS);
      const id = newApplyId();
      const queued = await createTicket(p, {
        id,
        createdAt: new Date().toISOString(),
        source: req.source,
        confirm: req.confirm,
        confirmWindowSeconds: Math.min(900, Math.max(30, window)),
        document: req.document,
      });
      if (!queued) throw new ApplyBusyError(await status());
      // An update may have taken the lock meanwhile; it looks for our ticket after publishing
      // itself, so one of us sees the other (update-lock.ts).
      const raced = await readUpdateActivity(p);
      if (raced) {
        await removeTicket(p, id);
        throw new ApplyBusyError(await status(), raced);
      }
      await startWorker();
      return { id };
    },

    status,

    async confirm(id: string) {
      const s = await readStatus(p);
      if (s.id !== id || s.phase !== 'confirm' || s.confirmMode !== 'interactive') {
        throw new ApplyConfirmError(s.last?.id === id ? `apply ${id} has ended (${s.last.outcome})` : `apply ${id} is not waiting for confirmation`);
      }
      if (s.confirmDeadline && Date.parse(s.confirmDeadline) <= Date.now()) throw new ApplyConfirmError('the confirm window has closed');
      await writeConfirm(p, id);
      // Resolve once a worker has taken it (it checks every 200 ms). The mark stays in the spool,
      // so a worker that died meanwhile is no reason to give up: status() starts the next one,
      // which resumes the confirm phase and finds the mark. The deadline only bounds a request
      // that nothing answers (within the server's request timeout).
      const deadline = Date.now() + CONFIRM_TAKEN_MS;
      for (;;) {
        const now = await status();
        if (now.id !== id || now.phase !== 'confirm') {
          if (now.last?.id === id && now.last.outcome === 'rolled-back' && now.last.failedPhase === 'confirm')
            throw new ApplyConfirmError('the confirm window closed first');
          return;
        }
        if (Date.now() > deadline) throw new ApplyConfirmError('the worker did not take the confirmation');
        await new Promise((r) => setTimeout(r, 100));
      }
    },

    async logTail(lines: number) {
      const read = await readOutputLog(p.output);
      const text = read.kind === 'ok' ? read.value : '';
      const all = text.split('\n');
      if (all[all.length - 1] === '') all.pop();
      return all.slice(-Math.max(0, Math.floor(lines))).map((line) => printable(line, 4000));
    },

    async logChunk(offset: number, maxBytes: number): Promise<LogChunk | null> {
      const read = await readBoundaryChunk(p.output, { what: 'the apply output log', owners: rootOrSelf(), maxBytes }, offset);
      return read.kind === 'ok' ? read : null;
    },

    async resetConfig(password: string) {
      const current = await status();
      if (current.phase !== 'idle') throw new ApplyBusyError(current);
      const running = await readUpdateActivity(p);
      if (running) throw new ApplyBusyError(current, running);
      const id = newApplyId();
      // Health-gate confirm, as the CLI's reset: the network stays, so nothing needs a click.
      const queued = await createTicket(p, {
        id,
        createdAt: new Date().toISOString(),
        source: 'web',
        confirm: 'health-gate',
        confirmWindowSeconds: 120,
        reset: 'config',
        password,
      });
      if (!queued) throw new ApplyBusyError(await status());
      const raced = await readUpdateActivity(p);
      if (raced) {
        await removeTicket(p, id);
        throw new ApplyBusyError(await status(), raced);
      }
      await startWorker();
      // The worker checks the password before it journals anything; past the validate step (or
      // finished) it has decided. The deadline only bounds a request that nothing answers.
      const deadline = Date.now() + RESET_DECIDED_MS;
      for (;;) {
        const now = await status();
        if (now.last?.id === id && now.phase === 'idle') return { id, refused: now.last.outcome === 'invalid' ? now.last.errors : null };
        if (now.id === id && now.phase !== 'queued' && now.phase !== 'validate') return { id, refused: null };
        if (Date.now() > deadline) return { id, refused: null };
        await new Promise((r) => setTimeout(r, 100));
      }
    },

    plan(document: unknown) {
      return planApply({ root: opts.root, simulate: opts.simulate, document });
    },
  };
}
