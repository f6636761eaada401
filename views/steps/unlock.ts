import type { Claim } from '../../server/auth/claim.js';
import { hasUserDataProblem, type CloudInitResult } from '../../server/auth/cloud-init-result.js';
import { SETUP_CODE_LENGTH } from '../../server/auth/setup-code.js';
import { CSRF_FIELD } from '../../server/web/csrf.js';
import { html, type SafeHtml } from '../../server/web/html.js';
import { field } from '../partials/field.js';

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

/** A partial document from user data whose settings could not be applied (docs/decisions/0512). */
function failedActivation(cloudInit: CloudInitResult | null): SafeHtml {
  const a = cloudInit?.status === 'prefilled' ? cloudInit.activation : null;
  if (!a || (a.outcome !== 'rolled-back' && a.outcome !== 'not-started')) return html``;
  return html`<div class="error-summary" role="alert" aria-labelledby="activation-title">
<h2 id="activation-title">The settings from cloud-init user data could not be applied</h2>
<p>${a.configures.join(', ')}: ${a.reason ?? 'no reason given'}.</p>
<p>The appliance runs as before. The settings are filled in: correct them here and finish the setup.</p></div>`;
}

export function unlockPage(claim: Claim, cloudInit: CloudInitResult | null, csrf: string, failed: boolean, email = ''): { title: string; main: SafeHtml } {
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

/** What was wrong with the user data, for an unlocked session only; `next` is the first open step. */
export function userDataPage(cloudInit: CloudInitResult | null, next: string): SafeHtml {
  return html`<h1>Cloud-init user data</h1>
${rejectedUserData(cloudInit)}
${failedActivation(cloudInit)}
${hasUserDataProblem(cloudInit) ? html`` : html`<p>The user data was used as it was given.</p>`}
<p><a class="button primary" href="${next}">Continue the setup</a></p>`;
}
