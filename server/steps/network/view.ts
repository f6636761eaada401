import { IPV6_METHODS } from '../../config/schema.js';
import { html, type SafeHtml } from '../../web/html.js';
import { field, radios } from '../../views/partials/field.js';
import { defaultInterface } from '../../system/interfaces.js';
import type { StepView } from '../step.js';

const IPV6_LABELS: Record<(typeof IPV6_METHODS)[number], string> = {
  auto: 'Automatic (router advertisements)',
  dhcp: 'DHCPv6',
  static: 'Static',
  off: 'Off',
};

const ADVANCED = ['network.vlan', 'network.mtu', 'network.proxy.url', 'network.proxy.no_proxy', 'network.proxy'];

/** VLAN, MTU and proxy: closed unless one of them is set or has an error. */
function advanced(v: StepView, f: (name: string, label: string, extra?: Partial<Parameters<typeof field>[0]>) => SafeHtml): SafeHtml {
  const open = ADVANCED.some((n) => (v.values[n] ?? '') !== '' || v.errorsFor(n).length > 0);
  const credentialsSet = /^[a-z]+:\/\/[^/]*@/i.test(v.document.network?.proxy?.url ?? '');
  return html`<details class="group advanced"${open ? html` open` : ''}><summary>Advanced: VLAN, MTU, outbound proxy</summary>
${f('network.vlan', 'VLAN id (optional)', { inputmode: 'numeric', placeholder: '120', hint: '802.1Q tag, 1-4094: the addresses above go on this VLAN of the interface, which then carries only tagged traffic.' })}
${f('network.mtu', 'MTU (optional)', { inputmode: 'numeric', placeholder: '1500', hint: '576-9000 bytes; empty keeps the link\'s default. With a VLAN it is the VLAN\'s, and the interface gets the same.' })}
${f('network.proxy.url', 'Outbound proxy (optional)', {
  placeholder: 'http://proxy.corp.example.com:3128',
  autocomplete: 'off',
  hint: credentialsSet
    ? html`For the controller's cloud traffic and updates. <span class="set">User name and password set</span> (leave them out of the URL to keep them; empty the field to remove the proxy).`
    : 'For the controller\'s cloud traffic and updates: http://host:port or https://host:port, with user:password@ before the host if the proxy asks for them (kept as a secret file).',
  errors: [...v.errorsFor('network.proxy.url'), ...v.errorsFor('network.proxy')],
})}
${f('network.proxy.no_proxy', 'Reached without the proxy (optional)', { lines: 2, hint: 'One per line: host names, domains (.corp.example.com), addresses or ranges (10.0.0.0/8).' })}
</details>`;
}

export async function networkView(v: StepView): Promise<SafeHtml> {
  const interfaces = await v.deps.interfaces();
  const fallback = defaultInterface(interfaces);
  const f = (name: string, label: string, extra: Partial<Parameters<typeof field>[0]> = {}) =>
    field({ name, label, value: v.values[name], errors: v.errorsFor(name), check: v.checkUrl(name), ...extra });
  return html`<fieldset class="group"><legend>Name</legend>
${f('hostname', 'Hostname', { required: true, hint: 'One label: letters, digits and hyphens, e.g. ctl-sfo-01.', autocomplete: 'off' })}
${f('domain', 'Domain (optional)', { hint: 'E.g. corp.example.com. Needed for an ACME (Let\'s Encrypt) certificate.', autocomplete: 'off' })}
</fieldset>
<fieldset class="group"><legend>Interface</legend>
${
  interfaces.length > 0
    ? html`<table class="interfaces"><caption>Interfaces found</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Link</th><th scope="col">Current addresses</th><th scope="col">MAC</th></tr></thead>
<tbody>${interfaces.map(
        (i) => html`<tr><th scope="row">${i.name}${i.physical ? '' : html` <span class="muted">(virtual)</span>`}</th><td>${
          i.carrier === true ? 'up' : i.carrier === false ? 'no link' : (i.operstate ?? 'unknown')
        }</td><td>${i.addresses.length > 0 ? i.addresses.join(', ') : html`<span class="muted">none</span>`}</td><td>${i.mac ?? ''}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="muted">No network interfaces were found.</p>`
}
${f('network.interface', 'Interface to configure', {
  options: [
    { value: '', label: `Automatic${fallback ? ` (${fallback.name})` : ''}: the first physical interface with a link` },
    ...interfaces.filter((i) => i.physical || i.name === v.values['network.interface']).map((i) => ({ value: i.name, label: i.name })),
  ],
})}
</fieldset>
<fieldset class="group"><legend>IPv4</legend>
${radios({
  name: 'network.ipv4.method',
  legend: 'Address',
  value: v.values['network.ipv4.method'] ?? 'dhcp',
  options: [
    { value: 'dhcp', label: 'DHCP' },
    { value: 'static', label: 'Static' },
  ],
  errors: [...v.errorsFor('network.ipv4.method'), ...v.errorsFor('network.ipv4')],
})}
<div class="static-only">
${f('network.ipv4.address', 'Static address with prefix length', { placeholder: '10.0.0.5/24', hint: 'Only used with a static address.', inputmode: 'decimal' })}
${f('network.ipv4.gateway', 'Gateway', { placeholder: '10.0.0.1', hint: 'Only used with a static address.', inputmode: 'decimal' })}
</div>
</fieldset>
<fieldset class="group"><legend>IPv6</legend>
${f('network.ipv6.method', 'IPv6', {
  options: IPV6_METHODS.map((m) => ({ value: m, label: IPV6_LABELS[m] })),
  errors: [...v.errorsFor('network.ipv6.method'), ...v.errorsFor('network.ipv6')],
})}
<div class="ipv6-static-only">
${f('network.ipv6.address', 'Static IPv6 address with prefix length', { placeholder: '2001:db8::5/64', hint: 'Only used with static IPv6.' })}
${f('network.ipv6.gateway', 'IPv6 gateway (optional)', { placeholder: 'fe80::1', hint: 'Only used with static IPv6.' })}
</div>
</fieldset>
${advanced(v, f)}
<fieldset class="group"><legend>Servers</legend>
${f('network.dns', 'DNS servers', { lines: 2, hint: 'One per line. Required with a static IPv4 address; with DHCP, empty means the ones DHCP gives.' })}
${f('network.ntp', 'NTP servers (optional)', { lines: 2, hint: 'One per line; empty means the NixOS defaults.' })}
</fieldset>`;
}
