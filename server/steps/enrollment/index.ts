/**
 * Step 3, enrollment into the customer's organisation: the site's display name, the site id,
 * the cluster token (a secret: shown as "set" once stored) and optional entrypoints of an
 * existing cluster to join; behind a disclosure, single sign-on (one identity provider
 * connector; its client secret is a secret like the token).
 */
import { html } from '../../web/html.js';
import { field } from '../../views/partials/field.js';
import { SSO_TYPES } from '../../config/schema.js';
import type { DraftDocument } from '../draft.js';
import { compact, stepErrors, type FormStep } from '../step.js';

const SSO_FIELDS = ['type', 'id', 'name', 'issuer', 'client_id', 'client_secret', 'redirect_uri'] as const;

export const enrollmentStep: FormStep = {
  name: 'enrollment',
  title: 'Enrollment',
  fields: ['site.name', 'enrollment.site_id', 'enrollment.token', 'enrollment.entrypoints', ...SSO_FIELDS.map((f) => `sso.${f}`)],
  intro: html`<p>Connects this controller to your organisation. The site id and token are shown where you created the site in the Bowtie dashboard.</p>`,
  isDone: (doc) => doc.enrollment !== undefined,
  valuesOf: (doc) => ({
    'site.name': doc.site?.name ?? '',
    'enrollment.site_id': doc.enrollment?.site_id ?? '',
    'enrollment.entrypoints': (doc.enrollment?.entrypoints ?? []).join('\n'),
    ...Object.fromEntries(SSO_FIELDS.filter((f) => f !== 'client_secret').map((f) => [`sso.${f}`, doc.sso?.[f] ?? ''])),
  }),
  view(v) {
    const f = (name: string, label: string, extra: Partial<Parameters<typeof field>[0]> = {}) =>
      field({ name, label, value: v.values[name], errors: v.errorsFor(name), check: v.checkUrl(name), ...extra });
    const hostname = v.document.hostname;
    return html`${f('site.name', 'Site name (optional)', { hint: `Shown in the controller's interface.${hostname ? ` Empty means the hostname, ${hostname}.` : ' Empty means the hostname.'}` })}
${f('enrollment.site_id', 'Site id', { required: true, placeholder: '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b', autocomplete: 'off' })}
${f('enrollment.token', 'Token', { type: 'password', secret: { set: v.document.enrollment?.token !== undefined }, required: v.document.enrollment?.token === undefined, autocomplete: 'off' })}
${f('enrollment.entrypoints', 'Entrypoints of an existing cluster (optional)', { lines: 2, hint: 'One https:// URL per line, to join controllers that already run. Empty starts a new cluster.' })}
<details class="advanced"${v.document.sso || SSO_FIELDS.some((s) => v.errorsFor(`sso.${s}`).length > 0) ? ' open' : ''}><summary>Single sign-on (optional)</summary>
<p class="hint">An identity provider users sign in with, as configured at the provider for this controller. Leave every field empty for none.</p>
${f('sso.type', 'Provider type', { options: [{ value: '', label: 'none' }, ...SSO_TYPES.map((t) => ({ value: t, label: t }))] })}
${f('sso.id', 'Connector id', { placeholder: 'okta', autocomplete: 'off', hint: 'Lower-case letters, digits, "-" and "_".' })}
${f('sso.name', 'Name on the sign-in page', { placeholder: 'Okta' })}
${f('sso.issuer', 'Issuer URL (oidc)', { type: 'url', placeholder: 'https://idp.example.com', autocomplete: 'off' })}
${f('sso.client_id', 'Client id', { autocomplete: 'off' })}
${f('sso.client_secret', 'Client secret', { type: 'password', secret: { set: v.document.sso?.client_secret !== undefined }, autocomplete: 'off' })}
${f('sso.redirect_uri', 'Redirect URI (optional)', { type: 'url', autocomplete: 'off', hint: "Empty means the controller's own callback (https://its-name/dex/callback)." })}
</details>`;
  },
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
      ? compact({ ...Object.fromEntries(SSO_FIELDS.map((f) => [f, typed[f] === '' ? undefined : typed[f]])), client_secret: typed.client_secret === '' ? doc.sso?.client_secret : typed.client_secret })
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
