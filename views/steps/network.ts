import { html, type SafeHtml } from '../../server/web/html.js';
import { defaultInterface } from '../../server/system/interfaces.js';
import type { StepView } from '../../server/steps/step.js';
import { ADVANCED_NETWORK_FIELDS } from '../../server/steps/network/fields.js';

/** VLAN, MTU and proxy: closed unless one of them is set or has an error. */
function advanced(v: StepView): SafeHtml {
  const open = ADVANCED_NETWORK_FIELDS.some((n) => (v.values[n] ?? '') !== '' || v.errorsFor(n).length > 0);
  const credentialsSet = /^[a-z]+:\/\/[^/]*@/i.test(v.document.network?.proxy?.url ?? '');
  return html`<details class="group advanced"${open ? html` open` : ''}><summary>Advanced: VLAN, MTU, outbound proxy</summary>
${ADVANCED_NETWORK_FIELDS.filter((n) => n !== 'network.proxy').map((name) =>
  name === 'network.proxy.url'
    ? v.field(name, {
        alsoErrorsOf: ['network.proxy'],
        ...(credentialsSet
          ? {
              hint: html`For the controller's cloud traffic and updates. <span class="set">User name and password set</span> (leave them out of the URL to keep them; empty the field to remove the proxy).`,
            }
          : {}),
      })
    : v.field(name),
)}
</details>`;
}

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
        (i) =>
          html`<tr><th scope="row">${i.name}${i.physical ? '' : html` <span class="muted">(virtual)</span>`}</th><td>${
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
</fieldset>
${advanced(v)}`;
}
