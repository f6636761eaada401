/** Errors of the apply engine; each knows its HTTP status (the web layer maps them). */
import type { FieldError } from '../config/schema.js';
import type { ApplyStatus } from './types.js';
import { describeUpdate, type UpdateActivity } from './update-lock.js';

export class ApplyError extends Error {
  readonly status: number = 500;
}

/**
 * Another apply is running or queued, or an update holds the apply lock (`update` says which).
 * Carries the current status for the 409 page.
 */
export class ApplyBusyError extends ApplyError {
  override readonly status = 409;
  constructor(
    readonly current: ApplyStatus,
    readonly update: UpdateActivity | null = null,
  ) {
    super(update && current.phase === 'idle' ? describeUpdate(update) : `another apply is ${current.phase === 'queued' ? 'queued' : 'running'} (${current.phase})`);
  }
}

/** The document does not validate; `errors` name the fields (never a secret's value). */
export class ApplyInvalidError extends ApplyError {
  override readonly status = 422;
  constructor(readonly errors: FieldError[]) {
    super('the document is not valid');
  }
}

/** Confirm for an apply that is not waiting for it (wrong id, finished, window closed). */
export class ApplyConfirmError extends ApplyError {
  override readonly status = 409;
}

/** The worker refused to act on the request (an unsafe layout, a ticket it could not accept). */
export class ApplyRefusedError extends ApplyError {
  override readonly status = 503;
  override readonly name = 'ApplyRefusedError';
  constructor(readonly reason: string) {
    super(`the apply service refused the request: ${reason}`);
  }
}
