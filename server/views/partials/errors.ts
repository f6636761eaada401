import type { FieldError } from '../../config/schema.js';
import { html, type SafeHtml } from '../../web/html.js';
import { fieldId } from './field.js';

/**
 * The summary above a form: one line per problem in the CLI's words (`path: message`), each a
 * link to its field when the field is on this page (`fieldOf` says which).
 */
export function errorSummary(errors: ReadonlyArray<FieldError>, fieldOf: (path: string) => string | null, title = 'Please correct the following'): SafeHtml {
  if (errors.length === 0) return html``;
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title">
<h2 id="error-summary-title">${title}</h2>
<ul>${errors.map((e) => {
    const f = fieldOf(e.path);
    return f ? html`<li><a href="#${fieldId(f)}">${e.path}: ${e.message}</a></li>` : html`<li>${e.path}: ${e.message}</li>`;
  })}</ul>
</div>`;
}
