/**
 * Step 1, the first controller admin: email, password (typed twice, hashed with argon2id as
 * soon as it is accepted; only the hash is kept) and optional SSH keys.
 */
import { hashPassword } from '../../config/hash-password.js';
import { html } from '../../web/html.js';
import { compact, stepErrors, type FormStep } from '../step.js';
import { passwordStrength } from './strength.js';
import { adminView } from './view.js';

export const PASSWORD_CONFIRM = 'admin.password_confirm';

export const adminStep: FormStep = {
  name: 'admin',
  title: 'Administrator',
  fields: ['admin.email', 'admin.password', PASSWORD_CONFIRM, 'admin.ssh_authorized_keys'],
  intro: html`<p>The first administrator of the controller. You sign in to the controller with this email address and password once setup is done.</p>`,
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
