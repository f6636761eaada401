import type { ActiveSite } from '../../server/export/active-site.js';
import { nextElapses, parseTimespan } from '../../server/config/calendar.js';
import { spanInWords } from '../../server/config/calendar-words.js';
import { parseCertificateChain, summarizeCertificate } from '../../server/config/certificate.js';
import { html, type SafeHtml } from '../../server/web/html.js';
import { formatRun } from './schedule.js';

/** Where a provided certificate is served from (nix/modules/bowtie-server.nix). */
export const PROVIDED_CERTIFICATE_FILE = '/etc/bowtie-setup/tls/certificate.pem';

/** How to read the fingerprint of what the controller serves, on the appliance itself. */
const FINGERPRINT_COMMAND = 'openssl s_client -connect 127.0.0.1:443 </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256';

function certificate(site: Extract<ActiveSite, { kind: 'site' }>['site']): SafeHtml {
  if (site.tls.mode === 'provided' && site.tls.certificate) {
    const chain = parseCertificateChain(site.tls.certificate);
    if (typeof chain !== 'string') {
      const s = summarizeCertificate(chain[0]!);
      return html`<dt>Certificate (SHA-256)</dt><dd><span class="mono">${s.fingerprint256}</span><br><span class="muted">Your certificate, served from <code>${PROVIDED_CERTIFICATE_FILE}</code>; it expires on ${s.notAfter.toISOString().slice(0, 10)}.</span></dd>`;
    }
  }
  const made = site.tls.mode === 'acme' ? "the certificate Let's Encrypt issues to it" : 'its own self-signed certificate';
  // The daemon makes these itself, where this wizard cannot see: say so rather than guess.
  return html`<dt>Certificate (SHA-256)</dt><dd>The controller serves ${made}, which it makes when it starts; this wizard cannot read it. Compare what your browser shows with the appliance's own answer, on its console or over SSH:<br><code class="wrap">${FINGERPRINT_COMMAND}</code></dd>`;
}

function updateWindow(site: Extract<ActiveSite, { kind: 'site' }>['site'], now: Date, zone: string): SafeHtml {
  const u = site.updates;
  if (!u.enable) return html`<dt>Next update</dt><dd>Scheduled updates are off.</dd>`;
  const [next] = nextElapses(u.schedule, now, 1, zone);
  if (!next) return html`<dt>Next update</dt><dd>The schedule <code>${u.schedule}</code> runs no more.</dd>`;
  const delay = parseTimespan(u.randomized_delay) ?? 0;
  return html`<dt>Next update window</dt><dd><time datetime="${next.toISOString()}">${formatRun(next, zone)}</time>${
    delay > 0 ? html`, starting within ${spanInWords(delay)} of it` : ''
  } (the appliance's time zone, ${zone})</dd>`;
}

/**
 * What the operator needs once setup is complete: where to sign in and as whom, the
 * certificate the controller serves, the next update window, how to reset, and the applied
 * document as user data for the next appliance.
 */
export function completionBlock(active: ActiveSite, controllerUrl: string, now: Date, zone: string): SafeHtml {
  const reset = html`<h3>To set it up again</h3>
<p>On the appliance's console, choose <strong>Reset</strong> from the menu. Over SSH, as the admin: <code>sudo bowtie-setup reset --config</code> keeps the network and your SSH keys and starts this wizard again; <code>--factory</code> removes everything setup wrote. Add <code>--dry-run</code> to see what would change first.</p>`;
  if (active.kind !== 'site') {
    return html`<p>The applied configuration cannot be shown here (${active.kind === 'none' ? 'no site configuration is active' : active.reason}). <code>bowtie-setup status</code> on the appliance says what runs.</p>${reset}`;
  }
  const site = active.site;
  const byName = `https://${active.fqdn}/`;
  return html`<dl class="completion">
<dt>Sign in at</dt><dd><a href="${controllerUrl}">${controllerUrl}</a>${byName !== controllerUrl ? html` (or <a href="${byName}">${byName}</a> where that name resolves)` : ''}</dd>
<dt>Admin</dt><dd>${site.admin?.email ?? 'none'} with the password you chose</dd>
${certificate(site)}
${updateWindow(site, now, zone)}
</dl>
<h3>The next appliance</h3>
<p><a class="button" href="/export" download>Download the configuration as cloud-init user data</a> to set up the next appliance without this wizard. Secrets are left out: fill in each place marked <code>&lt;FILL IN: ...&gt;</code> (${active.secrets.map((s) => s.path).join(', ') || 'none here'}). <code>bowtie-setup export</code> on the appliance prints the same.</p>
${reset}`;
}
