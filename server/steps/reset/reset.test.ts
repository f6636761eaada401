import { afterEach, describe, expect, it } from 'vitest';
import { createWizard, idleStatus, type Wizard } from '../../../test/helpers/wizard.js';

let w: Wizard;
afterEach(() => w?.close());

const PASSWORD = 'correct horse battery staple';

describe('reset from the browser', () => {
  it('asks for the admin password again, says what is kept, and is linked from every unlocked page', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const page = await c.get('/reset');
    expect(page.status).toBe(200);
    expect(page.text).toContain('type="password"');
    expect(page.text).toContain('autocomplete="current-password"');
    expect(page.text).toMatch(/Kept:.*network settings/s);
    expect((await c.get('/admin')).text).toContain('href="/reset"');
    // Locked: no form, and nothing queued.
    const locked = w.client();
    expect((await locked.get('/reset')).headers.location).toBe('/unlock');
  });

  it('queues the reset with the password and follows it on the apply page', async () => {
    w = createWizard();
    const c = await w.unlocked();
    await c.get('/reset');
    const res = await c.post('/reset', { password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/apply');
    expect(w.apply.resets).toEqual([PASSWORD]);
  });

  it("shows the worker's refusal on the field, never echoing the password", async () => {
    w = createWizard();
    const c = await w.unlocked();
    await c.get('/reset');
    w.apply.resetRefusal = [{ path: 'admin.password', message: 'is not the admin password; nothing was changed' }];
    const res = await c.post('/reset', { password: PASSWORD });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Admin password: is not the admin password');
    expect(res.text).toContain('aria-invalid="true"');
    expect(res.text).not.toContain(PASSWORD);
    expect((await c.post('/reset', { password: '' })).status).toBe(422);
    expect((await c.post('/reset', { password: 'x'.repeat(1025) })).status).toBe(422);
    expect(w.apply.resets).toEqual([PASSWORD]);
  });

  it('answers 409 while an apply runs, queueing nothing', async () => {
    w = createWizard();
    const c = await w.unlocked();
    await c.get('/reset');
    w.apply.current = idleStatus({ phase: 'build', id: 'x-1' });
    const res = await c.post('/reset', { password: PASSWORD });
    expect(res.status).toBe(409);
    expect(w.apply.resets).toEqual([]);
  });
});
