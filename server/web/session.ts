/**
 * Sessions exist only after unlock: a random id in a `__Host-` cookie (Secure, HttpOnly,
 * SameSite=Strict, Path=/), kept in memory with an idle timeout. A restart ends every
 * session; the setup code (or the pre-claiming admin's password) unlocks again, and the draft
 * survives on disk.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

export const SESSION_COOKIE = '__Host-bowtie-setup';
/** Before unlock: only binds the unlock form's CSRF token to this browser. */
export const PRE_SESSION_COOKIE = '__Host-bowtie-setup-pre';
export const SESSION_IDLE_MS = 30 * 60 * 1000;
export const SESSION_MAX_AGE_MS = 12 * 3600 * 1000;
/** Memory bound: unlocks beyond this evict the least recently used session. */
export const SESSIONS_MAX = 64;

export interface Session {
  id: string;
  csrf: string;
  created: number;
  seen: number;
  /** A one-use token that opens a session at the appliance's new address (see handoffToken). */
  handoff?: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      session?: Session;
    }
  }
}

export function readCookie(req: Request, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function cookie(name: string, value: string, maxAgeSeconds: number | null): string {
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=Strict${maxAgeSeconds === null ? '' : `; Max-Age=${maxAgeSeconds}`}`;
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  /** Keys the pre-session CSRF tokens; new per process, like the sessions themselves. */
  private readonly csrfKey = randomBytes(32);

  constructor(private readonly now: () => number = Date.now) {}

  /** The live session of this request, touched; null when absent, unknown or expired. */
  load(req: Request): Session | null {
    const id = readCookie(req, SESSION_COOKIE);
    if (!id) return null;
    const session = this.sessions.get(id);
    if (!session) return null;
    const t = this.now();
    if (t - session.seen > SESSION_IDLE_MS || t - session.created > SESSION_MAX_AGE_MS) {
      this.sessions.delete(id);
      return null;
    }
    session.seen = t;
    // Map order is insertion order: re-insert so the first entry is the least recently used.
    this.sessions.delete(id);
    this.sessions.set(id, session);
    return session;
  }

  /**
   * For a long request (the progress stream): whether `session` is still live (not expired,
   * destroyed or evicted), marking it seen as the polling it replaces did; the age limit holds.
   */
  keepAlive(session: Session): boolean {
    const t = this.now();
    if (this.sessions.get(session.id) !== session) return false;
    if (t - session.seen > SESSION_IDLE_MS || t - session.created > SESSION_MAX_AGE_MS) {
      this.sessions.delete(session.id);
      return false;
    }
    session.seen = t;
    return true;
  }

  /** A fresh session (never reuses an id the browser had before: no fixation). */
  create(res: Response): Session {
    while (this.sessions.size >= SESSIONS_MAX) this.sessions.delete(this.sessions.keys().next().value!);
    const t = this.now();
    const session: Session = { id: randomBytes(32).toString('base64url'), csrf: randomBytes(32).toString('base64url'), created: t, seen: t };
    this.sessions.set(session.id, session);
    res.append('Set-Cookie', cookie(SESSION_COOKIE, session.id, SESSION_MAX_AGE_MS / 1000));
    res.append('Set-Cookie', cookie(PRE_SESSION_COOKIE, '', 0));
    return session;
  }

  destroy(req: Request, res: Response): void {
    const id = readCookie(req, SESSION_COOKIE);
    if (id) this.sessions.delete(id);
    res.append('Set-Cookie', cookie(SESSION_COOKIE, '', 0));
  }

  /**
   * When an apply moves the appliance to a new address, this session's cookie does not go
   * there (another origin). The link to the new address carries this token instead: one use,
   * valid as long as the session, so the admin can confirm within the window without
   * unlocking again.
   */
  handoffToken(session: Session): string {
    session.handoff ??= randomBytes(32).toString('base64url');
    return session.handoff;
  }

  /** Starts a session from a handoff token, which is used up; false when unknown or expired. */
  redeemHandoff(token: string, res: Response): boolean {
    const t = this.now();
    for (const s of this.sessions.values()) {
      if (s.handoff && sameSecret(s.handoff, token) && t - s.seen <= SESSION_IDLE_MS && t - s.created <= SESSION_MAX_AGE_MS) {
        delete s.handoff;
        this.create(res);
        return true;
      }
    }
    return false;
  }

  /**
   * The CSRF token forms of this request must carry: the session's, or before unlock one
   * derived from a random pre-session cookie, which `issue` sets when it is missing.
   */
  csrfToken(req: Request, res: Response, issue: boolean): string | null {
    if (req.session) return req.session.csrf;
    let pre = readCookie(req, PRE_SESSION_COOKIE);
    if (!pre || !/^[A-Za-z0-9_-]{43}$/.test(pre)) {
      if (!issue) return null;
      pre = randomBytes(32).toString('base64url');
      res.append('Set-Cookie', cookie(PRE_SESSION_COOKIE, pre, null));
    }
    return createHmac('sha256', this.csrfKey).update(pre).digest('base64url');
  }
}
