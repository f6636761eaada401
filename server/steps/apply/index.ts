/**
 * Step 7, apply: starts the engine (server/apply) with the reviewed document and shows its
 * progress, the confirm window with its countdown and Confirm button, the new address when
 * the network changes, and the result with the output's tail. These routes stay available
 * after setup completes (the confirm and the final status are reached then).
 */
import { Router, type Request, type Response } from 'express';
import type { ApplyStatus } from '../../apply/index.js';
// errors.js, not index.js: the index pulls in the whole engine, which the web process loads only to apply.
import { ApplyBusyError, ApplyConfirmError, ApplyInvalidError } from '../../apply/errors.js';
import { validateDocument } from '../../config/validate.js';
import { HttpError } from '../../web/http-error.js';
import { sendHtml, sendPage } from '../../web/render.js';
import type { WizardDeps } from '../deps.js';
import { STEP_ORDER } from '../order.js';
import { reviewPage } from '../review/index.js';
import type { FormStep } from '../step.js';
import { doneSteps } from '../wizard.js';
import type { SessionStore } from '../../web/session.js';
import { applyPage, controllerUrl, isRunning, logBlock, statusBlock, type Continuation } from '../../../views/steps/apply.js';
import { withoutSecrets } from '../../config/schema.js';
import type { ActiveSite } from '../../export/active-site.js';
import { completionBlock } from '../../../views/partials/completion.js';
import { applianceTimeZone } from '../../../views/partials/schedule.js';

import { applyEventsRoute, STREAM_LIMITS, type StreamLimits } from './events.js';

export const LOG_LINES = 200;

/**
 * The applied site, read once setup is complete (it does not change after: the wizard stands
 * down), through the reader `export` uses. A read that failed is tried again next time.
 */
function completionReader(deps: WizardDeps): () => Promise<ActiveSite> {
  let read: Promise<ActiveSite> | null = null;
  return async () => {
    if (!deps.activeSite) return { kind: 'unreadable', reason: 'this wizard was started without access to the applied configuration' };
    const r = await (read ??= deps.activeSite());
    if (r.kind !== 'site') read = null;
    return r;
  };
}

export function applyRoutes(steps: readonly FormStep[], deps: WizardDeps, sessions: SessionStore, streamLimits: StreamLimits = STREAM_LIMITS): Router {
  const router = Router();
  const completion = completionReader(deps);
  const continuation = async (req: Request, res: Response, s: ApplyStatus): Promise<Continuation> => ({
    csrf: res.locals.csrf as string,
    controllerUrl: controllerUrl(req),
    newUrlLink: s.newUrl && req.session ? `${s.newUrl.replace(/\/?$/, '/')}resume?token=${encodeURIComponent(sessions.handoffToken(req.session))}` : null,
    completion:
      s.setupComplete && s.phase === 'idle'
        ? completionBlock(await completion(), controllerUrl(req), deps.now(), deps.timeZone?.() ?? applianceTimeZone())
        : null,
  });

  router.get('/apply', async (req, res) => {
    const [status, log, draft] = await Promise.all([deps.apply.status(), deps.apply.logTail(LOG_LINES), deps.drafts.get()]);
    const running = isRunning(status);
    sendPage(res, 200, {
      title: 'Apply',
      step: 'apply',
      done: req.session ? doneSteps(steps, draft.document) : null,
      refreshSeconds: running ? 2 : undefined,
      main: applyPage(STEP_ORDER.length, statusBlock(status, await continuation(req, res, status)), logBlock(log, running), running ? '/apply/events' : null),
    });
  });

  router.get('/apply/events', applyEventsRoute(deps.apply, sessions, continuation, streamLimits));

  router.get('/apply/status', async (req, res) => {
    if (req.headers['hx-request'] !== 'true') {
      res.redirect(303, '/apply');
      return;
    }
    const status = await deps.apply.status();
    sendHtml(res, 200, statusBlock(status, await continuation(req, res, status)));
  });

  router.get('/apply/log', async (req, res) => {
    if (req.headers['hx-request'] !== 'true') {
      res.redirect(303, '/apply');
      return;
    }
    const [status, log] = await Promise.all([deps.apply.status(), deps.apply.logTail(LOG_LINES)]);
    sendHtml(res, 200, logBlock(log, isRunning(status)));
  });

  router.post('/apply', async (_req, res) => {
    const draft = await deps.drafts.get();
    const csrf = res.locals.csrf as string;
    const checked = validateDocument(draft.document, 'complete', deps.now());
    if (!checked.ok) {
      sendPage(res, 422, await reviewPage(draft.document, csrf, steps, deps));
      return;
    }
    try {
      await deps.apply.start({ document: draft.document, source: 'web', confirm: 'interactive' });
    } catch (e) {
      if (e instanceof ApplyInvalidError) {
        sendPage(res, 422, await reviewPage(draft.document, csrf, steps, deps, e.errors));
        return;
      }
      if (e instanceof ApplyBusyError && e.update)
        throw new HttpError(409, `The appliance is being updated (${e.update.from} to ${e.update.to}). Apply again when the update has finished.`, {
          title: 'Update in progress',
        });
      if (e instanceof ApplyBusyError)
        throw new HttpError(409, 'Another apply is already running. Its progress is on the apply page.', { title: 'Apply in progress' });
      throw e;
    }
    // The ticket carries the secrets to the worker; the draft keeps none of them (should the
    // apply fail, the review page asks for them again).
    await deps.drafts.update((d) => {
      d.document = withoutSecrets(d.document);
    });
    res.redirect(303, '/apply');
  });

  router.post('/apply/confirm', async (req, res) => {
    const id = req.form?.text('id') ?? '';
    try {
      await deps.apply.confirm(id);
    } catch (e) {
      if (e instanceof ApplyConfirmError)
        throw new HttpError(409, 'There is nothing to confirm: the trial has ended or was rolled back. The apply page shows what happened.', {
          title: 'Nothing to confirm',
        });
      throw e;
    }
    res.redirect(303, '/apply');
  });

  return router;
}
