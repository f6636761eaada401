/**
 * The one place where errors become responses. An HttpError shows its own message with its
 * status; anything else is a bug: 500 with a generic page, and its stack goes to the log
 * (error messages of this code base never carry secrets; request bodies are never logged).
 */
import type { ErrorRequestHandler } from 'express';
import { errorPage } from '../../views/error-page.js';
import { HttpError, statusOf } from './http-error.js';
import { sendPage } from './render.js';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unlock first',
  403: 'Refused',
  404: 'Not found',
  409: 'Conflict',
  410: 'Setup is complete',
  413: 'Too large',
  421: 'Wrong address',
  429: 'Too many tries',
};

export function errorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const known = err instanceof HttpError ? err : null;
    // Errors of express itself (a malformed URL) carry a 4xx status; their text is not shown.
    const foreign = statusOf(err);
    const status = known?.status ?? (foreign !== null && foreign < 500 ? foreign : 500);
    if (status >= 500) log(`bowtie-setup serve: ${req.method} ${req.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    for (const [k, v] of Object.entries(known?.options.headers ?? {})) res.setHeader(k, v);
    if (res.headersSent) return;
    const title = known?.options.title ?? TITLES[status] ?? 'Something went wrong';
    const message =
      known?.message ??
      (status >= 500
        ? 'The wizard hit an unexpected error. Try again; if it persists, run "bowtie-setup status" on the console.'
        : 'The request could not be handled.');
    sendPage(res, status, {
      title,
      main: errorPage(status, title, message, req.headers.host ?? ''),
    });
  };
}
