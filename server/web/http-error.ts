/**
 * The one error type of the web layer: it knows its status and a message that is safe to show
 * (never a secret, never a stack). Anything else thrown is a bug and answers 500 with a
 * generic message; the error handler in error-handler.ts turns both into pages.
 */
import { ApplyBusyError, ApplyConfirmError, ApplyError, ApplyInvalidError, ApplyRefusedError } from '../apply/errors.js';
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly options: { headers?: Record<string, string>; title?: string } = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * The HTTP status of the apply engine's errors, which carry none: busy and "nothing to
 * confirm" are conflicts, an invalid document is unprocessable, a refusing worker is an
 * unavailable service; any other is a bug.
 */
export function applyErrorStatus(e: ApplyError): number {
  if (e instanceof ApplyBusyError || e instanceof ApplyConfirmError) return 409;
  if (e instanceof ApplyInvalidError) return 422;
  if (e instanceof ApplyRefusedError) return 503;
  return 500;
}

/** The status of an error: an HttpError's own, the apply engine's by class, or one that another library (express) attached. */
export function statusOf(e: unknown): number | null {
  if (e instanceof HttpError) return e.status;
  if (e instanceof ApplyError) return applyErrorStatus(e);
  const s = (e as { status?: unknown; statusCode?: unknown } | null)?.status ?? (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' && s >= 400 && s < 600 ? s : null;
}
