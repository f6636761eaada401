import { html, type SafeHtml } from '../../server/web/html.js';
import type { StepView } from '../../server/steps/step.js';

/** `available`: false when the image was built without update endpoints (server/system/image-info.ts). */
export function updatesView(v: StepView, available: boolean): SafeHtml {
  return html`${available ? '' : html`<div class="notice" role="status"><p>This image has no update source: it was built without update endpoints, so scheduled updates cannot be installed here. Turn them off, or ask for an image with update endpoints.</p></div>`}
${v.field('updates.enable')}
${v.field('updates.schedule_preset')}
${v.field('updates.schedule')}
${v.field('updates.randomized_delay')}
${v.field('updates.channel')}`;
}
