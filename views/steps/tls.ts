import { parseCertificateChain, summarizeCertificate } from '../../server/config/certificate.js';
import { fqdnOf } from '../../server/config/names.js';
import { html, type SafeHtml } from '../../server/web/html.js';
import { fieldId } from '../partials/field.js';
import type { StepView } from '../../server/steps/step.js';

/** Subject, names and expiry of the first certificate of a PEM chain, or nothing. */
export function certificateSummary(pem: string, now: Date): SafeHtml {
  if (pem.trim() === '') return html``;
  const chain = parseCertificateChain(pem);
  if (typeof chain === 'string') return html``;
  const s = summarizeCertificate(chain[0]!);
  const days = Math.floor((s.notAfter.getTime() - now.getTime()) / 86_400_000);
  return html`<dl class="cert-summary" aria-label="Certificate">
<dt>Subject</dt><dd>${s.subject.replaceAll('\n', ', ')}</dd>
<dt>Names (SAN)</dt><dd>${s.subjectAltNames.length > 0 ? s.subjectAltNames.join(', ') : 'none'}</dd>
<dt>Issuer</dt><dd>${s.issuer.replaceAll('\n', ', ')}</dd>
<dt>Expires</dt><dd>${s.notAfter.toISOString().slice(0, 10)} (${days >= 0 ? `in ${days} days` : `${-days} days ago`})</dd>
<dt>SHA-256</dt><dd class="mono">${s.fingerprint256}</dd>
</dl>`;
}

export function tlsView(v: StepView): SafeHtml {
  const doc = v.document;
  const name = doc.hostname ? fqdnOf(doc.hostname, doc.domain) : null;
  return html`${v.field('tls.mode', {
    options: [
      { value: 'acme', label: "ACME (Let's Encrypt)", hint: `Needs a public DNS name${name ? ` (${name})` : ''} that reaches this appliance on port 80.` },
      { value: 'self-signed', label: 'Self-signed', hint: 'Browsers warn until you trust it; fine for a start.' },
      { value: 'provided', label: 'My own certificate', hint: 'Paste or upload a PEM certificate chain and its key.' },
    ],
  })}
<fieldset class="group provided-only"><legend>My own certificate</legend>
${v.field('tls.certificate', {
  hint: `Server certificate first, then its issuers.${name ? ` It must cover ${name}.` : ''}`,
  after: certificateSummary(v.values['tls.certificate'] ?? '', v.deps.now()),
})}
<div class="field"><label for="${fieldId('tls.certificate_file')}">or upload the certificate file</label>
<input type="file" id="${fieldId('tls.certificate_file')}" name="tls.certificate_file" accept=".pem,.crt,.cer,application/x-pem-file"></div>
${v.field('tls.private_key')}
<div class="field"><label for="${fieldId('tls.private_key_file')}">or upload the key file</label>
<input type="file" id="${fieldId('tls.private_key_file')}" name="tls.private_key_file" accept=".pem,.key,application/x-pem-file"></div>
</fieldset>`;
}
