import type { ApplyPlan } from '../../server/apply/types.js';
import { html, type SafeHtml } from '../../server/web/html.js';

const SECRET_ACTIONS = { write: 'written', keep: 'kept as it is', remove: 'removed' } as const;
const SERVICE_ACTIONS = { starts: 'starts', restarts: 'restarts', stops: 'stops' } as const;

/**
 * What applying will do, from the engine's dry run (the same plan `apply --dry-run` prints):
 * the services that start or restart, the secret files, the address, and the fragment's diff.
 */
export function planBlock(plan: ApplyPlan, network: { dhcp: boolean }): SafeHtml {
  if (plan.unchanged)
    return html`<section class="plan" aria-labelledby="plan-title"><h2 id="plan-title">What will happen</h2><p>This is the configuration that runs now: applying it rebuilds nothing and restarts nothing.</p></section>`;
  return html`<section class="plan" aria-labelledby="plan-title"><h2 id="plan-title">What will happen</h2>
<p>The appliance builds the new system, activates it for a trial, and keeps it only when you confirm${plan.complete ? '; then the controller takes over and this wizard stands down' : ''}.</p>
<h3>Services</h3>
${plan.services.length > 0 ? html`<ul class="services">${plan.services.map((s) => html`<li><code>${s.unit}</code> ${SERVICE_ACTIONS[s.action]}: ${s.because}.</li>`)}</ul>` : html`<p>No service restarts.</p>`}
<h3>Secret files</h3>
${plan.secrets.length > 0 ? html`<ul class="secret-files">${plan.secrets.map((s) => html`<li><code>${s.path}</code> ${SECRET_ACTIONS[s.action]}</li>`)}</ul><p>Readable only by root; their contents are never shown.</p>` : html`<p>None.</p>`}
<h3>Address</h3>
${
  plan.newUrl
    ? html`<p class="address-change"><strong>The appliance's address changes.</strong> After activation this page stops answering: continue at <a href="${plan.newUrl}">${plan.newUrl}</a> and confirm there before the trial ends.</p>`
    : network.dhcp
      ? html`<p>The address comes from DHCP and normally stays the same. Should the DHCP server hand out another one, this page stops answering: the appliance's console shows the new address.</p>`
      : html`<p>The address stays the same.</p>`
}
<details class="diff"><summary>Changes to the Nix fragment</summary>
<pre class="fragment" tabindex="0"><code>${plan.fragmentDiff || 'No change.'}</code></pre></details>
</section>`;
}
