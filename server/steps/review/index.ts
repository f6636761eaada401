/**
 * Step 6, review: every value (secrets only as "set"), what is still missing with a link to
 * its step, and the exact Nix fragment that apply will write. The Apply button posts to the
 * apply step.
 */
import { Router } from 'express';
import type { FieldError } from '../../config/schema.js';
import { validateDocument, type ValidationResult } from '../../config/validate.js';
import { renderFragment } from '../../nix/render.js';
import { FRAGMENT_PATH } from '../../nix/paths.js';
import { CSRF_FIELD } from '../../web/csrf.js';
import { html, type SafeHtml } from '../../web/html.js';
import { sendPage } from '../../web/render.js';
import type { DraftDocument } from '../draft.js';
import type { WizardDeps } from '../deps.js';
import { STEP_ORDER, stepPath, type StepName } from '../order.js';
import { placeError, type FormStep } from '../step.js';
import { doneSteps } from '../wizard.js';

/** The step that asks for a document path. */
export function stepOfPath(path: string, steps: readonly FormStep[]): FormStep | null {
  return steps.find((s) => placeError(s.fields, { path, message: '' }).field !== null) ?? steps.find((s) => path === s.name) ?? null;
}

function row(label: string, value: SafeHtml | string | null | undefined): SafeHtml {
  return html`<tr><th scope="row">${label}</th><td>${value === null || value === undefined || value === '' ? html`<span class="muted">not set</span>` : value}</td></tr>`;
}

const SET = html`<span class="set">set</span>`;

function section(step: StepName, rows: SafeHtml[]): SafeHtml {
  const title = STEP_ORDER.find((s) => s.name === step)!.title;
  return html`<section class="review-section" aria-labelledby="review-${step}">
<h2 id="review-${step}">${title} <a class="change" href="${stepPath(step)}">Change<span class="visually-hidden"> ${title}</span></a></h2>
<table class="values">${rows}</table></section>`;
}

export function reviewSections(doc: DraftDocument): SafeHtml {
  const a = doc.admin;
  const n = doc.network;
  const v4 = n?.ipv4;
  const v6 = n?.ipv6;
  const e = doc.enrollment;
  const t = doc.tls;
  const u = doc.updates;
  return html`${section('admin', [
    row('Email', a?.email),
    row('Password', a?.password_hash ? SET : null),
    row('SSH keys', a?.ssh_authorized_keys?.length ? html`${a.ssh_authorized_keys.map((k) => html`<code class="wrap">${k}</code><br>`)}` : null),
    ...(a?.console_password_hash ? [row('Console password', SET)] : []),
  ])}
${section('network', [
  row('Hostname', doc.hostname),
  row('Domain', doc.domain),
  row('Interface', n?.interface ?? 'automatic'),
  row('IPv4', v4?.method === 'static' ? `static ${v4.address}, gateway ${v4.gateway}` : 'DHCP'),
  row('IPv6', v6?.method === 'static' ? `static ${v6.address}${v6.gateway ? `, gateway ${v6.gateway}` : ''}` : (v6?.method ?? 'auto')),
  row('DNS servers', n?.dns?.join(', ') || (v4?.method === 'static' ? null : 'from DHCP')),
  row('NTP servers', n?.ntp?.join(', ') || 'NixOS defaults'),
])}
${section('enrollment', [
  row('Site name', doc.site?.name ?? (doc.hostname ? `${doc.hostname} (the hostname)` : null)),
  row('Site id', e?.site_id),
  row('Token', e?.token ? SET : null),
  row('Entrypoints', e?.entrypoints?.length ? e.entrypoints.join(', ') : 'none: a new cluster'),
  row('Single sign-on', doc.sso ? `${doc.sso.name} (${doc.sso.type}, ${doc.sso.id})` : 'none'),
  ...(doc.sso ? [row('Client id', doc.sso.client_id), row('Client secret', doc.sso.client_secret ? SET : null)] : []),
])}
${section('tls', [
  row('Mode', t?.mode ?? (doc.domain ? 'acme (default with a domain)' : 'self-signed (default)')),
  ...(t?.mode === 'provided' ? [row('Certificate', t.certificate ? 'given' : null), row('Private key', t.private_key ? SET : null)] : []),
])}
${section('updates', [
  row('Scheduled updates', u?.enable === false ? 'off' : 'on'),
  row('Schedule', u?.schedule ?? 'Sun *-*-* 03:00:00 (default)'),
  row('Randomized delay', u?.randomized_delay ?? '1h (default)'),
  row('Channel', u?.channel ?? 'stable'),
])}`;
}

export function missingList(errors: readonly FieldError[], steps: readonly FormStep[]): SafeHtml {
  return html`<div class="error-summary" role="alert" aria-labelledby="missing-title">
<h2 id="missing-title">Not ready to apply yet</h2>
<ul>${errors.map((e) => {
    const step = stepOfPath(e.path, steps);
    return html`<li>${e.path}: ${e.message}${step ? html` <a href="${stepPath(step.name)}">Go to ${step.title}</a>` : ''}</li>`;
  })}</ul></div>`;
}

/**
 * Everything that stands between the draft and an apply. The schema stops at the first layer
 * of problems (no hostname: no cross-field rules, no "complete" check), so sections that are
 * missing altogether are named too: the person sees the whole list at once.
 */
export function reviewErrors(doc: DraftDocument, result: ValidationResult): FieldError[] {
  if (result.ok) return [];
  const errors = [...result.errors];
  for (const section of ['admin', 'enrollment'] as const) {
    if (doc[section] === undefined && !errors.some((e) => e.path === section)) errors.push({ path: section, message: 'is required to finish setup' });
  }
  return errors;
}

export async function reviewPage(doc: DraftDocument, csrf: string, steps: readonly FormStep[], deps: WizardDeps, extraErrors: readonly FieldError[] = []) {
  const result = validateDocument(doc, 'complete', deps.now());
  const errors = [...reviewErrors(doc, result), ...extraErrors];
  const main = html`<h1><span class="step-no">Step ${STEP_ORDER.findIndex((s) => s.name === 'review') + 1} of ${STEP_ORDER.length}:</span> Review</h1>
${errors.length > 0 ? missingList(errors, steps) : html`<p>Check the settings below. Applying builds the new system, activates it for a trial, and keeps it only when you confirm.</p>`}
${reviewSections(doc)}
${
  result.ok
    ? html`<section aria-labelledby="fragment-title"><h2 id="fragment-title">Nix fragment</h2>
<p>Written to <code>${FRAGMENT_PATH}</code>. Secrets are written to separate files readable only by root; the fragment names their paths.</p>
<pre class="fragment" tabindex="0"><code>${renderFragment(result.config)}</code></pre></section>
<form method="post" action="/apply">
<input type="hidden" name="${CSRF_FIELD}" value="${csrf}">
<div class="actions"><button type="submit" class="primary">Apply configuration</button><a class="button" href="${stepPath('updates')}">Back</a></div>
</form>`
    : html`<div class="actions"><a class="button" href="${stepPath('updates')}">Back</a></div>`
}`;
  return { title: 'Review', main, step: 'review' as const, done: doneSteps(steps, doc) };
}

export function reviewRoutes(steps: readonly FormStep[], deps: WizardDeps): Router {
  const router = Router();
  router.get('/review', async (_req, res) => {
    const draft = await deps.drafts.get();
    sendPage(res, 200, await reviewPage(draft.document, res.locals.csrf as string, steps, deps));
  });
  return router;
}
