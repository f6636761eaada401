/**
 * Step 3, enrollment into the customer's organisation: the site's display name, the site id,
 * the cluster token (a secret: shown as "set" once stored) and optional entrypoints of an
 * existing cluster to join; behind a disclosure, single sign-on (one identity provider
 * connector; its client secret is a secret like the token).
 */
import { enrollmentView } from '../../../views/steps/enrollment.js';
import { SSO_TYPES } from '../../config/schema.js';
import type { DraftDocument } from '../draft.js';
import { SSO_FIELDS } from './fields.js';
import { compact, stepErrors, type FormStep } from '../step.js';

const sso = (v: Readonly<Record<string, string>>) => (v['sso.type'] ?? '') !== '';

export const enrollmentStep: FormStep = {
  name: 'enrollment',
  title: 'Enrollment',
  fields: [
    { name: 'site.name', label: 'Site name (optional)', kind: 'text', hint: "Shown in the controller's interface. Empty means the hostname." },
    { name: 'enrollment.site_id', label: 'Site id', kind: 'text', required: true, placeholder: '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b', autocomplete: 'off' },
    { name: 'enrollment.token', label: 'Token', kind: 'password', secret: true, required: true, autocomplete: 'off' },
    {
      name: 'enrollment.entrypoints',
      label: 'Entrypoints of an existing cluster (optional)',
      kind: 'lines',
      hint: 'One https:// URL per line, to join controllers that already run. Empty starts a new cluster.',
      emptyText: 'none: a new cluster',
    },
    // Behind "Single sign-on (optional)" (views/steps/enrollment.ts).
    {
      name: 'sso.type',
      label: 'Provider type',
      kind: 'select',
      options: [{ value: '', label: 'none' }, ...SSO_TYPES.map((t) => ({ value: t, label: t }))],
      emptyText: 'none',
    },
    {
      name: 'sso.id',
      label: 'Connector id',
      kind: 'text',
      placeholder: 'okta',
      autocomplete: 'off',
      hint: 'Lower-case letters, digits, "-" and "_".',
      shownWhen: sso,
    },
    { name: 'sso.name', label: 'Name on the sign-in page', kind: 'text', placeholder: 'Okta', shownWhen: sso },
    { name: 'sso.issuer', label: 'Issuer URL (oidc)', kind: 'url', placeholder: 'https://idp.example.com', autocomplete: 'off', shownWhen: sso },
    { name: 'sso.client_id', label: 'Client id', kind: 'text', autocomplete: 'off', shownWhen: sso },
    { name: 'sso.client_secret', label: 'Client secret', kind: 'password', secret: true, autocomplete: 'off', shownWhen: sso },
    {
      name: 'sso.redirect_uri',
      label: 'Redirect URI (optional)',
      kind: 'url',
      autocomplete: 'off',
      hint: "Empty means the controller's own callback (https://its-name/dex/callback).",
      emptyText: "the controller's own callback",
      shownWhen: sso,
    },
  ],
  intro: 'Connects this controller to your organisation. The site id and token are shown where you created the site in the Bowtie dashboard.',
  isDone: (doc) => doc.enrollment !== undefined,
  valuesOf: (doc) => ({
    'site.name': doc.site?.name ?? '',
    'enrollment.site_id': doc.enrollment?.site_id ?? '',
    'enrollment.entrypoints': (doc.enrollment?.entrypoints ?? []).join('\n'),
    ...Object.fromEntries(SSO_FIELDS.filter((f) => f !== 'client_secret').map((f) => [`sso.${f}`, doc.sso?.[f] ?? ''])),
  }),
  view: enrollmentView,
  async check(form, doc) {
    const token = form.text('enrollment.token').trim();
    const name = form.text('site.name').trim();
    const enrollment = compact({
      site_id: form.text('enrollment.site_id').trim(),
      token: token === '' ? doc.enrollment?.token : token,
      entrypoints: form.list('enrollment.entrypoints'),
    });
    const typed = Object.fromEntries(SSO_FIELDS.map((f) => [f, form.text(`sso.${f}`).trim()])) as Record<(typeof SSO_FIELDS)[number], string>;
    // Every field empty: no single sign-on (a stored secret alone does not keep it).
    const wantsSso = SSO_FIELDS.some((f) => typed[f] !== '');
    const sso = wantsSso
      ? compact({
          ...Object.fromEntries(SSO_FIELDS.map((f) => [f, typed[f] === '' ? undefined : typed[f]])),
          client_secret: typed.client_secret === '' ? doc.sso?.client_secret : typed.client_secret,
        })
      : undefined;
    const { site: _site, sso: _sso, ...rest } = doc;
    // Unvalidated until stepErrors has run: a missing token is what it reports.
    const document = { ...rest, ...(name ? { site: { name } } : {}), enrollment, ...(sso ? { sso } : {}) } as DraftDocument;
    const values = {
      'site.name': name,
      'enrollment.site_id': enrollment.site_id,
      'enrollment.entrypoints': form.list('enrollment.entrypoints').join('\n'),
      ...Object.fromEntries(SSO_FIELDS.filter((f) => f !== 'client_secret').map((f) => [`sso.${f}`, typed[f]])),
    };
    return { document, errors: stepErrors(document, ['site', 'enrollment', 'sso']), values };
  },
};
