import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../config/hash-password.js';
import { createWizard, type Wizard } from '../../../test/helpers/wizard.js';
import { formatSetupCode } from '../../auth/setup-code.js';
import { loadPrefill } from '../draft.js';

let w: Wizard;
afterEach(() => w?.close());

describe('unlock', () => {
  it('asks for the setup code and starts a session with it', async () => {
    w = createWizard();
    const c = w.client();
    const page = await c.get('/unlock');
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="code"');
    expect(page.text).not.toContain(w.code);
    const res = await c.post('/unlock', { code: formatSetupCode(w.code).toLowerCase() });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin');
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((s) => s.startsWith('__Host-bowtie-setup='));
    expect(cookie).toMatch(/; Path=\/; Secure; HttpOnly; SameSite=Strict/);
    expect((await c.get('/admin')).status).toBe(200);
  });

  it('refuses a wrong code with the field error and no session', async () => {
    w = createWizard();
    const c = w.client();
    await c.get('/unlock');
    const res = await c.post('/unlock', { code: 'AAAA-AAAA-AAAA-AAAA' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('is not the setup code shown on the console');
    expect(res.text).toMatch(/id="f-code"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*f-code-error/);
    expect((await c.get('/admin')).status).toBe(303);
  });

  it('sends the steps to unlock without a session', async () => {
    w = createWizard();
    const res = await w.client().get('/network');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/unlock');
  });

  it('says that user data was rejected, and shows why only after unlock', async () => {
    w = createWizard({
      cloudInit: { instance_id: 'i-1', status: 'rejected', errors: [{ path: 'network.ipv4.gateway', message: 'not in 10.0.0.0/24' }], prefill: null },
    });
    const c = w.client();
    const page = await c.get('/unlock');
    expect(page.text).toContain('could not be used. Unlock to see what was wrong');
    expect(page.text).not.toContain('network.ipv4.gateway');
    expect((await c.get('/user-data')).headers.location).toBe('/unlock');
    const unlocked = await c.post('/unlock', { code: formatSetupCode(w.code) });
    expect(unlocked.headers.location).toBe('/user-data');
    const details = await c.get('/user-data');
    expect(details.text).toContain('user data was rejected:');
    expect(details.text).toContain('network.ipv4.gateway: not in 10.0.0.0/24');
  });

  it('is pre-claimed by the admin from cloud-init: email and password, not the setup code', async () => {
    const hash = await hashPassword('correct-horse-battery');
    w = createWizard({
      cloudInit: {
        instance_id: 'i-2',
        status: 'prefilled',
        errors: [],
        prefill: { hostname: 'ctl-1', admin: { email: 'ops@example.com', password_hash: hash } },
      },
    });
    const c = w.client();
    const page = await c.get('/unlock');
    expect(page.text).toContain('name="email"');
    expect(page.text).not.toContain('name="code"');
    expect((await c.post('/unlock', { code: formatSetupCode(w.code) })).status).toBe(401);
    expect((await c.post('/unlock', { email: 'ops@example.com', password: 'wrong-password-here' })).status).toBe(401);
    const wrongEmail = await c.post('/unlock', { email: 'other@example.com', password: 'correct-horse-battery' });
    expect(wrongEmail.status).toBe(401);
    expect(wrongEmail.text).toContain('email address or password is wrong');
    const ok = await c.post('/unlock', { email: 'OPS@example.com', password: 'correct-horse-battery' });
    expect(ok.status).toBe(303);
  });

  it('says why the settings of a partial document were not applied, and stays pre-claimed', async () => {
    w = createWizard({
      cloudInit: {
        instance_id: 'i-5',
        status: 'prefilled',
        errors: [],
        prefill: { hostname: 'ctl-1', admin: { email: 'ops@example.com', password_hash: await hashPassword('correct-horse-battery') } },
        activation: {
          outcome: 'rolled-back',
          configures: ['hostname', 'network.ipv4'],
          generation: 1,
          reason: 'activation failed in confirm: the health gate did not pass: gateway (10.0.0.1 does not answer)',
        },
      },
    });
    const c = w.client();
    const page = await c.get('/unlock');
    expect(page.text).toContain('Unlock to see what was wrong');
    expect(page.text).not.toContain('activation failed');
    expect(page.text).toContain('name="email"');
    expect((await c.post('/unlock', { email: 'ops@example.com', password: 'correct-horse-battery' })).headers.location).toBe('/user-data');
    const details = await c.get('/user-data');
    expect(details.text).toContain('could not be applied');
    expect(details.text).toContain('hostname, network.ipv4: activation failed in confirm');
  });

  it('is not pre-claimed by a prefill without an admin', async () => {
    w = createWizard({ cloudInit: { instance_id: 'i-3', status: 'prefilled', errors: [], prefill: { hostname: 'ctl-1' } } });
    expect((await w.client().get('/unlock')).text).toContain('name="code"');
  });

  it('loads a cloud-init prefill into the draft once; edits made afterwards win', async () => {
    const cloudInit = { instance_id: 'i-4', status: 'prefilled' as const, errors: [], prefill: { hostname: 'ctl-1', updates: { channel: 'beta' as const } } };
    w = createWizard({ cloudInit });
    await loadPrefill(w.drafts, cloudInit);
    expect((await w.drafts.get()).document).toMatchObject({ hostname: 'ctl-1', updates: { channel: 'beta' } });
    const c = await w.unlocked();
    expect((await c.get('/network')).text).toContain('value="ctl-1"');
    await c.post('/network', { hostname: 'ctl-2', 'network.ipv4.method': 'dhcp', 'network.ipv6.method': 'auto' });
    await loadPrefill(w.drafts, cloudInit); // the next restart
    expect((await w.drafts.get()).document.hostname).toBe('ctl-2');
  });
});
