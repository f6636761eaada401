import { html, type SafeHtml } from '../../server/web/html.js';
import type { StepView } from '../../server/steps/step.js';

export function adminView(v: StepView): SafeHtml {
  return html`${v.field('admin.email')}
${v.field('admin.password')}
${v.field('admin.password_confirm')}
${v.field('admin.ssh_authorized_keys')}`;
}
