import { html, type SafeHtml } from '../../server/web/html.js';
import type { StepView } from '../../server/steps/step.js';

export function enrollmentView(v: StepView): SafeHtml {
  const hostname = v.document.hostname;
  return html`${v.field('site.name', { hint: `Shown in the controller's interface.${hostname ? ` Empty means the hostname, ${hostname}.` : ' Empty means the hostname.'}` })}
${v.field('enrollment.site_id')}
${v.field('enrollment.token')}
${v.field('enrollment.entrypoints')}`;
}
