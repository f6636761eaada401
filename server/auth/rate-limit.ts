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
import { rateLimit } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import { HttpError } from '../web/http-error.js';

export const UNLOCK_WINDOW_MS = 15 * 60 * 1000;
export const UNLOCK_TRIES_PER_CLIENT = 10;

export function unlockRateLimit(options: { perClient?: number; windowMs?: number } = {}): RequestHandler[] {
  const windowMs = options.windowMs ?? UNLOCK_WINDOW_MS;
  return [
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
  ];
}
