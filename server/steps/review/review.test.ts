import { afterEach, describe, expect, it } from 'vitest';
import { validateDocument } from '../../config/validate.js';
import { renderFragment } from '../../nix/render.js';
import { escapeHtml } from '../../web/html.js';
import { createWizard, type Wizard } from '../../../test/helpers/wizard.js';
import { fillEveryStep, SECRETS } from '../../../test/helpers/complete-draft.js';

let w: Wizard;
afterEach(() => w?.close());

describe('review step', () => {
  it('lists what is missing with links to the steps, and offers no Apply', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const page = await c.get('/review');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Not ready to apply yet');
    expect(page.text).toContain('<a href="/network#f-hostname">Name and network: Hostname: is required</a>');
    expect(page.text).toContain('<a href="/enrollment">Enrollment: is required to finish setup</a>');
    expect(page.text).not.toContain('action="/apply"');
  });

  it('shows VLAN, MTU and the proxy; the proxy password only as "set"', async () => {
    w = createWizard();
    const c = await w.unlocked();
    await fillEveryStep(c);
    const network = {
      hostname: 'ctl-sfo-01',
      domain: 'corp.example.com',
      'network.interface': 'ens3',
      'network.ipv4.method': 'dhcp',
      'network.ipv6.method': 'auto',
    };
    const proxy = 'http://svc-bowtie:Sup3r%24ecretPw@proxy.corp.example.com:3128';
    expect(
      (
        await c.post('/network', {
          ...network,
          'network.vlan': '120',
          'network.mtu': '1400',
          'network.proxy.url': proxy,
          'network.proxy.no_proxy': '.corp.example.com',
        })
      ).status,
    ).toBe(303);
    const page = await c.get('/review');
    expect(page.text).toContain('<th scope="row">VLAN id (optional)</th><td>120</td>');
    expect(page.text).toContain('<th scope="row">MTU (optional)</th><td>1400</td>');
    expect(page.text).toContain('<th scope="row">Outbound proxy (optional)</th><td>http://proxy.corp.example.com:3128</td>');
    expect(page.text).not.toContain('Sup3r');
    expect(page.text).toContain('credentials_file = &quot;/var/lib/bowtie-setup/secrets/proxy-credentials&quot;;');
    expect(page.text).not.toMatch(/Sup3r|svc-bowtie/);
  });

  it('shows every value with secrets masked, and the exact fragment apply writes', async () => {
    w = createWizard();
    const c = await w.unlocked();
    await fillEveryStep(c);
    const page = await c.get('/review');
    const doc = (await w.drafts.get()).document;
    const result = validateDocument(doc, 'complete', new Date('2026-06-01T00:00:00Z'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(page.text).toContain(escapeHtml(renderFragment(result.config)));
    // Each value beside the label the step's form gives it; options read as their labels.
    for (const [label, value] of [
      ['Email address', 'ops@example.com'],
      ['Hostname', 'ctl-sfo-01'],
      ['IPv4 address', 'Static'],
      ['Static address with prefix length', '10.0.0.5/24'],
      ['Gateway', '10.0.0.1'],
      ['Site id', '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b'],
      ['When', 'Sundays 03:00'],
      ['Token', '<span class="set">set</span>'],
    ]) {
      expect(page.text).toContain(`<tr><th scope="row">${label}</th><td>${value}</td></tr>`);
    }
    expect(page.text).not.toContain('Password again');
    expect(page.text).not.toContain(SECRETS.token);
    expect(page.text).not.toContain(SECRETS.password);
    expect(page.text).not.toContain(doc.admin!.password_hash!);
    expect(page.text).toContain('action="/apply"');
  });
});
