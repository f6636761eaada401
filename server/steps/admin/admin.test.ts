import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { verifyPassword } from '../../config/hash-password.js';
import { draftPath } from '../draft.js';
import { createWizard, type Wizard } from '../../../test/helpers/wizard.js';
import { passwordStrength } from './strength.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBcwCHmfonosD9uU5lAXh1O8btwR2vJZqKYgq/jEX4Z2 ops@laptop';
const PASSWORD = 'correct-horse-battery-staple';

let w: Wizard;
afterEach(() => w?.close());

describe('admin step', () => {
  it('hashes an accepted password at once, keeps only the hash and never sends it back', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const res = await c.post('/admin', {
      'admin.email': 'ops@example.com',
      'admin.password': PASSWORD,
      'admin.password_confirm': PASSWORD,
      'admin.ssh_authorized_keys': `${KEY}\n\n`,
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/network');
    const stored = readFileSync(draftPath(w.root), 'utf8');
    expect(stored).not.toContain(PASSWORD);
    expect(statSync(draftPath(w.root)).mode & 0o777).toBe(0o600);
    const admin = (await w.drafts.get()).document.admin!;
    expect(admin.password).toBeUndefined();
    expect(await verifyPassword(admin.password_hash!, PASSWORD)).toBe(true);
    expect(admin.ssh_authorized_keys).toEqual([KEY]);

    const page = await c.get('/admin');
    expect(page.text).toContain('value="ops@example.com"');
    expect(page.text).toContain(KEY);
    expect(page.text).toContain('<span class="set">set</span>');
    expect(page.text).not.toContain(admin.password_hash!);
    expect(page.text).not.toContain(PASSWORD);
  });

  it('keeps the stored hash when the password is left empty', async () => {
    w = createWizard();
    const c = await w.unlocked();
    await c.post('/admin', { 'admin.email': 'ops@example.com', 'admin.password': PASSWORD, 'admin.password_confirm': PASSWORD });
    const hash = (await w.drafts.get()).document.admin!.password_hash;
    const res = await c.post('/admin', { 'admin.email': 'admin@example.com', 'admin.password': '', 'admin.password_confirm': '' });
    expect(res.status).toBe(303);
    expect((await w.drafts.get()).document.admin).toMatchObject({ email: 'admin@example.com', password_hash: hash });
  });

  it('answers 422 with each error beside its field, in the words of the CLI, without echoing the password', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const res = await c.post('/admin', {
      'admin.email': 'not-an-email',
      'admin.password': 'short',
      'admin.password_confirm': 'other',
      'admin.ssh_authorized_keys': 'ssh-rsa nonsense',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('<a href="#f-admin-email">Email address: must be an email address (name@example.com)');
    expect(res.text).toContain('<a href="#f-admin-password">Password: must be at least 12 characters');
    expect(res.text).toMatch(/id="f-admin-email"[^>]*aria-invalid="true"[^>]*aria-describedby="f-admin-email-error"/);
    expect(res.text).toMatch(/<p class="error" id="f-admin-password-error">must be at least 12 characters<\/p>/);
    expect(res.text).toMatch(/id="f-admin-password_confirm-error">does not match the password/);
    expect(res.text).toMatch(/id="f-admin-ssh_authorized_keys-error">line 1: /);
    expect(res.text).toContain('value="not-an-email"');
    expect(res.text).not.toContain('value="short"');
    expect((await w.drafts.get()).document.admin).toBeUndefined();
    // A reload shows what was typed and the errors again.
    const reload = await c.get('/admin');
    expect(reload.text).toContain('value="not-an-email"');
    expect(reload.text).toContain('must be an email address');
  });

  it('requires a password when none is stored', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const res = await c.post('/admin', { 'admin.email': 'ops@example.com' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('<a href="#f-admin-password">Password: is required (or give password_hash)');
  });

  it('rejects a password that is the email address (a cross-field rule of the schema)', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const res = await c.post('/admin', { 'admin.email': 'ops@example.com', 'admin.password': 'ops@example.com', 'admin.password_confirm': 'ops@example.com' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('must not be the email address');
  });

  it('checks one field inline and gives a strength hint, saving nothing', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const res = await c.post('/admin/check?field=admin.password', { 'admin.email': '', 'admin.password': PASSWORD }, { 'HX-Request': 'true' });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/Strength: (good|strong)/);
    expect(res.text).not.toContain(PASSWORD);
    expect((await w.drafts.get()).entered.admin).toBeUndefined();
  });

  it('Back saves valid values and goes to the previous step; invalid ones are kept as typed', async () => {
    w = createWizard();
    const c = await w.unlocked();
    await c.post('/admin', { 'admin.email': 'ops@example.com', 'admin.password': PASSWORD, 'admin.password_confirm': PASSWORD });
    const back = await c.post('/network', { hostname: 'bad_name', nav: 'back' });
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe('/admin');
    expect((await c.get('/network')).text).toContain('value="bad_name"');
  });
});

describe('password strength hint', () => {
  it('ranks long random passphrases above short and common ones', () => {
    expect(passwordStrength('password1234').label).toBe('weak');
    expect(passwordStrength('aaaaaaaaaaaaaaaa').label).toBe('weak');
    expect(passwordStrength('abcdefghijklmnop').label).toBe('weak');
    expect(passwordStrength(PASSWORD).bits).toBeGreaterThan(passwordStrength('Tr0ub4dor&3').bits);
    expect(passwordStrength('vR7#kq2!Lm9$Zx4@pW').label).toBe('strong');
  });
});
