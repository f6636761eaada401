import { html, type SafeHtml } from '../../server/web/html.js';
import { STEP_ORDER, stepPath, type StepName } from '../../server/steps/order.js';

/** The list of steps; each is a link, the current one marked for screen readers too. */
export function progress(current: StepName | null, done: ReadonlySet<StepName>): SafeHtml {
  return html`<nav class="progress" aria-label="Setup steps"><ol>${STEP_ORDER.map(
    (s, i) =>
      html`<li class="${s.name === current ? 'current' : done.has(s.name) ? 'done' : ''}"><a href="${stepPath(s.name)}"${
        s.name === current ? html` aria-current="step"` : ''
      }><span class="n">${i + 1}</span> <span class="t">${s.title}</span>${done.has(s.name) && s.name !== current ? html`<span class="visually-hidden"> (done)</span>` : ''}</a></li>`,
  )}</ol></nav>`;
}
