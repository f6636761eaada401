import type { FieldError } from '../../server/config/schema.js';
import { displayValue, secretIsSet, type FieldDef } from '../../server/steps/fields.js';
import type { DraftDocument } from '../../server/steps/draft.js';
import { stepPath } from '../../server/steps/order.js';
import { placeError, type FormStep } from '../../server/steps/step.js';
import { CSRF_FIELD } from '../../server/web/csrf.js';
import { html, type SafeHtml } from '../../server/web/html.js';
import { fieldId } from '../partials/field.js';

const SET = html`<span class="set">set</span>`;
const NOT_SET = html`<span class="muted">not set</span>`;

/** One row of the review: a field's label and its value as a person reads it. */
function row(def: FieldDef, values: Readonly<Record<string, string>>, document: DraftDocument): SafeHtml | null {
  if (def.review === false) return null;
  if (def.kind === 'group') {
    // A group is shown only when it stands for a stored secret (the console password).
    return def.secret && secretIsSet(def, document) ? html`<tr><th scope="row">${def.label}</th><td>${SET}</td></tr>` : null;
  }
  if (def.shownWhen && !def.shownWhen(values)) return null;
  const raw = values[def.name] ?? '';
  const value = def.secret
    ? secretIsSet(def, document)
      ? SET
      : NOT_SET
    : raw.trim() === ''
      ? def.emptyText
        ? html`<span class="muted">${def.emptyText}</span>`
        : NOT_SET
      : def.kind === 'lines'
        ? html`${raw
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => html`<code class="wrap">${l}</code><br>`)}`
        : displayValue(def, raw);
  return html`<tr><th scope="row">${def.label}</th><td>${value}</td></tr>`;
}

/** Every step's values under its title, from the steps' field tables, secrets masked. */
export function reviewSections(document: DraftDocument, steps: readonly FormStep[]): SafeHtml {
  return html`${steps.map((step) => {
    const values = step.valuesOf(document);
    return html`<section class="review-section" aria-labelledby="review-${step.name}">
<h2 id="review-${step.name}">${step.title} <a class="change" href="${stepPath(step.name)}">Change<span class="visually-hidden"> ${step.title}</span></a></h2>
<table class="values">${step.fields.map((def) => row(def, values, document))}</table></section>`;
  })}`;
}

/** The problems that stand between the draft and an apply, each named by its label and linked to its field. */
export function missingList(errors: readonly FieldError[], steps: readonly FormStep[]): SafeHtml {
  return html`<div class="error-summary" role="alert" aria-labelledby="missing-title" tabindex="-1">
<h2 id="missing-title">Not ready to apply yet</h2>
<ul>${errors.map((e) => {
    for (const step of steps) {
      const placed = placeError(step.fields, e);
      if (placed.field === null) continue;
      const label = step.fields.find((f) => f.name === placed.field)!.label;
      return html`<li><a href="${stepPath(step.name)}#${fieldId(placed.field)}">${step.title}: ${label}: ${placed.message}</a></li>`;
    }
    const step = steps.find((s) => s.name === e.path);
    return step ? html`<li><a href="${stepPath(step.name)}">${step.title}: ${e.message}</a></li>` : html`<li>${e.path}: ${e.message}</li>`;
  })}</ul></div>`;
}

export interface ReviewPageModel {
  index: number;
  count: number;
  errors: readonly FieldError[];
  document: DraftDocument;
  steps: readonly FormStep[];
  /** The exact fragment apply will write, when the document is complete. */
  fragment: { text: string; path: string } | null;
  csrf: string;
}

export function reviewView(m: ReviewPageModel): SafeHtml {
  return html`<h1><span class="step-no">Step ${m.index} of ${m.count}:</span> Review</h1>
${m.errors.length > 0 ? missingList(m.errors, m.steps) : html`<p>Check the settings below. Applying builds the new system, activates it for a trial, and keeps it only when you confirm.</p>`}
${reviewSections(m.document, m.steps)}
${
  m.fragment
    ? html`<details class="fragment"><summary>The Nix fragment that will be written</summary>
<p>Written to <code>${m.fragment.path}</code>. Secrets are written to separate files readable only by root; the fragment names their paths.</p>
<pre class="fragment" tabindex="0"><code>${m.fragment.text}</code></pre></details>
<form method="post" action="/apply">
<input type="hidden" name="${CSRF_FIELD}" value="${m.csrf}">
<div class="actions"><button type="submit" class="primary">Apply configuration</button><a class="button" href="${stepPath('updates')}">Back</a></div>
</form>`
    : html`<div class="actions"><a class="button" href="${stepPath('updates')}">Back</a></div>`
}`;
}
