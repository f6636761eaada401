import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createWizard, type Wizard, type Client } from '../../../test/helpers/wizard.js';

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/tls/${name}`, import.meta.url), 'utf8');
const CERT = fixture('ctl.pem');
const KEY = fixture('ctl.key');
const KEY_BODY = KEY.split('\n')[1]!;

let w: Wizard;
afterEach(() => w?.close());

async function named(): Promise<Client> {
  const c = await w.unlocked();
  await c.post('/network', { hostname: 'ctl-sfo-01', domain: 'corp.example.com', 'network.ipv4.method': 'dhcp', 'network.ipv6.method': 'auto' });
  return c;
}

describe('tls step', () => {
  it('defaults to acme with a domain and saves self-signed without a certificate', async () => {
    w = createWizard();
    const c = await named();
    expect((await c.get('/tls')).text).toMatch(/value="acme"[^>]*checked/);
    const res = await c.postMultipart('/tls', { 'tls.mode': 'self-signed' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/updates');
    expect((await w.drafts.get()).document.tls).toEqual({ mode: 'self-signed' });
  });

  it('takes an uploaded PEM pair, shows subject, names and expiry, and never the key', async () => {
    w = createWizard();
    const c = await named();
    const res = await c.postMultipart(
      '/tls',
      { 'tls.mode': 'provided' },
      { 'tls.certificate_file': ['ctl.pem', CERT], 'tls.private_key_file': ['ctl.key', KEY] },
    );
    expect(res.status).toBe(303);
    const tls = (await w.drafts.get()).document.tls!;
    expect(tls.mode).toBe('provided');
    expect(tls.private_key?.trim()).toBe(KEY.trim());
    const page = await c.get('/tls');
    expect(page.text).toContain('CN=ctl-sfo-01.corp.example.com');
    expect(page.text).toContain('DNS:ctl-sfo-01.corp.example.com');
    expect(page.text).toContain('2125-06-01');
    expect(page.text).not.toContain(KEY_BODY);
    expect(page.text).toContain('<span class="set">set</span>');
    // Pasting nothing keeps the stored key.
    const again = await c.postMultipart('/tls', { 'tls.mode': 'provided', 'tls.certificate': CERT, 'tls.private_key': '' });
    expect(again.status).toBe(303);
    expect((await w.drafts.get()).document.tls?.private_key).toBe(tls.private_key);
    // Another mode drops the pair.
    await c.postMultipart('/tls', { 'tls.mode': 'self-signed' });
    expect((await w.drafts.get()).document.tls).toEqual({ mode: 'self-signed' });
  });

  it('422 for a certificate for another name, a mismatched key, or acme without a domain', async () => {
    w = createWizard();
    const c = await named();
    const other = await c.postMultipart('/tls', { 'tls.mode': 'provided', 'tls.certificate': fixture('other-host.pem'), 'tls.private_key': KEY });
    expect(other.status).toBe(422);
    expect(other.text).toContain('<a href="#f-tls-certificate">Certificate chain (PEM): does not cover ctl-sfo-01.corp.example.com');
    expect(other.text).toContain('<a href="#f-tls-private_key">Private key (PEM): does not match the certificate');
    expect(other.text).not.toContain(KEY_BODY);
    await c.post('/network', { hostname: 'ctl-sfo-01', 'network.ipv4.method': 'dhcp', 'network.ipv6.method': 'auto' });
    const acme = await c.postMultipart('/tls', { 'tls.mode': 'acme' });
    expect(acme.status).toBe(422);
    expect(acme.text).toContain('<a href="#f-tls-mode">Certificate source: acme needs a public name');
  });

  it('says the hostname is needed before a certificate can be checked', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const res = await c.postMultipart('/tls', { 'tls.mode': 'provided', 'tls.certificate': CERT, 'tls.private_key': KEY });
    expect(res.status).toBe(422);
    expect(res.text).toContain('<a href="#f-tls-certificate">Certificate chain (PEM): cannot be checked until the hostname is set (step 2)');
    expect(res.text).not.toContain('does not cover');
  });
});
