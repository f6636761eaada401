/**
 * Step 3, enrollment into the customer's organisation: the site's display name, the site id,
 * the cluster token (a secret: shown as "set" once stored) and optional entrypoints of an
 * existing cluster to join.
 */
import { enrollmentView } from '../../../views/steps/enrollment.js';
import type { DraftDocument } from '../draft.js';
import { compact, stepErrors, type FormStep } from '../step.js';

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
  ],
  intro: 'Connects this controller to your organisation. The site id and token are shown where you created the site in the Bowtie dashboard.',
  isDone: (doc) => doc.enrollment !== undefined,
  valuesOf: (doc) => ({
    'site.name': doc.site?.name ?? '',
    'enrollment.site_id': doc.enrollment?.site_id ?? '',
    'enrollment.entrypoints': (doc.enrollment?.entrypoints ?? []).join('\n'),
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
    const { site: _site, ...rest } = doc;
    // Unvalidated until stepErrors has run: a missing token is what it reports.
    const document = { ...rest, ...(name ? { site: { name } } : {}), enrollment } as DraftDocument;
    const values = {
      'site.name': name,
      'enrollment.site_id': enrollment.site_id,
      'enrollment.entrypoints': form.list('enrollment.entrypoints').join('\n'),
    };
    return { document, errors: stepErrors(document, ['site', 'enrollment']), values };
  },
};
