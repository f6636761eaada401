import { html, type SafeHtml } from '../../server/web/html.js';
import type { StepView } from '../../server/steps/step.js';
import { SSO_FIELDS } from '../../server/steps/enrollment/fields.js';

export function enrollmentView(v: StepView): SafeHtml {
  const hostname = v.document.hostname;
  return html`${v.field('site.name', { hint: `Shown in the controller's interface.${hostname ? ` Empty means the hostname, ${hostname}.` : ' Empty means the hostname.'}` })}
${v.field('enrollment.site_id')}
${v.field('enrollment.token')}
${v.field('enrollment.entrypoints')}
<details class="advanced"${v.document.sso || SSO_FIELDS.some((s) => v.errorsFor(`sso.${s}`).length > 0) ? html` open` : ''}><summary>Single sign-on (optional)</summary>
<p class="hint">An identity provider users sign in with, as configured at the provider for this controller. Leave every field empty for none.</p>
${SSO_FIELDS.map((f) => v.field(`sso.${f}`))}
</details>`;
}
