import { afterEach, describe, expect, it } from 'vitest';
import { createWizard, type Wizard } from '../../../test/helpers/wizard.js';

let w: Wizard;
afterEach(() => w?.close());

const STATIC = {
  hostname: 'ctl-sfo-01',
  domain: 'corp.example.com',
  'network.interface': 'ens3',
  'network.ipv4.method': 'static',
  'network.ipv4.address': '10.0.0.5/24',
  'network.ipv4.gateway': '10.0.0.1',
  'network.ipv6.method': 'off',
  'network.dns': '1.1.1.1, 9.9.9.9',
  'network.ntp': 'time.cloudflare.com',
};

describe('network step', () => {
  it('lists the discovered interfaces with their current addresses', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const page = await c.get('/network');
    expect(page.text).toContain('192.168.122.50/24');
    expect(page.text).toContain('<option value="ens3">ens3</option>');
    expect(page.text).toContain('Automatic (ens3)');
  });

  it('saves a static configuration and shows it back after a reload', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const res = await c.post('/network', STATIC);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/enrollment');
    const doc = (await w.drafts.get()).document;
    expect(doc).toMatchObject({
      hostname: 'ctl-sfo-01',
      domain: 'corp.example.com',
      network: { interface: 'ens3', ipv4: { method: 'static', address: '10.0.0.5/24', gateway: '10.0.0.1' }, ipv6: { method: 'off' }, dns: ['1.1.1.1', '9.9.9.9'], ntp: ['time.cloudflare.com'] },
    });
    const page = await c.get('/network');
    expect(page.text).toContain('value="10.0.0.5/24"');
    expect(page.text).toMatch(/value="static" checked/);
    expect(page.text).toContain('1.1.1.1\n9.9.9.9</textarea>');
  });

  it('ignores static fields under DHCP and drops an emptied domain', async () => {
    w = createWizard();
    const c = await w.unlocked();
    await c.post('/network', STATIC);
    const res = await c.post('/network', { ...STATIC, domain: '', 'network.ipv4.method': 'dhcp', 'network.ipv4.address': 'garbage', 'network.dns': '' });
    expect(res.status).toBe(303);
    const doc = (await w.drafts.get()).document;
    expect(doc.domain).toBeUndefined();
    expect(doc.network?.ipv4).toEqual({ method: 'dhcp' });
  });

  it('refuses a host name that is the admin password, which it knows only as a hash', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const password = 'correct-horse-battery';
    expect((await c.post('/admin', { 'admin.email': 'ops@example.com', 'admin.password': password, 'admin.password_confirm': password })).status).toBe(303);
    const res = await c.post('/network', { ...STATIC, hostname: 'Correct-Horse-Battery' });
    expect(res.status).toBe(422);
    expect(res.text).toContain("<a href=\"#f-hostname\">Hostname: must not be the admin password (change the host name or the admin&#39;s password)");
    expect((await w.drafts.get()).document.hostname).toBeUndefined();
    expect((await c.post('/network', { ...STATIC, hostname: 'ctl-sfo-01' })).status).toBe(303);
  });

  it('refuses a fully qualified name that is the admin password', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const password = 'ctl-sfo-01.corp.example.com';
    await c.post('/admin', { 'admin.email': 'ops@example.com', 'admin.password': password, 'admin.password_confirm': password });
    expect((await c.post('/network', STATIC)).status).toBe(422);
    expect((await c.post('/network', { ...STATIC, domain: 'corp.example.org' })).status).toBe(303);
  });

  it('puts cross-field errors on the right field with 422', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const res = await c.post('/network', { ...STATIC, 'network.ipv4.gateway': '10.0.1.1', 'network.dns': '', hostname: '-bad' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('<a href="#f-network-ipv4-gateway">Gateway: not in 10.0.0.0/24');
    expect(res.text).toMatch(/id="f-network-ipv4-gateway-error">not in 10.0.0.0\/24/);
    expect(res.text).toMatch(/id="f-network-dns-error">required when ipv4 is static/);
    expect(res.text).toMatch(/id="f-hostname"[^>]*aria-invalid="true"/);
    expect((await w.drafts.get()).document.hostname).toBeUndefined();
  });

  it('reports a bad list entry by its line', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const res = await c.post('/network', { ...STATIC, 'network.dns': '1.1.1.1\n300.1.1.1' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('<a href="#f-network-dns">DNS servers: line 2: is not a valid IP address');
    expect(res.text).toMatch(/id="f-network-dns-error">line 2: is not a valid IP address/);
  });
});
