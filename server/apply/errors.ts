/**
 * Errors of the apply engine. They carry no HTTP status: the engine serves the CLI, the console
 * and cloud-init as much as the web, and the web layer maps each class to its status
 * (server/web/http-error.ts).
 */
import type { FieldError } from '../config/schema.js';
import type { ApplyStatus } from './types.js';
import { describeUpdate, type UpdateActivity } from './update-activity.js';

export class ApplyError extends Error {}

/**
 * Another apply is running or queued, or an update holds the apply lock (`update` says which).
 * Carries the current status for the page that says so.
 */
export class ApplyBusyError extends ApplyError {
  constructor(
    readonly current: ApplyStatus,
    readonly update: UpdateActivity | null = null,
  ) {
    super(
      update && current.phase === 'idle' ? describeUpdate(update) : `another apply is ${current.phase === 'queued' ? 'queued' : 'running'} (${current.phase})`,
    );
  }
}

/** The document does not validate; `errors` name the fields (never a secret's value). */
export class ApplyInvalidError extends ApplyError {
  constructor(readonly errors: FieldError[]) {
    super('the document is not valid');
  }
}

/** Confirm for an apply that is not waiting for it (wrong id, finished, window closed). */
export class ApplyConfirmError extends ApplyError {}

/** The worker refused to act on the request (an unsafe layout, a ticket it could not accept). */
export class ApplyRefusedError extends ApplyError {
  override readonly name = 'ApplyRefusedError';
  constructor(readonly reason: string) {
    super(`the apply service refused the request: ${reason}`);
  }
}
