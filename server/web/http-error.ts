/**
 * The one error type of the web layer: it knows its status and a message that is safe to show
 * (never a secret, never a stack). Anything else thrown is a bug and answers 500 with a
 * generic message; the error handler in error-handler.ts turns both into pages.
 */
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

/** True for errors that other modules raise with an HTTP status (e.g. the apply engine's 409). */
export function statusOf(e: unknown): number | null {
  if (e instanceof HttpError) return e.status;
  const s = (e as { status?: unknown; statusCode?: unknown } | null)?.status ?? (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' && s >= 400 && s < 600 ? s : null;
}
