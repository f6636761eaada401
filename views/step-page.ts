import { CSRF_FIELD } from '../server/web/csrf.js';
import { html, type SafeHtml } from '../server/web/html.js';

export interface StepPageModel {
  index: number;
  count: number;
  title: string;
  intro: string | undefined;
  summary: SafeHtml;
  action: string;
  multipart: boolean;
  csrf: string;
  body: SafeHtml;
  canGoBack: boolean;
}

/** A form step's page: heading, intro, error summary, the step's fields and the two buttons. */
export function stepPage(m: StepPageModel): SafeHtml {
  return html`<h1><span class="step-no">Step ${m.index} of ${m.count}:</span> ${m.title}</h1>
${m.intro ? html`<p>${m.intro}</p>` : ''}
${m.summary}
<form method="post" action="${m.action}" novalidate${m.multipart ? html` enctype="multipart/form-data"` : ''}>
<input type="hidden" name="${CSRF_FIELD}" value="${m.csrf}">
${m.body}
<div class="actions">
<button type="submit" name="nav" value="next" class="primary">Save and continue</button>
${m.canGoBack ? html`<button type="submit" name="nav" value="back" formnovalidate>Back</button>` : ''}
</div>
</form>`;
}
