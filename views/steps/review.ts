import type { ApplyPlan } from '../../server/apply/types.js';
import type { FieldError } from '../../server/config/schema.js';
import { displayValue, secretIsSet, type FieldDef } from '../../server/steps/fields.js';
import type { DraftDocument } from '../../server/steps/draft.js';
import { stepPath } from '../../server/steps/order.js';
import { placeError, type FormStep } from '../../server/steps/step.js';
import { CSRF_FIELD } from '../../server/web/csrf.js';
import { html, type SafeHtml } from '../../server/web/html.js';
import { fieldId } from '../partials/field.js';
import { planBlock } from '../partials/plan.js';
import { certificateSummary } from './tls.js';

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

/** What the controller's certificate will be: a provided one's details, or what will be made. */
export function certificateBlock(tls: { mode: string; certificate: string | null }, fqdn: string, now: Date): SafeHtml {
  const body =
    tls.mode === 'provided' && tls.certificate
      ? html`<p>The controller presents the certificate you provided:</p>${certificateSummary(tls.certificate, now)}`
      : tls.mode === 'acme'
        ? html`<p>When it starts, the controller asks Let's Encrypt (ACME) for a certificate for <strong>${fqdn}</strong>. That name must resolve in public DNS to this appliance and reach it on port 80; until the certificate is issued, browsers warn.</p>`
        : html`<p>When it starts, the controller makes its own self-signed certificate for <strong>${fqdn}</strong>. Browsers warn until you trust it; the last page of this wizard shows how to check its fingerprint.</p>`;
  return html`<section class="review-section" aria-labelledby="review-certificate"><h2 id="review-certificate">The controller's certificate</h2>${body}</section>`;
}

export interface ReviewPageModel {
  index: number;
  count: number;
  errors: readonly FieldError[];
  document: DraftDocument;
  steps: readonly FormStep[];
  /** The engine's dry run of the document, when it is complete. */
  plan: ApplyPlan | null;
  /** Where the fragment is written. */
  fragmentPath: string;
  /** The certificate's details and the update schedule (complete documents only). */
  certificate: SafeHtml | null;
  schedule: SafeHtml | null;
  dhcp: boolean;
  csrf: string;
}

export function reviewView(m: ReviewPageModel): SafeHtml {
  return html`<h1><span class="step-no">Step ${m.index} of ${m.count}:</span> Review</h1>
${m.errors.length > 0 ? missingList(m.errors, m.steps) : html`<p>Check the settings below. Applying builds the new system, activates it for a trial, and keeps it only when you confirm.</p>`}
${reviewSections(m.document, m.steps)}
${m.certificate ?? ''}
${m.schedule ? html`<section class="review-section" aria-labelledby="review-schedule"><h2 id="review-schedule">When updates run</h2>${m.schedule}</section>` : ''}
${
  m.plan
    ? html`${planBlock(m.plan, { dhcp: m.dhcp })}
<details class="fragment"><summary>The Nix fragment that will be written</summary>
<p>Written to <code>${m.fragmentPath}</code>. Secrets are written to separate files readable only by root; the fragment names their paths.</p>
<pre class="fragment" tabindex="0"><code>${m.plan.fragment}</code></pre></details>
<form method="post" action="/apply">
<input type="hidden" name="${CSRF_FIELD}" value="${m.csrf}">
<div class="actions"><button type="submit" class="primary">Apply configuration</button><a class="button" href="${stepPath('updates')}">Back</a></div>
</form>`
    : html`<div class="actions"><a class="button" href="${stepPath('updates')}">Back</a></div>`
}`;
}
