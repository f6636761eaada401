import { describe, expect, it } from 'vitest';
import { ApplyBusyError, ApplyConfirmError, ApplyError, ApplyInvalidError, ApplyRefusedError } from '../apply/errors.js';
import { idleStatus } from '../apply/status.js';
import { HttpError, statusOf } from './http-error.js';

describe('statusOf', () => {
  it("maps the apply engine's error classes, which carry no status, to the web's", () => {
    expect(statusOf(new ApplyBusyError(idleStatus({ phase: 'build' })))).toBe(409);
    expect(statusOf(new ApplyConfirmError('the confirm window has closed'))).toBe(409);
    expect(statusOf(new ApplyInvalidError([{ path: 'hostname', message: 'is required' }]))).toBe(422);
    expect(statusOf(new ApplyRefusedError('unsafe layout'))).toBe(503);
    expect(statusOf(new ApplyError('anything else'))).toBe(500);
    for (const e of [new ApplyBusyError(idleStatus()), new ApplyInvalidError([]), new ApplyRefusedError('x')]) expect('status' in e).toBe(false);
  });

  it("keeps an HttpError's own status and a library's 4xx, and knows nothing of other errors", () => {
    expect(statusOf(new HttpError(410, 'gone'))).toBe(410);
    expect(statusOf(Object.assign(new Error('bad URL'), { status: 400 }))).toBe(400);
    expect(statusOf(new Error('bug'))).toBeNull();
  });
});
