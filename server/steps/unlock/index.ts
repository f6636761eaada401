/**
 * The first page: unlock with the setup code from the console (or, when cloud-init user data
 * pre-claimed the appliance, with that admin's email and password). Success starts a session
 * and goes to the first step; failures are rate-limited (server/auth/rate-limit.ts).
 */
import { Router, type RequestHandler } from 'express';
import type { Claim } from '../../auth/claim.js';
import { claimMatches } from '../../auth/claim.js';
import type { CloudInitResult } from '../../auth/cloud-init-result.js';
import { SETUP_CODE_LENGTH } from '../../auth/setup-code.js';
import { CSRF_FIELD } from '../../web/csrf.js';
import { html, type SafeHtml } from '../../web/html.js';
import { sendPage } from '../../web/render.js';
import type { SessionStore } from '../../web/session.js';
import { field } from '../../views/partials/field.js';
import { stepPath, type StepName } from '../order.js';

export interface UnlockDeps {
  claim: Claim;
  cloudInit: CloudInitResult | null;
  sessions: SessionStore;
  rateLimit: RequestHandler[];
  /** Where a session starts: the first open step (loaded with the steps, server/steps/routes.ts). */
  firstOpenStep(): Promise<StepName>;
}

function rejectedUserData(cloudInit: CloudInitResult | null): SafeHtml {
  if (cloudInit?.status !== 'rejected') return html``;
  return html`<div class="error-summary" role="alert" aria-labelledby="user-data-title">
<h2 id="user-data-title">Cloud-init user data was rejected:</h2>
<ul>${cloudInit.errors.map((e) => html`<li>${e.path}: ${e.message}</li>`)}</ul>
<p>Nothing from it was applied. Finish the setup here instead, or fix the user data and deploy again.</p></div>`;
}

/**
 * Before unlock, only that there was a problem: the details name the document's fields and its
 * problems, which are for the person who deployed the appliance (docs/decisions/0620).
 */
function userDataNotice(cloudInit: CloudInitResult | null): SafeHtml {
  if (!hasUserDataProblem(cloudInit)) return html``;
  return html`<div class="notice" role="status"><p>Cloud-init user data for this appliance could not be used. Unlock to see what was wrong.</p></div>`;
}

function hasUserDataProblem(cloudInit: CloudInitResult | null): boolean {
  if (cloudInit?.status === 'rejected') return true;
  const a = cloudInit?.status === 'prefilled' ? cloudInit.activation : null;
  return !!a && (a.outcome === 'rolled-back' || a.outcome === 'not-started');
}

/** A partial document from user data whose settings could not be applied (docs/decisions/0512). */
function failedActivation(cloudInit: CloudInitResult | null): SafeHtml {
  const a = cloudInit?.status === 'prefilled' ? cloudInit.activation : null;
  if (!a || (a.outcome !== 'rolled-back' && a.outcome !== 'not-started')) return html``;
  return html`<div class="error-summary" role="alert" aria-labelledby="activation-title">
<h2 id="activation-title">The settings from cloud-init user data could not be applied</h2>
<p>${a.configures.join(', ')}: ${a.reason ?? 'no reason given'}.</p>
<p>The appliance runs as before. The settings are filled in: correct them here and finish the setup.</p></div>`;
}

function unlockPage(claim: Claim, cloudInit: CloudInitResult | null, csrf: string, failed: boolean, email = ''): { title: string; main: SafeHtml } {
  const fields =
    claim.kind === 'setup-code'
      ? field({
          name: 'code',
          label: 'Setup code',
          errors: failed ? ['is not the setup code shown on the console'] : [],
          hint: html`Shown on the appliance's console (the VM console of your cloud or hypervisor), ${SETUP_CODE_LENGTH} letters and digits in groups, e.g. <span class="mono">ABCD-EFGH-JKMN-PQRS</span>.`,
          autocomplete: 'off',
          required: true,
        })
      : html`${field({ name: 'email', label: 'Admin email address', type: 'email', value: email, autocomplete: 'username', required: true })}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', required: true, errors: failed ? ['email address or password is wrong'] : [] })}`;
  const main = html`<h1>Set up this controller</h1>
${userDataNotice(cloudInit)}
${
  claim.kind === 'admin'
    ? html`<p>This appliance was pre-configured by cloud-init user data, which names its administrator. Sign in as that administrator to finish the setup.</p>`
    : html`<p>To make sure it is you who deployed this appliance, enter the setup code from its console.</p>`
}
<form method="post" action="/unlock" novalidate>
<input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
${fields}
<div class="actions"><button type="submit" class="primary">Unlock</button></div>
</form>`;
  return { title: 'Unlock', main };
}

export function unlockRoutes(u: UnlockDeps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    res.redirect(303, req.session ? stepPath(await u.firstOpenStep()) : '/unlock');
  });

  // What was wrong with the user data, for an unlocked session only.
  router.get('/user-data', async (req, res) => {
    if (!req.session) return res.redirect(303, '/unlock');
    sendPage(res, 200, {
      title: 'Cloud-init user data',
      main: html`<h1>Cloud-init user data</h1>
${rejectedUserData(u.cloudInit)}
${failedActivation(u.cloudInit)}
${hasUserDataProblem(u.cloudInit) ? html`` : html`<p>The user data was used as it was given.</p>`}
<p><a class="button primary" href="${stepPath(await u.firstOpenStep())}">Continue the setup</a></p>`,
    });
  });

  router.get('/unlock', async (req, res) => {
    if (req.session) return res.redirect(303, stepPath(await u.firstOpenStep()));
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
      return res.redirect(303, hasUserDataProblem(u.cloudInit) ? '/user-data' : stepPath(await u.firstOpenStep()));
    }
    const page = unlockPage(u.claim, u.cloudInit, res.locals.csrf as string, true, req.form!.text('email'));
    sendPage(res, 401, page);
  });

  return router;
}
