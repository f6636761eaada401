/**
 * Guessing the setup code or the pre-claiming admin's password: at most 10 failed tries per
 * 15 minutes per client (an IPv6 client is its /56); the 11th failure from that client in a
 * window answers 429. Successful unlocks are not counted.
 *
 * There is no cap over all clients together (docs/decisions/0620): one shared by everyone let
 * 100 wrong codes from 10 addresses lock the owner out, from any address, again and again. The
 * setup code's 79 bits make guessing from many addresses hopeless; an admin password is hashed
 * with argon2id under a concurrency cap, so many addresses cannot exhaust the CPU either.
 */
import type { RequestHandler } from 'express';
import { HttpError } from '../web/http-error.js';

export const UNLOCK_WINDOW_MS = 15 * 60 * 1000;
export const UNLOCK_TRIES_PER_CLIENT = 10;

/**
 * express-rate-limit (with the address library it keys IPv6 clients by) is loaded by the first
 * request it counts, not when the app is made: the wizard's first page is a GET that it does
 * not count, and loading it before listening cost start-up time (docs/decisions/0690). Its
 * window starts with that first request, as it would have anyway.
 */
export function unlockRateLimit(options: { perClient?: number; windowMs?: number } = {}): RequestHandler[] {
  const windowMs = options.windowMs ?? UNLOCK_WINDOW_MS;
  let limiter: Promise<RequestHandler> | null = null;
  const load = () =>
    (limiter ??= import('express-rate-limit').then(({ rateLimit }) =>
      rateLimit({
        windowMs,
        limit: options.perClient ?? UNLOCK_TRIES_PER_CLIENT,
        ipv6Subnet: 56,
        skipSuccessfulRequests: true,
        standardHeaders: 'draft-8',
        legacyHeaders: false,
        handler: (_req, _res, next) => {
          next(
            new HttpError(429, `Too many wrong tries from this address. Wait ${Math.round(windowMs / 60000)} minutes, then try again.`, {
              headers: { 'Retry-After': String(Math.ceil(windowMs / 1000)) },
            }),
          );
        },
      }),
    ));
  return [async (req, res, next) => (await load())(req, res, next)];
}
