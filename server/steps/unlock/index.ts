/**
 * The first page: unlock with the setup code from the console (or, when cloud-init user data
 * pre-claimed the appliance, with that admin's email and password). Success starts a session
 * and goes to the first step; failures are rate-limited (server/auth/rate-limit.ts).
 */
import { Router, type RequestHandler } from 'express';
import type { Claim } from '../../auth/claim.js';
import { claimMatches } from '../../auth/claim.js';
import { hasUserDataProblem, type CloudInitResult } from '../../auth/cloud-init-result.js';
import { sendPage } from '../../web/render.js';
import type { SessionStore } from '../../web/session.js';
import { unlockPage, userDataPage } from '../../../views/steps/unlock.js';
import { stepPath, type StepName } from '../order.js';

export interface UnlockDeps {
  claim: Claim;
  cloudInit: CloudInitResult | null;
  sessions: SessionStore;
  rateLimit: RequestHandler[];
  /** Where a session starts: the first open step (loaded with the steps, server/steps/routes.ts). */
  firstOpenStep(): Promise<StepName>;
}

export function unlockRoutes(u: UnlockDeps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    res.redirect(303, req.session ? stepPath(await u.firstOpenStep()) : '/unlock');
  });

  // What was wrong with the user data, for an unlocked session only.
  router.get('/user-data', async (req, res) => {
    if (!req.session) {
      res.redirect(303, '/unlock');
      return;
    }
    sendPage(res, 200, {
      title: 'Cloud-init user data',
      main: userDataPage(u.cloudInit, stepPath(await u.firstOpenStep())),
    });
  });

  router.get('/unlock', async (req, res) => {
    if (req.session) {
      res.redirect(303, stepPath(await u.firstOpenStep()));
      return;
    }
    sendPage(res, 200, unlockPage(u.claim, u.cloudInit, res.locals.csrf as string, false));
  });

  // The link to the appliance's new address after an apply moved it (SessionStore.handoffToken).
  router.get('/resume', (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    res.redirect(303, token !== '' && u.sessions.redeemHandoff(token, res) ? '/apply' : '/unlock');
  });

  router.post('/unlock', ...u.rateLimit, async (req, res) => {
    if (await claimMatches(u.claim, req.form!)) {
      u.sessions.create(res);
      res.redirect(303, hasUserDataProblem(u.cloudInit) ? '/user-data' : stepPath(await u.firstOpenStep()));
      return;
    }
    const page = unlockPage(u.claim, u.cloudInit, res.locals.csrf as string, true, req.form!.text('email'));
    sendPage(res, 401, page);
  });

  return router;
}
