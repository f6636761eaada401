/**
 * Step 1, the first controller admin: email, password (typed twice, hashed with argon2id as
 * soon as it is accepted; only the hash is kept) and optional SSH keys.
 */
import { hashPassword } from '../../config/hash-password.js';
import { PASSWORD_MIN } from '../../config/limits.js';
import { compact, stepErrors, type FormStep } from '../step.js';
import { passwordStrength } from './strength.js';
import { adminView } from '../../../views/steps/admin.js';

export const PASSWORD_CONFIRM = 'admin.password_confirm';

export const adminStep: FormStep = {
  name: 'admin',
  title: 'Administrator',
  fields: [
    { name: 'admin.email', label: 'Email address', kind: 'email', required: true, autocomplete: 'email' },
    {
      name: 'admin.password',
      label: 'Password',
      kind: 'password',
      secret: true,
      storedAs: 'admin.password_hash',
      required: true,
      autocomplete: 'new-password',
      hint: `At least ${PASSWORD_MIN} characters. Several random words make a strong password that is easy to type.`,
    },
    {
      name: PASSWORD_CONFIRM,
      label: 'Password again',
      kind: 'password',
      secret: true,
      storedAs: 'admin.password_hash',
      required: true,
      autocomplete: 'new-password',
      review: false,
    },
    {
      name: 'admin.ssh_authorized_keys',
      label: 'SSH public keys (optional)',
      kind: 'lines',
      lines: 4,
      hint: 'One key per line, e.g. ssh-ed25519 AAAA... you@laptop. They allow SSH logins as the admin user.',
      emptyText: 'none',
    },
    // Set on the console or by user data, never on this page; the review says whether it is set.
    { name: 'admin.console_password_hash', label: 'Console password', kind: 'group', secret: true },
  ],
  intro: 'The first administrator of the controller. You sign in to the controller with this email address and password once setup is done.',
  isDone: (doc) => doc.admin !== undefined,
  valuesOf: (doc) => ({
    'admin.email': doc.admin?.email ?? '',
    'admin.ssh_authorized_keys': (doc.admin?.ssh_authorized_keys ?? []).join('\n'),
  }),
  view: adminView,
  async check(form, doc) {
    const email = form.text('admin.email').trim();
    const password = form.text('admin.password');
    const confirm = form.text(PASSWORD_CONFIRM);
    const keys = form.lines('admin.ssh_authorized_keys');
    const admin = compact({
      email,
      password: password === '' ? undefined : password,
      // An empty password field keeps the stored hash ("set").
      password_hash: password === '' ? doc.admin?.password_hash : undefined,
      ssh_authorized_keys: keys,
      console_password_hash: doc.admin?.console_password_hash,
    });
    const document = { ...doc, admin };
    const errors = stepErrors(document, ['admin']);
    if (password !== '' && confirm !== password) errors.push({ path: PASSWORD_CONFIRM, message: 'does not match the password' });
    const hints: Record<string, string> = {};
    if (password !== '') {
      const s = passwordStrength(password);
      hints['admin.password'] = `Strength: ${s.label} (about ${s.bits} bits).`;
    }
    return { document, errors, values: { 'admin.email': email, 'admin.ssh_authorized_keys': keys.join('\n') }, hints };
  },
  async finish(doc) {
    const admin = doc.admin;
    if (!admin?.password) return doc;
    const { password, ...rest } = admin;
    return { ...doc, admin: { ...rest, password_hash: await hashPassword(password) } };
  },
};
