import { afterEach, describe, expect, it } from 'vitest';
import { ApplyBusyError } from '../../apply/errors.js';
import { createWizard, idleStatus, type Wizard } from '../../../test/helpers/wizard.js';
import { fillEveryStep } from '../../../test/helpers/complete-draft.js';

let w: Wizard;
afterEach(() => w?.close());

describe('apply step', () => {
  it('starts the engine with the reviewed document and shows its progress', async () => {
    w = createWizard();
    const c = await w.unlocked();
    await fillEveryStep(c);
    await c.get('/review');
    const res = await c.post('/apply');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/apply');
    expect(w.apply.started).toHaveLength(1);
    expect(w.apply.started[0]).toMatchObject({ source: 'web', confirm: 'interactive', document: (await w.drafts.get()).document });

    w.apply.current = idleStatus({
      phase: 'build',
      id: 'apply-1',
      confirmMode: 'interactive',
      progress: {
        activity: 'building nixos-system-ctl-sfo-01',
        buildsDone: 3,
        buildsTotal: 7,
        pathsDone: 12,
        pathsTotal: 40,
        bytesDone: 5 * 1024 * 1024,
        bytesTotal: 0,
      },
      newUrl: 'https://10.0.0.5/',
    });
    w.apply.log = ['building /nix/store/abc-foo.drv', 'copying path'];
    const page = await c.get('/apply');
    expect(page.text).toContain('hx-get="/apply/status" hx-trigger="every 1s"');
    expect(page.text).toContain('<meta http-equiv="refresh" content="2">');
    expect(page.text).toContain('3 of 7');
    expect(page.text).toContain('12 of 40');
    expect(page.text).toContain('5.0 MiB');
    expect(page.text).toContain('https://10.0.0.5/');
    expect(page.text).toContain('building /nix/store/abc-foo.drv');
    const partial = await c.get('/apply/status', { 'HX-Request': 'true' });
    expect(partial.text.startsWith('<div id="apply-status"')).toBe(true);
    expect(partial.text).not.toContain('<html');
  });

  it('shows the confirm countdown and confirms the running apply', async () => {
    w = createWizard();
    const c = await w.unlocked();
    w.apply.current = idleStatus({
      phase: 'confirm',
      id: 'apply-9',
      confirmMode: 'interactive',
      confirmSecondsLeft: 87,
      confirmDeadline: '2026-06-01T00:02:00Z',
    });
    const page = await c.get('/apply');
    expect(page.text).toContain('87 seconds');
    expect(page.text).toContain('name="id" value="apply-9"');
    expect((await c.post('/apply/confirm', { id: 'apply-9' })).status).toBe(303);
    expect(w.apply.confirmed).toEqual(['apply-9']);
    const stale = await c.post('/apply/confirm', { id: 'apply-1' });
    expect(stale.status).toBe(409);
  });

  it('answers 409 while another apply runs, and 422 with the review when the draft is incomplete', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const incomplete = await c.post('/apply');
    expect(incomplete.status).toBe(422);
    expect(incomplete.text).toContain('Not ready to apply yet');
    await fillEveryStep(c);
    w.apply.current = idleStatus({ phase: 'build', id: 'apply-0' });
    const busy = await c.post('/apply');
    expect(busy.status).toBe(409);
    expect(w.apply.started).toHaveLength(0);
  });

  it('answers 409 naming the update when the appliance is being updated', async () => {
    w = createWizard();
    const c = await w.unlocked();
    await fillEveryStep(c);
    w.apply.start = async () => {
      throw new ApplyBusyError(idleStatus(), { pid: 1, startTime: 1, since: '2026-06-01T03:00:00Z', from: '1.8.2', to: '1.9.0' });
    };
    const busy = await c.post('/apply');
    expect(busy.status).toBe(409);
    expect(busy.text).toContain('The appliance is being updated (1.8.2 to 1.9.0)');
  });

  it('shows a rollback with its reason and output tail, and stops polling', async () => {
    w = createWizard();
    const c = await w.unlocked();
    w.apply.current = idleStatus({
      last: {
        id: 'apply-1',
        outcome: 'rolled-back',
        source: 'web',
        finishedAt: '2026-06-01T00:00:00Z',
        reason: 'nixos-rebuild build failed',
        failedPhase: 'build',
        errors: [],
        outputTail: ['error: attribute missing'],
        generation: 1,
        handedOff: false,
      },
    });
    const page = await c.get('/apply');
    expect(page.text).toContain('The change was rolled back');
    expect(page.text).toContain('nixos-rebuild build failed');
    expect(page.text).toContain('error: attribute missing');
    expect(page.text).not.toContain('hx-trigger="every');
    expect(page.text).not.toContain('http-equiv="refresh"');
  });

  it('hands the session to the new address with a one-use link, so the confirm needs no second unlock', async () => {
    w = createWizard();
    const c = await w.unlocked();
    w.apply.current = idleStatus({ phase: 'confirm', id: 'apply-3', confirmMode: 'interactive', confirmSecondsLeft: 100, newUrl: 'https://10.0.0.5/' });
    const page = await c.get('/apply');
    const link = /href="(https:\/\/10\.0\.0\.5\/resume\?token=[^"]+)"/.exec(page.text)?.[1];
    expect(link).toBeDefined();
    const path = new URL(link!.replaceAll('&amp;', '&')).pathname + new URL(link!.replaceAll('&amp;', '&')).search;
    const elsewhere = w.client(); // another origin: no cookie of the first
    const resumed = await elsewhere.get(path);
    expect(resumed.status).toBe(303);
    expect(resumed.headers.location).toBe('/apply');
    expect((await elsewhere.get('/apply')).text).toContain('name="id" value="apply-3"');
    expect((await elsewhere.post('/apply/confirm', { id: 'apply-3' })).status).toBe(303);
    const again = await w.client().get(path);
    expect(again.headers.location).toBe('/unlock');
  });
});
