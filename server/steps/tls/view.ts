import { parseCertificateChain, summarizeCertificate } from '../../config/certificate.js';
import { fqdnOf } from '../../config/names.js';
import { html, type SafeHtml } from '../../web/html.js';
import { field, fieldId, radios } from '../../views/partials/field.js';
import type { StepView } from '../step.js';

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
  const keySet = doc.tls?.private_key !== undefined;
  return html`${radios({
    name: 'tls.mode',
    legend: 'Certificate source',
    value: v.values['tls.mode'] ?? 'self-signed',
    options: [
      { value: 'acme', label: 'ACME (Let\'s Encrypt)', hint: `Needs a public DNS name${name ? ` (${name})` : ''} that reaches this appliance on port 80.` },
      { value: 'self-signed', label: 'Self-signed', hint: 'Browsers warn until you trust it; fine for a start.' },
      { value: 'provided', label: 'My own certificate', hint: 'Paste or upload a PEM certificate chain and its key.' },
    ],
    errors: v.errorsFor('tls.mode'),
  })}
<fieldset class="group provided-only"><legend>My own certificate</legend>
${field({
  name: 'tls.certificate',
  label: 'Certificate chain (PEM)',
  lines: 6,
  value: v.values['tls.certificate'],
  errors: v.errorsFor('tls.certificate'),
  hint: `Server certificate first, then its issuers.${name ? ` It must cover ${name}.` : ''}`,
  after: certificateSummary(v.values['tls.certificate'] ?? '', v.deps.now()),
})}
<div class="field"><label for="${fieldId('tls.certificate_file')}">or upload the certificate file</label>
<input type="file" id="${fieldId('tls.certificate_file')}" name="tls.certificate_file" accept=".pem,.crt,.cer,application/x-pem-file"></div>
${field({
  name: 'tls.private_key',
  label: 'Private key (PEM)',
  lines: 4,
  secret: { set: keySet },
  errors: v.errorsFor('tls.private_key'),
  hint: 'Unencrypted PEM. Stored readable only by root.',
})}
<div class="field"><label for="${fieldId('tls.private_key_file')}">or upload the key file</label>
<input type="file" id="${fieldId('tls.private_key_file')}" name="tls.private_key_file" accept=".pem,.key,application/x-pem-file"></div>
</fieldset>`;
}
