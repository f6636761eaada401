/**
 * Table-driven security checks over every route the router has (listed from the app itself,
 * so a new route is covered without editing this file).
 */
import type { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type express from 'express';
import { AFTER_SETUP_ROUTES } from '../app.js';
import { formatSetupCode } from '../auth/setup-code.js';
import { createWizard, idleStatus, type Wizard } from '../../test/helpers/wizard.js';
import { SESSION_IDLE_MS, SessionStore } from './session.js';

interface Route {
  method: string;
  path: string;
}

/** Every method+path registered on the app, nested routers included. */
export function listRoutes(app: express.Express): Route[] {
  const out: Route[] = [];
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) for (const m of Object.keys(layer.route.methods)) out.push({ method: m.toUpperCase(), path: layer.route.path });
      else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}

let w: Wizard;
afterEach(() => w?.close());

// The steps' routes are mounted once they are loaded (server/app.ts loadSteps): going through
// them once (unlocked() opens the first step) puts them in the table.
const listed = createWizard();
await listed.unlocked();
const routes = listRoutes(listed.app);
listed.close();
const mutating = routes.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
const reads = routes.filter((r) => r.method === 'GET');

describe('the route table', () => {
  it('has every step and the apply routes', () => {
    const paths = routes.map((r) => `${r.method} ${r.path}`);
    for (const p of [
      'POST /unlock',
      'POST /admin',
      'POST /network/check',
      'POST /tls',
      'POST /updates',
      'GET /review',
      'POST /apply',
      'POST /apply/confirm',
      'GET /apply/status',
    ]) {
      expect(paths).toContain(p);
    }
    expect(mutating.length).toBeGreaterThanOrEqual(12);
  });
});

describe.each(mutating)('$method $path', ({ method, path }) => {
  const send = (c: ReturnType<Wizard['client']>, fields: Record<string, string> = {}, headers: Record<string, string> = {}) =>
    method === 'POST' ? c.post(path, fields, headers) : Promise.reject(new Error(`no helper for ${method}`));

  it('refuses before unlock (no cookie, no token: 403; a valid pre-session token: 401)', async () => {
    w = createWizard();
    const bare = w.client();
    const a = await send(bare, { _csrf: '' });
    expect([401, 403]).toContain(a.status);
    if (path === '/unlock') return;
    const withToken = w.client();
    await withToken.get('/unlock');
    const b = await send(withToken);
    expect(b.status).toBe(401);
  });

  it('refuses cross-site requests even with a session and its token (403)', async () => {
    w = createWizard();
    const c = await w.unlocked();
    expect((await send(c, {}, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await send(c, {}, { 'Sec-Fetch-Site': 'same-site' })).status).toBe(403);
    expect((await send(c, {}, { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await send(c, { _csrf: 'forged' })).status).toBe(403);
    expect((await send(c, { _csrf: '' })).status).toBe(403);
  });

  it('refuses a foreign Host (421)', async () => {
    w = createWizard();
    const c = await w.unlocked();
    expect((await send(c, {}, { Host: 'evil.example' })).status).toBe(421);
  });
});

describe.each(reads)('GET $path', ({ path }) => {
  it('refuses a foreign Host (421) and sends a strict CSP', async () => {
    w = createWizard();
    const c = await w.unlocked();
    expect((await c.get(path, { Host: 'rebound.evil.example' })).status).toBe(421);
    const res = await c.get(path, { 'HX-Request': 'true' });
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });
});

describe('host allowlist', () => {
  it('takes the appliance name, localhost and its addresses, with or without port', async () => {
    w = createWizard();
    const c = w.client();
    for (const host of ['ctl-sfo-01', 'CTL-SFO-01:8443', 'localhost', '127.0.0.1:443', '[::1]:8443']) {
      expect((await c.get('/unlock', { Host: host })).status).toBe(200);
    }
    expect((await c.get('/unlock', { Host: 'ctl-sfo-01.evil.example' })).status).toBe(421);
    expect((await c.get('/unlock', { Host: 'a b' })).status).toBe(400);
  });
});

describe('unlock rate limit', () => {
  it('answers the 11th wrong setup code in a window with 429, even if it is right', async () => {
    w = createWizard();
    const c = w.client();
    await c.get('/unlock');
    for (let i = 0; i < 10; i++) expect((await c.post('/unlock', { code: 'WRONG' })).status).toBe(401);
    const eleventh = await c.post('/unlock', { code: formatSetupCode(w.code) });
    expect(eleventh.status).toBe(429);
    expect(eleventh.headers['retry-after']).toBeDefined();
  });

  it('does not count successful unlocks', async () => {
    w = createWizard();
    for (let i = 0; i < 12; i++) await w.unlocked();
  });

  it('cannot be denied: 100 wrong codes from 10 addresses, then the right code from an 11th unlocks', async () => {
    w = createWizard();
    const server = w.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    try {
      for (let a = 2; a < 12; a++) {
        const guesser = new AddressClient(port, `127.0.0.${a}`);
        await guesser.get('/unlock');
        for (let i = 0; i < 10; i++) expect((await guesser.post('/unlock', { code: 'AAAA-AAAA-AAAA-AAAA' })).status).toBe(401);
        // The guesser itself is slowed down.
        expect((await guesser.post('/unlock', { code: 'AAAA-AAAA-AAAA-AAAA' })).status).toBe(429);
      }
      const owner = new AddressClient(port, '127.0.0.99');
      await owner.get('/unlock');
      expect((await owner.post('/unlock', { code: formatSetupCode(w.code) })).status).toBe(303);
    } finally {
      server.close();
    }
  });
});

/** A client that sends from a given loopback address (the limiter keys on the socket's address). */
class AddressClient {
  private cookies = '';
  private csrf = '';
  constructor(
    private readonly port: number,
    private readonly localAddress: string,
  ) {}
  get(path: string) {
    return this.send('GET', path);
  }
  post(path: string, fields: Record<string, string>) {
    const body = new URLSearchParams({ _csrf: this.csrf, ...fields }).toString();
    return this.send('POST', path, body);
  }
  private send(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: this.port,
          localAddress: this.localAddress,
          method,
          path,
          headers: {
            Host: '127.0.0.1',
            Cookie: this.cookies,
            ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!);
            if (set.length) this.cookies = set.join('; ');
            const m = /name="_csrf" value="([^"]+)"/.exec(text);
            if (m) this.csrf = m[1]!;
            resolve({ status: res.statusCode ?? 0, text });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}

describe('sessions', () => {
  it('end after the idle timeout', async () => {
    let now = 0;
    w = createWizard({ deps: { sessions: new SessionStore(() => now) } });
    const c = await w.unlocked();
    now += SESSION_IDLE_MS - 1000;
    expect((await c.get('/admin')).status).toBe(200);
    now += SESSION_IDLE_MS + 1;
    const res = await c.get('/admin');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/unlock');
  });

  it('get a new id at unlock (no fixation)', async () => {
    w = createWizard();
    const c = w.client();
    await c.get('/unlock');
    c.cookies.set('__Host-bowtie-setup', 'attacker-chosen');
    await c.post('/unlock', { code: w.code });
    expect(c.cookies.get('__Host-bowtie-setup')).not.toBe('attacker-chosen');
  });
});

describe('after setup is complete', () => {
  it('every wizard route answers 410 with a pointer to the controller, except reading the apply status, Confirm and Reset (and the assets)', async () => {
    w = createWizard();
    const c = await w.unlocked();
    w.apply.current = idleStatus({ setupComplete: true });
    await new Promise((r) => setTimeout(r, 1100)); // the probe reads the status at most once a second
    for (const r of routes.filter((r) => !r.path.startsWith('/assets/'))) {
      const res = r.method === 'GET' ? await c.get(r.path) : await c.post(r.path);
      const stillAnswers = AFTER_SETUP_ROUTES.has(r.path) && (r.method === 'GET' || r.path === '/apply/confirm' || r.path === '/reset');
      if (stillAnswers) expect(res.status, `${r.method} ${r.path}`).not.toBe(410);
      else {
        expect(res.status, `${r.method} ${r.path}`).toBe(410);
        expect(res.text).toContain('https://127.0.0.1');
      }
    }
    // A surviving session can no longer start an apply.
    expect((await c.post('/apply')).status).toBe(410);
    expect(w.apply.started).toEqual([]);
    // The session survives the 410s: the final status stays readable.
    expect((await c.get('/apply')).status).toBe(200);
  });
});
