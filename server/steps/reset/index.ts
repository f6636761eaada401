/**
 * GET/POST /reset: `reset --config` from the browser, after the admin password is typed again
 * (docs/decisions/0525). The web process never sees the admin's hash: it queues the reset with
 * the password, and the root worker checks it before it changes anything, then runs the reset
 * through the same engine path as `bowtie-setup reset --config`. A wrong password comes back
 * here with nothing changed; a running reset is followed on the apply page.
 */
import { Router } from 'express';
import { unlockRateLimit } from '../../auth/rate-limit.js';
import { ApplyBusyError } from '../../apply/errors.js';
import { PASSWORD_MAX } from '../../config/limits.js';
import { HttpError, statusOf } from '../../web/http-error.js';
import { sendPage } from '../../web/render.js';
import type { WizardDeps } from '../deps.js';
import { RESET_PASSWORD_FIELD, resetPage } from '../../../views/steps/reset.js';

export function resetRoutes(deps: WizardDeps): Router {
  const router = Router();
  router.get('/reset', (_req, res) => {
    sendPage(res, 200, resetPage(res.locals.csrf as string));
  });
  // Each wrong password costs the worker an argon2 check: as many tries as the unlock page allows.
  router.post('/reset', ...unlockRateLimit(), async (req, res) => {
    const csrf = res.locals.csrf as string;
    const password = req.form?.text(RESET_PASSWORD_FIELD) ?? '';
    const malformed =
      password === ''
        ? 'enter the admin password'
        : password.length > PASSWORD_MAX
          ? `is longer than ${PASSWORD_MAX} characters: it is not the admin password`
          : null;
    if (malformed !== null) {
      sendPage(res, 422, resetPage(csrf, [{ path: 'admin.password', message: malformed }]));
      return;
    }
    let decided: Awaited<ReturnType<WizardDeps['apply']['resetConfig']>>;
    try {
      decided = await deps.apply.resetConfig(password);
    } catch (e) {
      if (e instanceof ApplyBusyError && e.update)
        throw new HttpError(409, `The appliance is being updated (${e.update.from} to ${e.update.to}). Reset when the update has finished.`, {
          title: 'Update in progress',
        });
      if (statusOf(e) === 409)
        throw new HttpError(409, 'An apply is running. Its progress is on the apply page; reset when it has finished.', { title: 'Apply in progress' });
      throw e;
    }
    if (decided.refused) {
      sendPage(res, 422, resetPage(csrf, decided.refused));
      return;
    }
    res.redirect(303, '/apply');
  });
  return router;
}
