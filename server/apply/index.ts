/**
 * The apply engine's public face: what the web wizard, cloud-init and the CLI call.
 *
 * One engine turns a config document into the running system (DESIGN.md "Activation"):
 * validate -> write secrets and fragment -> nixos-rebuild build -> test -> confirm -> switch ->
 * health gate -> done, journaled in state.json before each step, rolled back on any failure.
 *
 * Privilege separation (DESIGN.md "Privilege separation"): the engine always runs in a worker
 * process (`bowtie-setup apply --worker`), never in the web process. The web process holds an
 * `ApplyClient`: it can drop a request into the spool, start the worker, read the published
 * status and ask for confirmation; nothing else. The worker re-validates the raw document and
 * hashes any plaintext password itself. Headless callers (`apply FILE`, cloud-init) use
 * `applyHeadless`, which goes through the same spool and worker and confirms through the
 * automatic health gate.
 *
 * Nothing returned here ever holds a secret (passwords, hashes, the enrollment token, the TLS
 * private key): status, errors and output lines are safe to render and log.
 *
 * Web wizard (apply step):
 *   const apply = createApplyClient({ root, simulate });
 *   const plan = await apply.plan(doc);          // review page: diff, secrets, commands, plan.newUrl
 *   const { id } = await apply.start({ document: doc, source: 'web', confirm: 'interactive' });
 *                                                 // ApplyBusyError -> 409 with err.current
 *                                                 // ApplyInvalidError -> 422 with err.errors
 *   await apply.status();                         // poll (or SSE from it): phase, progress,
 *                                                 // confirmDeadline/confirmSecondsLeft, newUrl, last
 *   await apply.confirm(id);                      // the Confirm button (ApplyConfirmError -> 409)
 *   await apply.logTail(200);                     // "details" toggle
 *   // status().setupComplete === true after a complete document: the wizard stands down.
 *
 * Headless (apply FILE, cloud-init):
 *   const result = await applyHeadless({ root, simulate, document, source: 'cloud-init' });
 *   // result.outcome: applied | unchanged | rolled-back (exit 3) | invalid (exit 1);
 *   // ApplyBusyError when another apply runs.
 */

export type * from './types.js';
export { ApplyBusyError, ApplyConfirmError, ApplyError, ApplyInvalidError } from './errors.js';
export { createApplyClient } from './client.js';
export { applyHeadless, type HeadlessApplyOptions } from './headless.js';
export { planApply } from './plan.js';
