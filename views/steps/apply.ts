import type { Request } from 'express';
import type { ApplyPhase, ApplyStatus } from '../../server/apply/index.js';
import { CSRF_FIELD } from '../../server/web/csrf.js';
import { html, type SafeHtml } from '../../server/web/html.js';

const PHASES: ReadonlyArray<{ phase: ApplyPhase; label: string }> = [
  { phase: 'validate', label: 'Check' },
  { phase: 'write', label: 'Write configuration' },
  { phase: 'build', label: 'Build' },
  { phase: 'test', label: 'Activate for a trial' },
  { phase: 'confirm', label: 'Confirm' },
  { phase: 'switch', label: 'Make permanent' },
  { phase: 'health', label: 'Health check' },
];

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function isRunning(s: ApplyStatus): boolean {
  return s.phase !== 'idle';
}

function phaseList(s: ApplyStatus): SafeHtml {
  const current = PHASES.findIndex((p) => p.phase === s.phase);
  return html`<ol class="phases">${PHASES.map((p, i) => {
    const state = s.phase === 'rollback' ? '' : i < current ? 'done' : i === current ? 'current' : '';
    return html`<li class="${state}"${state === 'current' ? html` aria-current="step"` : ''}>${p.label}${state === 'done' ? html`<span class="visually-hidden"> (done)</span>` : ''}</li>`;
  })}</ol>`;
}

function progressFigures(s: ApplyStatus): SafeHtml {
  const p = s.progress;
  return html`<dl class="figures">
${p.activity ? html`<dt>Now</dt><dd>${p.activity}</dd>` : ''}
<dt>Builds</dt><dd>${p.buildsDone} of ${p.buildsTotal}</dd>
<dt>Paths fetched</dt><dd>${p.pathsDone} of ${p.pathsTotal}</dd>
<dt>Downloaded</dt><dd>${formatBytes(p.bytesDone)}${p.bytesTotal > 0 ? ` of ${formatBytes(p.bytesTotal)}` : ''}</dd>
</dl>${p.buildsTotal > 0 ? html`<progress max="${p.buildsTotal}" value="${p.buildsDone}" aria-label="Builds done">${p.buildsDone} of ${p.buildsTotal}</progress>` : ''}`;
}

/**
 * The controller's address once the wizard stands down: the same name, its own UI. Here rather
 * than beside the routes: the app's setup-complete answer needs it before the steps are loaded.
 */
export function controllerUrl(req: Request): string {
  return `https://${req.headers.host}/`;
}

/** Where to continue after the address changes: the new address, with the session handed over. */
export interface Continuation {
  csrf: string;
  controllerUrl: string;
  /** The new address's resume link (with a handoff token), or null. */
  newUrlLink: string | null;
  /** Once setup is complete: sign-in, certificate, next update, reset, export (views/partials/completion.ts). */
  completion?: SafeHtml | null;
}

function confirmBox(s: ApplyStatus, c: Continuation): SafeHtml {
  const left = s.confirmSecondsLeft ?? 0;
  return html`<div class="confirm-box" role="status">
<p><strong>The new configuration is active for a trial.</strong> Confirm within <span class="countdown">${left} seconds</span> to keep it; otherwise the previous configuration comes back by itself.</p>
${
  s.newUrl
    ? html`<p>The appliance has a new address. Open <a href="${c.newUrlLink ?? s.newUrl}">${s.newUrl}</a> and confirm there; this page may stop answering.</p>`
    : ''
}
<form method="post" action="/apply/confirm">
<input type="hidden" name="${CSRF_FIELD}" value="${c.csrf}">
<input type="hidden" name="id" value="${s.id ?? ''}">
<button type="submit" class="primary">Confirm and keep</button>
</form></div>`;
}

function outcome(s: ApplyStatus, controllerUrl: string, completion: SafeHtml | null = null): SafeHtml {
  const last = s.last;
  if (!last) return html`<p>No apply has run yet. <a href="/review">Review the settings</a> and press Apply.</p>`;
  switch (last.outcome) {
    case 'applied':
    case 'unchanged':
      return s.setupComplete
        ? html`<div class="success" role="status"><h2>Setup is complete</h2><p>The controller is starting. Continue at <a href="${controllerUrl}">${controllerUrl}</a>.</p>${completion ?? ''}</div>`
        : html`<div class="success" role="status"><h2>Applied</h2><p>The configuration is active${last.generation !== null ? ` (generation ${last.generation})` : ''}.</p></div>`;
    case 'invalid':
      return html`<div class="error-summary" role="alert"><h2>The configuration was not applied</h2><ul>${last.errors.map((e) => html`<li>${e.path}: ${e.message}</li>`)}</ul><p><a href="/review">Back to review</a></p></div>`;
    case 'rolled-back':
      return html`<div class="error-summary" role="alert"><h2>The change was rolled back</h2>
<p>${last.reason ?? 'The apply failed.'}${last.failedPhase ? ` (during ${last.failedPhase})` : ''} The previous configuration is running again.</p>
${last.outputTail.length > 0 ? html`<pre class="output">${last.outputTail.join('\n')}</pre>` : ''}
<p><a href="/review">Back to review</a> to change the settings and try again.</p></div>`;
  }
}

/**
 * The status block. While an apply runs it polls itself (htmx: every second, replacing
 * itself; without JavaScript the page reloads through a meta refresh) and stops polling
 * once the apply has ended, because the finished block carries no trigger. The progress
 * stream (/apply/events) sends it with `poll: false`: the stream replaces it instead, and
 * the first block it swaps in ends the polling.
 */
export function statusBlock(s: ApplyStatus, c: Continuation, opts: { poll?: boolean } = {}): SafeHtml {
  const running = isRunning(s);
  const poll = running && opts.poll !== false;
  return html`<div id="apply-status" aria-live="polite"${poll ? html` hx-get="/apply/status" hx-trigger="every 1s" hx-swap="outerHTML"` : ''}>
${
  running
    ? html`<p class="phase">${s.phase === 'rollback' ? 'Rolling back to the previous configuration...' : s.phase === 'queued' ? 'Starting...' : `Working: ${PHASES.find((p) => p.phase === s.phase)?.label ?? s.phase}`}</p>
${phaseList(s)}
${s.phase === 'confirm' && s.confirmMode === 'interactive' ? confirmBox(s, c) : progressFigures(s)}
${s.newUrl && s.phase !== 'confirm' ? html`<p>After activation the appliance is reached at <a href="${c.newUrlLink ?? s.newUrl}">${s.newUrl}</a>.</p>` : ''}
<noscript><p><a href="/apply">Reload</a> to update this page (it also reloads by itself).</p></noscript>`
    : outcome(s, c.controllerUrl, c.completion)
}
</div>`;
}

export function logBlock(lines: readonly string[], running: boolean): SafeHtml {
  return html`<pre id="apply-log" class="output" tabindex="0"${running ? html` hx-get="/apply/log" hx-trigger="every 2s" hx-swap="outerHTML"` : ''}>${
    lines.length > 0 ? lines.join('\n') : 'No output yet.'
  }</pre>`;
}

/**
 * The apply page: the status block (refreshed by htmx) and the output log behind "Details".
 * `events`: the progress stream's address while an apply runs; views/assets/apply-events.js
 * follows it when JavaScript runs (htmx's polling is the fallback until its first event).
 */
export function applyPage(stepCount: number, status: SafeHtml, log: SafeHtml, events: string | null = null): SafeHtml {
  return html`<h1><span class="step-no">Step ${stepCount} of ${stepCount}:</span> Apply</h1>
${status}
<details class="details"><summary>Details</summary>${log}</details>${
    events
      ? html`
<div id="apply-events" data-src="${events}" hidden></div>
<script src="/assets/apply-events.js" defer></script>`
      : ''
  }`;
}
