import { html, type SafeHtml } from '../server/web/html.js';

/** The page of an HTTP error: what happened and the one way on that fits the status. */
export function errorPage(status: number, title: string, message: string, host: string): SafeHtml {
  return html`<h1>${title}</h1>
<div class="${status >= 400 && status !== 410 ? 'error-summary' : 'notice'}" role="alert"><p>${message}</p></div>
<p>${
    status === 401
      ? html`<a class="button primary" href="/unlock">Unlock</a>`
      : status === 410
        ? html`<a class="button primary" href="https://${host}/">Open the controller</a>`
        : status === 409
          ? html`<a class="button" href="/apply">Apply status</a>`
          : status === 421 || status === 400
            ? ''
            : html`<a class="button" href="/">Back to the wizard</a>`
  }</p>`;
}
