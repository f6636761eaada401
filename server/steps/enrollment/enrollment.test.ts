import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createWizard, type Wizard } from '../../../test/helpers/wizard.js';
import { draftPath } from '../draft.js';

let w: Wizard;
afterEach(() => w?.close());

const SITE_ID = '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b';
const TOKEN = 'psk-0123456789abcdef-SECRET';

describe('enrollment step', () => {
  it('stores the token but shows only "set" from then on', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const res = await c.post('/enrollment', {
      'site.name': 'SF office',
      'enrollment.site_id': SITE_ID,
      'enrollment.token': TOKEN,
      'enrollment.entrypoints': 'https://ctl-1.corp.example.com',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/tls');
    expect((await w.drafts.get()).document).toMatchObject({
      site: { name: 'SF office' },
      enrollment: { site_id: SITE_ID, token: TOKEN, entrypoints: ['https://ctl-1.corp.example.com'] },
    });
    const page = await c.get('/enrollment');
    expect(page.text).not.toContain(TOKEN);
    expect(page.text).toContain('<span class="set">set</span>');
    expect(page.text).toContain(`value="${SITE_ID}"`);
    // Empty keeps the token; a new one replaces it.
    await c.post('/enrollment', { 'enrollment.site_id': SITE_ID, 'enrollment.token': '' });
    expect((await w.drafts.get()).document.enrollment?.token).toBe(TOKEN);
    expect((await w.drafts.get()).document.site).toBeUndefined();
  });

  it('422 with errors; an invalid token is neither echoed nor stored', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const res = await c.post('/enrollment', {
      'enrollment.site_id': 'not-a-uuid',
      'enrollment.token': 'has space secret-value',
      'enrollment.entrypoints': 'http://plain.example.com',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('<a href="#f-enrollment-site_id">Site id: must be a UUID');
    expect(res.text).toContain('<a href="#f-enrollment-token">Token: must not contain spaces or control characters');
    expect(res.text).toContain('<a href="#f-enrollment-entrypoints">Entrypoints of an existing cluster (optional): line 1: must be an https:// URL');
    expect(res.text).not.toContain('secret-value');
    expect(readFileSync(draftPath(w.root), 'utf8')).not.toContain('secret-value');
  });

  it('requires the token', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const res = await c.post('/enrollment', { 'enrollment.site_id': SITE_ID });
    expect(res.status).toBe(422);
    expect(res.text).toContain('<a href="#f-enrollment-token">Token: is required');
  });

  it('single sign-on behind a disclosure: stored with its secret, shown only as "set", removed when emptied', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const SECRET = 'sso-client-Secret-Pangolin-0123';
    const base = { 'enrollment.site_id': SITE_ID, 'enrollment.token': TOKEN };
    const sso = {
      'sso.type': 'oidc',
      'sso.id': 'okta',
      'sso.name': 'Okta',
      'sso.issuer': 'https://idp.example.com',
      'sso.client_id': 'abc123',
      'sso.client_secret': SECRET,
    };
    expect((await c.get('/enrollment')).text).toMatch(/<details class="advanced"><summary>Single sign-on \(optional\)<\/summary>/);
    expect((await c.post('/enrollment', { ...base, ...sso })).status).toBe(303);
    expect((await w.drafts.get()).document.sso).toEqual({
      type: 'oidc',
      id: 'okta',
      name: 'Okta',
      issuer: 'https://idp.example.com',
      client_id: 'abc123',
      client_secret: SECRET,
    });
    const page = await c.get('/enrollment');
    expect(page.text).not.toContain('Pangolin');
    expect(page.text).toMatch(/<details class="advanced" open>/);
    // An empty secret keeps the stored one.
    expect((await c.post('/enrollment', { ...base, ...sso, 'sso.client_secret': '' })).status).toBe(303);
    expect((await w.drafts.get()).document.sso?.client_secret).toBe(SECRET);
    // Every field empty: no single sign-on.
    expect((await c.post('/enrollment', { ...base, 'sso.type': '' })).status).toBe(303);
    expect((await w.drafts.get()).document.sso).toBeUndefined();
  });

  it('single sign-on errors name the field and never echo the secret', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const res = await c.post('/enrollment', {
      'enrollment.site_id': SITE_ID,
      'enrollment.token': TOKEN,
      'sso.type': 'oidc',
      'sso.id': 'Okta Corp',
      'sso.name': 'Okta',
      'sso.client_id': 'abc',
      'sso.client_secret': 'has space Armadillo-secret',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('<a href="#f-sso-issuer">Issuer URL (oidc): is required when type is oidc');
    expect(res.text).toContain('<a href="#f-sso-id">Connector id: must be 1-63 lower-case letters');
    expect(res.text).toContain('<a href="#f-sso-client_secret">Client secret: must not contain spaces or control characters');
    expect(res.text).not.toContain('Armadillo');
    expect(readFileSync(draftPath(w.root), 'utf8')).not.toContain('Armadillo');
  });
});
