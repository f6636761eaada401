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
      network: {
        interface: 'ens3',
        ipv4: { method: 'static', address: '10.0.0.5/24', gateway: '10.0.0.1' },
        ipv6: { method: 'off' },
        dns: ['1.1.1.1', '9.9.9.9'],
        ntp: ['time.cloudflare.com'],
      },
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
    expect(res.text).toContain('<a href="#f-hostname">Hostname: must not be the admin password (change the host name or the admin&#39;s password)');
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

  describe('advanced: VLAN, MTU and proxy', () => {
    const PASSWORD = 'Sup3r$ecret"proxy';
    const WITH_CREDENTIALS = `http://svc-bowtie:${encodeURIComponent(PASSWORD)}@proxy.corp.example.com:3128`;

    it('is a closed disclosure until one of them is set', async () => {
      w = createWizard();
      const c = await w.unlocked();
      const page = await c.get('/network');
      expect(page.text).toMatch(/<details class="group advanced"><summary>Advanced: VLAN, MTU, outbound proxy<\/summary>/);
      expect(page.text).toContain('name="network.vlan"');
      expect(page.text).toContain('name="network.proxy.url"');
    });

    it('stores VLAN, MTU and proxy; shows the URL back without its credentials, which are kept', async () => {
      w = createWizard();
      const c = await w.unlocked();
      const res = await c.post('/network', {
        ...STATIC,
        'network.vlan': '120',
        'network.mtu': '1400',
        'network.proxy.url': WITH_CREDENTIALS,
        'network.proxy.no_proxy': '.corp.example.com, 10.0.0.0/8\nlocalhost',
      });
      expect(res.status, res.text).toBe(303);
      expect((await w.drafts.get()).document.network).toMatchObject({
        vlan: 120,
        mtu: 1400,
        proxy: { url: WITH_CREDENTIALS, no_proxy: ['.corp.example.com', '10.0.0.0/8', 'localhost'] },
      });
      const page = await c.get('/network');
      expect(page.text).toMatch(/<details class="group advanced" open>/);
      expect(page.text).toContain('value="http://proxy.corp.example.com:3128"');
      expect(page.text).toContain('User name and password set');
      expect(page.text).not.toContain('svc-bowtie');
      expect(page.text).not.toContain('Sup3r');
      // Typed again without credentials: the stored ones stay. Emptied: the proxy is gone.
      expect((await c.post('/network', { ...STATIC, 'network.proxy.url': 'http://proxy2.corp.example.com:8080' })).status).toBe(303);
      expect((await w.drafts.get()).document.network?.proxy?.url).toBe('http://svc-bowtie:Sup3r%24ecret%22proxy@proxy2.corp.example.com:8080');
      expect((await c.post('/network', { ...STATIC, 'network.proxy.url': '' })).status).toBe(303);
      expect((await w.drafts.get()).document.network?.proxy).toBeUndefined();
    });

    it('the inline check of the proxy field does not echo the credentials either', async () => {
      w = createWizard();
      const c = await w.unlocked();
      const res = await c.post('/network/check?field=network.proxy.url', { ...STATIC, 'network.proxy.url': WITH_CREDENTIALS.replace(':3128', '') });
      expect(res.status).toBe(200);
      expect(res.text).toContain('must name the port');
      expect(res.text).toContain('value="http://proxy.corp.example.com"');
      expect(res.text).not.toMatch(/Sup3r|svc-bowtie/);
    });

    it('422 names each field; neither the proxy password nor the hostile text is echoed', async () => {
      w = createWizard();
      const c = await w.unlocked();
      const res = await c.post('/network', {
        ...STATIC,
        'network.vlan': '4095',
        'network.mtu': '15OO',
        'network.proxy.url': `socks5://svc:${PASSWORD}@proxy.corp.example.com:1080`,
      });
      expect(res.status).toBe(422);
      expect(res.text).toContain('<a href="#f-network-vlan">VLAN id (optional): must be a whole number from 1 to 4094 (802.1Q VLAN id)');
      expect(res.text).toContain('<a href="#f-network-mtu">MTU (optional): must be a number, not text');
      expect(res.text).toContain('<a href="#f-network-proxy-url">Outbound proxy (optional): must be an http:// or https:// URL');
      expect(res.text).not.toContain('Sup3r');
      expect(res.text).toMatch(/<details class="group advanced" open>/);
      const hostile = await c.post('/network', {
        ...STATIC,
        'network.proxy.url': 'http://svc:p%0A${x}"@proxy.corp.example.com:3128',
        'network.proxy.no_proxy': '"><script>x</script>',
      });
      expect(hostile.status).toBe(422);
      expect(hostile.text).toContain('Outbound proxy (optional): the user name and password before');
      expect(hostile.text).not.toContain('<script>x');
      expect(hostile.text).not.toContain('p%0A');
      expect((await w.drafts.get()).document.network).toBeUndefined();
    });
  });
});
