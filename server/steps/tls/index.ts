/**
 * Step 4, the controller's certificate: ACME (needs a public domain), self-signed, or a
 * certificate and key pasted or uploaded as PEM. A provided certificate's subject, names and
 * expiry are shown back; the private key is a secret and never is.
 */
import { TLS_MODES } from '../../config/schema.js';
import { compact, stepErrors, type FormStep } from '../step.js';
import { tlsView } from '../../../views/steps/tls.js';

const provided = (v: Readonly<Record<string, string>>) => v['tls.mode'] === 'provided';

export const tlsStep: FormStep = {
  name: 'tls',
  title: 'Certificate',
  fields: [
    {
      name: 'tls.mode',
      label: 'Certificate source',
      kind: 'radios',
      options: [
        { value: 'acme', label: "ACME (Let's Encrypt)", hint: 'Needs a public DNS name that reaches this appliance on port 80.' },
        { value: 'self-signed', label: 'Self-signed', hint: 'Browsers warn until you trust it; fine for a start.' },
        { value: 'provided', label: 'My own certificate', hint: 'Paste or upload a PEM certificate chain and its key.' },
      ],
    },
    {
      name: 'tls.certificate',
      label: 'Certificate chain (PEM)',
      kind: 'lines',
      lines: 6,
      hint: 'Server certificate first, then its issuers.',
      shownWhen: provided,
    },
    {
      name: 'tls.private_key',
      label: 'Private key (PEM)',
      kind: 'lines',
      lines: 4,
      secret: true,
      hint: 'Unencrypted PEM. Stored readable only by root.',
      shownWhen: provided,
    },
  ],
  multipart: true,
  intro: 'The certificate the controller presents to browsers and clients. This wizard uses its own temporary certificate; this one is for the controller.',
  isDone: (doc) => doc.tls !== undefined,
  valuesOf: (doc) => ({
    'tls.mode': doc.tls?.mode ?? (doc.domain ? 'acme' : 'self-signed'),
    'tls.certificate': doc.tls?.certificate ?? '',
  }),
  view: tlsView,
  async check(form, doc) {
    const mode = form.text('tls.mode');
    const provided = mode === 'provided';
    const certificate = provided ? ((await form.file('tls.certificate_file')) ?? form.text('tls.certificate')).trim() : '';
    const typedKey = provided ? ((await form.file('tls.private_key_file')) ?? form.text('tls.private_key')).trim() : '';
    // Switching away from "provided" drops the stored pair: the schema refuses them with other modes.
    const tls = compact({
      mode: mode as (typeof TLS_MODES)[number], // the schema rejects anything else
      certificate: certificate === '' ? undefined : `${certificate}\n`,
      private_key: typedKey !== '' ? `${typedKey}\n` : provided ? doc.tls?.private_key : undefined,
    });
    const document = { ...doc, tls };
    let errors = stepErrors(document, ['tls']);
    if (provided && doc.hostname === undefined) {
      // The stand-in hostname of stepErrors would make every certificate "not cover" it.
      errors = errors.filter((e) => !e.message.startsWith('does not cover'));
      errors.push({ path: 'tls.certificate', message: 'cannot be checked until the hostname is set (step 2)' });
    }
    return { document, errors, values: { 'tls.mode': mode, 'tls.certificate': certificate } };
  },
};
