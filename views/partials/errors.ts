import type { FieldError } from '../../server/config/schema.js';
import type { FieldDef } from '../../server/steps/fields.js';
import { placeError } from '../../server/steps/step.js';
import { html, type SafeHtml } from '../../server/web/html.js';
import { fieldId } from './field.js';

/**
 * The summary above a form (GOV.UK's error summary): one entry per problem, in the order the
 * fields appear on the page, each read as the label the person sees ("Gateway: not in
 * 10.0.0.0/24") and linked to its field, so that following the link puts the cursor there.
 * A problem of no field on this page keeps its document path.
 */
export function errorSummary(errors: ReadonlyArray<FieldError>, fields: readonly FieldDef[], title = 'There is a problem'): SafeHtml {
  if (errors.length === 0) return html``;
  const entries = errors.map((e, i) => {
    const placed = placeError(fields, e);
    const index = placed.field === null ? fields.length : fields.findIndex((f) => f.name === placed.field);
    return { e, placed, order: index * 10_000 + i };
  });
  entries.sort((a, b) => a.order - b.order);
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
<h2 id="error-summary-title">${title}</h2>
<ul>${entries.map(({ e, placed }) => {
    if (placed.field === null) return html`<li>${e.path}: ${e.message}</li>`;
    const def = fields.find((f) => f.name === placed.field)!;
    // A group has no control of its own: its first field takes the focus.
    const target = def.kind === 'group' ? (fields.find((f) => f.name.startsWith(`${def.name}.`) && f.kind !== 'group')?.name ?? def.name) : def.name;
    return html`<li><a href="#${fieldId(target)}">${def.label}: ${placed.message}</a></li>`;
  })}</ul>
</div>`;
}
