import type { FieldError } from '../../server/config/schema.js';
import { CSRF_FIELD } from '../../server/web/csrf.js';
import { html, type SafeHtml } from '../../server/web/html.js';
import { field, fieldId } from '../partials/field.js';

/** The form field the admin password is typed into (not the document's path: nothing is stored). */
export const RESET_PASSWORD_FIELD = 'password';

/**
 * Reset from the browser (docs/decisions/0525): what `bowtie-setup reset --config` does, said
 * as the CLI says it, and the admin password asked again. Errors from the worker's check are
 * shown on the field; any other refusal above the form.
 */
export function resetPage(csrf: string, errors: readonly FieldError[] = []): { title: string; main: SafeHtml } {
  const onField = errors.filter((e) => e.path === 'admin.password').map((e) => e.message);
  const other = errors.filter((e) => e.path !== 'admin.password');
  const main = html`<h1>Reset the setup</h1>
${
  errors.length
    ? html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
<h2 id="error-summary-title">The setup was not reset</h2>
<ul>${onField.map((m) => html`<li><a href="#${fieldId(RESET_PASSWORD_FIELD)}">Admin password: ${m}</a></li>`)}${other.map((e) => html`<li>${e.message}</li>`)}</ul></div>`
    : ''
}
<p>Run the setup again while keeping this appliance reachable:</p>
<ul>
<li><strong>Kept:</strong> the host name and domain, the network settings, and the admin account with its SSH keys and console password, so that you can still log in.</li>
<li><strong>Removed:</strong> the enrollment, TLS and update settings and their secrets. The controller stops, and this wizard starts again with a new setup code (shown on the appliance's console).</li>
</ul>
<p>The change is made like an apply: it is tested first, and the previous configuration comes back by itself if the appliance does not pass its health check. A factory reset is done on the console or over SSH (<span class="mono">bowtie-setup reset --factory</span>).</p>
<form method="post" action="/reset" novalidate>
<input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
${field({ name: RESET_PASSWORD_FIELD, label: 'Admin password', type: 'password', autocomplete: 'current-password', required: true, errors: onField, hint: 'The password of the controller admin set during setup. It is checked by the appliance itself and not stored.' })}
<div class="actions"><button type="submit" class="primary">Reset the setup</button> <a href="/">Cancel</a></div>
</form>`;
  return { title: 'Reset the setup', main };
}
