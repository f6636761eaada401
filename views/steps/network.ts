import { html, type SafeHtml } from '../../server/web/html.js';
import { defaultInterface } from '../../server/system/interfaces.js';
import type { StepView } from '../../server/steps/step.js';

export async function networkView(v: StepView): Promise<SafeHtml> {
  const interfaces = await v.deps.interfaces();
  const fallback = defaultInterface(interfaces);
  return html`<fieldset class="group"><legend>Name</legend>
${v.field('hostname')}
${v.field('domain')}
</fieldset>
<fieldset class="group"><legend>Interface</legend>
${
  interfaces.length > 0
    ? // Its own scroll box (focusable, named): below ~500 px the table scrolls, not the page.
      html`<div class="scroll-x" role="region" aria-labelledby="interfaces-caption" tabindex="0"><table class="interfaces"><caption id="interfaces-caption">Interfaces found</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Link</th><th scope="col">Current addresses</th><th scope="col">MAC</th></tr></thead>
<tbody>${interfaces.map(
        (i) => html`<tr><th scope="row">${i.name}${i.physical ? '' : html` <span class="muted">(virtual)</span>`}</th><td>${
          i.carrier === true ? 'up' : i.carrier === false ? 'no link' : (i.operstate ?? 'unknown')
        }</td><td>${i.addresses.length > 0 ? i.addresses.join(', ') : html`<span class="muted">none</span>`}</td><td>${i.mac ?? ''}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="muted">No network interfaces were found.</p>`
}
${v.field('network.interface', {
  options: [
    { value: '', label: `Automatic${fallback ? ` (${fallback.name})` : ''}: the first physical interface with a link` },
    ...interfaces.filter((i) => i.physical || i.name === v.values['network.interface']).map((i) => ({ value: i.name, label: i.name })),
  ],
})}
</fieldset>
<fieldset class="group"><legend>IPv4</legend>
${v.field('network.ipv4.method', { alsoErrorsOf: ['network.ipv4'] })}
<div class="static-only">
${v.field('network.ipv4.address')}
${v.field('network.ipv4.gateway')}
</div>
</fieldset>
<fieldset class="group"><legend>IPv6</legend>
${v.field('network.ipv6.method', { alsoErrorsOf: ['network.ipv6'] })}
<div class="ipv6-static-only">
${v.field('network.ipv6.address')}
${v.field('network.ipv6.gateway')}
</div>
</fieldset>
<fieldset class="group"><legend>Servers</legend>
${v.field('network.dns')}
${v.field('network.ntp')}
</fieldset>`;
}
