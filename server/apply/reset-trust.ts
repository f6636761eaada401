/**
 * Whether the worker may honour a reset ticket (docs/decisions/0520, 0525). The web process
 * queues documents; a reset wipes settings, so it needs more than write access to the spool:
 * - a ticket the worker's own user wrote (root: the CLI and the console) may ask for either
 *   reset, as before;
 * - a ticket with the admin password (the browser's reset page) may ask only for `config`, and
 *   only when the password matches the admin's hash, which root keeps and the web process
 *   cannot read. That holds whoever wrote the ticket: a password ticket is always judged as the
 *   browser's, so a factory reset is never done from there.
 * The password is compared here and goes nowhere else: no journal, no log, no status.
 */
import { z } from 'zod';
import { verifyPassword } from '../config/hash-password.js';
import type { FieldError } from '../config/schema.js';
import { readBoundaryFile } from '../system/boundary-file.js';
import type { EnginePaths } from './paths.js';
import type { SpoolRequest } from './spool.js';

export interface ResetTrust {
  reset: boolean;
  /** Why not, for the result's errors (no secret in it). */
  refusal?: FieldError;
}

/** An argon2 PHC string is far shorter; a larger file is not a hash the engine wrote. */
const MAX_HASH_BYTES = 4096;

export async function resetTrust(paths: EnginePaths, req: SpoolRequest, ticketUid: number): Promise<ResetTrust> {
  const own = process.getuid?.() ?? 0;
  if (req.password === undefined) return { reset: ticketUid === own };
  if (req.reset !== 'config') {
    return {
      reset: false,
      refusal: { path: 'reset', message: 'a factory reset is not offered in the browser: run "bowtie-setup reset --factory" on the console or over SSH' },
    };
  }
  const hash = await readBoundaryFile(paths.secrets.adminPasswordHash, {
    what: "the admin's password hash",
    maxBytes: MAX_HASH_BYTES,
    owners: [own],
    format: 'text',
    schema: z.string(),
  });
  if (hash.kind !== 'ok') {
    return {
      reset: false,
      refusal: {
        path: 'admin.password',
        message: 'cannot be checked: no admin password is set on this appliance. Reset on the console or over SSH ("bowtie-setup reset --config")',
      },
    };
  }
  if (!(await verifyPassword(hash.value.trim(), req.password)))
    return { reset: false, refusal: { path: 'admin.password', message: 'is not the admin password; nothing was changed' } };
  return { reset: true };
}
