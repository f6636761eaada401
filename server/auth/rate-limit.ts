/**
 * Guessing the setup code or the pre-claiming admin's password: at most 10 failed tries per
 * 15 minutes per client (an IPv6 client is its /56), and a global cap on failed tries from
 * everyone together, so that many addresses cannot share the work. Successful unlocks are
 * not counted. The 11th failure in a window answers 429.
 */
import { rateLimit } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import { HttpError } from '../web/http-error.js';

export const UNLOCK_WINDOW_MS = 15 * 60 * 1000;
export const UNLOCK_TRIES_PER_CLIENT = 10;
export const UNLOCK_TRIES_GLOBAL = 100;

export function unlockRateLimit(options: { perClient?: number; global?: number; windowMs?: number } = {}): RequestHandler[] {
  const windowMs = options.windowMs ?? UNLOCK_WINDOW_MS;
  const common = {
    windowMs,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8' as const,
    legacyHeaders: false,
    handler: (_req: unknown, _res: unknown, next: (e: unknown) => void) => {
      next(
        new HttpError(429, `Too many wrong tries. Wait ${Math.round(windowMs / 60000)} minutes, then try again.`, {
          headers: { 'Retry-After': String(Math.ceil(windowMs / 1000)) },
        }),
      );
    },
  };
  return [
    rateLimit({ ...common, limit: options.perClient ?? UNLOCK_TRIES_PER_CLIENT, ipv6Subnet: 56 }),
    rateLimit({ ...common, limit: options.global ?? UNLOCK_TRIES_GLOBAL, keyGenerator: () => 'everyone', validate: { keyGeneratorIpFallback: false } }),
  ];
}
