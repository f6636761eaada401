/**
 * CSRF defence on every request that is not GET or HEAD, in two independent layers:
 * 1. the browser's own statement of where the request comes from: Sec-Fetch-Site must be
 *    same-origin and Origin must be this very origin, when the browser sends them;
 * 2. a token in the form (`_csrf`) or the X-CSRF-Token header that equals the session's token
 *    (before unlock: the token bound to the pre-session cookie).
 * Either failing answers 403. SameSite=Strict cookies are a third layer on top.
 */
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './http-error.js';
import { sameSecret } from './session.js';

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function checkCsrf(req: Request, res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') throw new HttpError(403, 'Cross-site requests are refused.');
  const origin = req.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `https://${String(req.headers.host).toLowerCase()}`)
    throw new HttpError(403, 'Cross-site requests are refused.');
  const expected = res.locals.csrf as string | null;
  const given = req.form?.text(CSRF_FIELD) || String(req.headers[CSRF_HEADER] ?? '');
  if (!expected || !given || !sameSecret(expected, given)) {
    throw new HttpError(403, 'This form has expired or did not come from this page. Go back, reload the page and try again.');
  }
  next();
}
