import { html, type SafeHtml } from '../../web/html.js';
import { field } from '../../views/partials/field.js';
import { PASSWORD_MIN } from '../../config/limits.js';
import type { StepView } from '../step.js';

export function adminView(v: StepView): SafeHtml {
  const hashSet = v.document.admin?.password_hash !== undefined;
  return html`${field({
    name: 'admin.email',
    label: 'Email address',
    type: 'email',
    value: v.values['admin.email'],
    errors: v.errorsFor('admin.email'),
    check: v.checkUrl('admin.email'),
    required: true,
    autocomplete: 'email',
  })}
${field({
  name: 'admin.password',
  label: 'Password',
  type: 'password',
  secret: { set: hashSet },
  errors: v.errorsFor('admin.password'),
  hint: v.hints['admin.password'] ?? `At least ${PASSWORD_MIN} characters. Several random words make a strong password that is easy to type.`,
  check: v.checkUrl('admin.password'),
  required: !hashSet,
  autocomplete: 'new-password',
})}
${field({
  name: 'admin.password_confirm',
  label: 'Password again',
  type: 'password',
  secret: { set: false },
  errors: v.errorsFor('admin.password_confirm'),
  check: v.checkUrl('admin.password_confirm'),
  autocomplete: 'new-password',
})}
${field({
  name: 'admin.ssh_authorized_keys',
  label: 'SSH public keys (optional)',
  lines: 4,
  value: v.values['admin.ssh_authorized_keys'],
  errors: v.errorsFor('admin.ssh_authorized_keys'),
  hint: 'One key per line, e.g. ssh-ed25519 AAAA... you@laptop. They allow SSH logins as the admin user.',
  check: v.checkUrl('admin.ssh_authorized_keys'),
})}`;
}
