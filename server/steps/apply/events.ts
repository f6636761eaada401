/**
 * GET /apply/events: the apply's progress as server-sent events (docs/decisions/0204), for
 * the apply page when JavaScript runs (views/assets/apply-events.js); without it the page
 * refreshes itself as before. Events:
 *   step       the engine entered another step (or finished): the status block, as HTML
 *   progress   figures or the countdown changed within a step: the status block, as HTML
 *   log-start  the log lines that follow replace what the page shows (a fresh stream, a new log)
 *   log        one line of the output log (printable text, never HTML)
 *   moved      the appliance will answer at another address: the link that carries the session
 *   end        nothing more will come: the apply has ended
 * Every event carries an id naming the log position and the step it follows, so a reconnect
 * (Last-Event-ID) resumes after the last line and step the browser saw, with neither repeated.
 * Bounded: a few streams per session and in all, a per-round read budget that waits for a slow
 * reader, and the stream ends with its session.
 */
import { once } from 'node:events';
import type { Request, RequestHandler, Response } from 'express';
import type { ApplyStatus } from '../../apply/index.js';
import { HttpError } from '../../web/http-error.js';
import type { SessionStore } from '../../web/session.js';
import { SSE_HEARTBEAT, sseEvent, sseRetry } from '../../web/sse.js';
import { statusBlock, type Continuation } from '../../../views/steps/apply.js';
import { LogFollower, type LogPosition } from './log-follower.js';

export interface StreamLimits {
  perSession: number;
  total: number;
  /** How often the status and the log are looked at. */
  pollMs: number;
  /** A comment line after this much quiet. */
  heartbeatMs: number;
  /** What the browser waits before reconnecting. */
  retryMs: number;
}

export const STREAM_LIMITS: StreamLimits = { perSession: 2, total: 8, pollMs: 250, heartbeatMs: 15_000, retryMs: 2_000 };

/** Where a stream stands: the log position and the step last sent. */
export interface StreamCursor {
  log: LogPosition | null;
  step: string;
}

const CURSOR = /^(none|\d{1,20}-\d{1,15})\.(\d{1,15})\.([a-z]{1,12})\.([a-z0-9-]{1,40})$/;

export function formatCursor(c: StreamCursor): string {
  return `${c.log?.file ?? 'none'}.${c.log?.offset ?? 0}.${c.step}`;
}

/** A Last-Event-ID from the browser; anything not of our making is no cursor (a fresh start). */
export function parseCursor(header: unknown): StreamCursor | null {
  if (typeof header !== 'string') return null;
  const m = CURSOR.exec(header);
  if (!m) return null;
  const offset = Number(m[2]);
  return { log: m[1] === 'none' ? null : { file: m[1]!, offset }, step: `${m[3]}.${m[4]}` };
}

/** The step a status is at: its phase and the apply it belongs to. */
export function stepKey(s: ApplyStatus): string {
  return `${s.phase}.${s.id ?? s.last?.id ?? 'none'}`;
}

function progressKey(s: ApplyStatus): string {
  return JSON.stringify([s.progress, s.confirmSecondsLeft, s.newUrl, s.interrupted, s.next, s.refusal?.at ?? null]);
}

export function applyEventsRoute(
  apply: { status(): Promise<ApplyStatus>; logChunk: import('../../apply/types.js').ApplyClient['logChunk'] },
  sessions: SessionStore,
  continuation: (req: Request, res: Response, s: ApplyStatus) => Continuation | Promise<Continuation>,
  limits: StreamLimits = STREAM_LIMITS,
): RequestHandler {
  const open = new Map<string, number>();
  let total = 0;
  return async (req, res) => {
    const session = req.session;
    if (!session) throw new HttpError(401, 'Unlock the wizard first.', { title: 'Unlock first' });
    if ((open.get(session.id) ?? 0) >= limits.perSession || total >= limits.total) {
      throw new HttpError(429, 'Too many progress streams are open. Close another tab showing the apply page.', { headers: { 'Retry-After': '10' } });
    }
    open.set(session.id, (open.get(session.id) ?? 0) + 1);
    total++;
    // Set by the close events, which the checker cannot see from here: a box, not a plain `let`.
    const conn = { closed: false };
    const isClosed = () => conn.closed;
    let wake: (() => void) | null = null;
    const onClose = () => {
      conn.closed = true;
      wake?.();
    };
    req.on('close', onClose);
    res.on('close', onClose);
    try {
      await stream(req, res);
    } catch {
      // A failed read ends the stream; the browser reconnects where it was.
    } finally {
      const left = (open.get(session.id) ?? 1) - 1;
      if (left <= 0) open.delete(session.id);
      else open.set(session.id, left);
      total--;
      if (!res.writableEnded) res.end();
    }

    async function send(chunk: string): Promise<void> {
      if (isClosed()) return;
      if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }

    function sleep(ms: number): Promise<void> {
      return new Promise((resolve) => {
        const t = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }

    async function stream(req: Request, res: Response): Promise<void> {
      const resumed = parseCursor(req.headers['last-event-id']);
      // 'none.none' is no status's step: a fresh stream sends the current one first.
      const cursor: StreamCursor = resumed ?? { log: null, step: 'none.none' };
      const log = new LogFollower((offset, max) => apply.logChunk(offset, max), cursor.log);
      res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
      res.flushHeaders();
      await send(sseRetry(limits.retryMs));
      let lastProgress = '';
      let movedSent = false;
      /** Sends the log's new lines (all of them, a budget at a time); true when it sent any. */
      const drainLog = async (): Promise<boolean> => {
        let sent = false;
        for (;;) {
          const step = await log.next();
          if (step.restarted) {
            cursor.log = step.start;
            await send(sseEvent({ event: 'log-start', id: formatCursor(cursor), data: '' }));
            sent = true;
          }
          for (const line of step.lines) {
            cursor.log = line.after;
            await send(sseEvent({ event: 'log', id: formatCursor(cursor), data: line.text }));
            sent = true;
          }
          cursor.log = log.position ?? cursor.log;
          if (!step.more || isClosed()) return sent;
        }
      };
      let quietSince = Date.now();
      for (;;) {
        if (isClosed()) return;
        if (!sessions.keepAlive(session!)) return; // the session ended: so does its stream
        const s = await apply.status();
        // The lines first: a step's notes come before the step's own event in the log.
        let wrote = await drainLog();
        const key = stepKey(s);
        const figures = progressKey(s);
        if (key !== cursor.step) {
          cursor.step = key;
          lastProgress = figures;
          await send(sseEvent({ event: 'step', id: formatCursor(cursor), data: statusBlock(s, await continuation(req, res, s), { poll: false }).value }));
          wrote = true;
        } else if (figures !== lastProgress) {
          // A resumed stream's first figures may repeat what the page shows: they replace it.
          lastProgress = figures;
          await send(sseEvent({ event: 'progress', id: formatCursor(cursor), data: statusBlock(s, await continuation(req, res, s), { poll: false }).value }));
          wrote = true;
        }
        const link = s.newUrl ? (await continuation(req, res, s)).newUrlLink : null;
        if (link && !movedSent) {
          movedSent = true;
          await send(sseEvent({ event: 'moved', id: formatCursor(cursor), data: link }));
        }
        if (s.phase === 'idle') {
          // What the worker wrote while it finished, then the end.
          await drainLog();
          await send(sseEvent({ event: 'end', id: formatCursor(cursor), data: '' }));
          return;
        }
        if (wrote) quietSince = Date.now();
        else if (Date.now() - quietSince >= limits.heartbeatMs) {
          await send(SSE_HEARTBEAT);
          quietSince = Date.now();
        }
        await sleep(limits.pollMs);
      }
    }
  };
}
