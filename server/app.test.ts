/**
 * The steps' routes load after the rest of the app (loadSteps, docs/decisions/0540). What a
 * person does right after the wizard starts must not depend on whether that load is done, and a
 * step module that cannot load must be an error someone sees, not a silent 404.
 */
import type { Response } from 'express';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Wizard } from '../test/helpers/wizard.js';

const PASSWORD = 'correct-horse-battery-staple';
const HOSTILE_HOSTNAME = '-bad';

/** Every method+path on the app, nested routers included. */
function routeTable(app: Wizard['app']): string[] {
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) for (const m of Object.keys(layer.route.methods)) out.push(`${m.toUpperCase()} ${layer.route.path}`);
      else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}

let w: Wizard | undefined;
beforeEach(() => vi.resetModules()); // a cold start: nothing has loaded the steps yet
afterEach(() => {
  w?.close();
  vi.doUnmock('./steps/routes.js');
});

describe('the steps, loaded after the unlock page', () => {
  it('answers step forms posted before the steps have loaded, and mounts them once', async () => {
    const { createWizard } = await import('../test/helpers/wizard.js');
    const { SESSION_COOKIE, SessionStore } = await import('./web/session.js');
    const sessions = new SessionStore();
    w = createWizard({ deps: { sessions } });
    expect(routeTable(w.app)).not.toContain('POST /admin');
    // A session made directly, so that the very first requests this app sees are step forms.
    const session = sessions.create({ append: () => undefined } as unknown as Response);
    const c = w.client();
    c.cookies.set(SESSION_COOKIE, session.id);
    c.csrf = session.csrf;

    const [saved, checked, page] = await Promise.all([
      c.post('/admin', { 'admin.email': 'ops@example.com', 'admin.password': PASSWORD, 'admin.password_confirm': PASSWORD }),
      c.post('/network/check?field=hostname', { hostname: HOSTILE_HOSTNAME }),
      c.get('/updates'),
    ]);
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe('/network');
    expect((await w.drafts.get()).document.admin?.email).toBe('ops@example.com');
    expect(checked.text).toMatch(/id="f-hostname"[^>]*aria-invalid="true"/);
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="updates.schedule"');

    const table = routeTable(w.app);
    for (const route of ['POST /admin', 'POST /network/check', 'GET /review', 'POST /apply']) {
      expect(
        table.filter((r) => r === route),
        route,
      ).toHaveLength(1);
    }
  });

  it('shows the unlock page but answers 500, with the error in the log, when the steps cannot load', async () => {
    vi.doMock('./steps/routes.js', () => {
      throw new Error('a step module is broken');
    });
    const { createWizard } = await import('../test/helpers/wizard.js');
    const { formatSetupCode } = await import('./auth/setup-code.js');
    const log: string[] = [];
    w = createWizard({ deps: { log: (line) => log.push(line) } });
    const c = w.client();
    expect((await c.get('/unlock')).status).toBe(200);
    const res = await c.post('/unlock', { code: formatSetupCode(w.code) });
    expect(res.status).toBe(500);
    // vitest wraps the factory's error in its own; what matters is that a stack is logged.
    expect(log.join('\n')).toMatch(/^bowtie-setup serve: POST \/unlock: Error/);
  });
});
