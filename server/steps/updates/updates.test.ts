import { afterEach, describe, expect, it } from 'vitest';
import { createWizard, type Wizard } from '../../../test/helpers/wizard.js';

let w: Wizard;
afterEach(() => w?.close());

describe('updates step', () => {
  it('shows the defaults, saves a preset', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const page = await c.get('/updates');
    expect(page.text).toMatch(/<option value="Sun \*-\*-\* 03:00:00" selected>Sundays 03:00<\/option>/);
    expect(page.text).toContain('value="1h"');
    const res = await c.post('/updates', {
      'updates.enable': 'true',
      'updates.schedule_preset': '*-*-* 03:00:00',
      'updates.randomized_delay': '30min',
      'updates.channel': 'beta',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/review');
    expect((await w.drafts.get()).document.updates).toEqual({ enable: true, schedule: '*-*-* 03:00:00', randomized_delay: '30min', channel: 'beta' });
  });

  it('takes a custom OnCalendar expression and shows it back as custom', async () => {
    w = createWizard();
    const c = await w.unlocked();
    await c.post('/updates', {
      'updates.enable': 'false',
      'updates.schedule_preset': 'custom',
      'updates.schedule': 'Tue,Thu *-*-* 04:30:00',
      'updates.randomized_delay': '0',
      'updates.channel': 'stable',
    });
    expect((await w.drafts.get()).document.updates).toMatchObject({ enable: false, schedule: 'Tue,Thu *-*-* 04:30:00' });
    const page = await c.get('/updates');
    expect(page.text).toMatch(/<option value="custom" selected>/);
    expect(page.text).toContain('value="Tue,Thu *-*-* 04:30:00"');
    expect(page.text).toMatch(/value="false" checked/);
  });

  it('422 for a bad schedule, delay or channel, beside each field', async () => {
    w = createWizard();
    const c = await w.unlocked();
    const res = await c.post('/updates', {
      'updates.enable': 'true',
      'updates.schedule_preset': 'custom',
      'updates.schedule': 'Funday 25:00',
      'updates.randomized_delay': 'soon',
      'updates.channel': 'nightly',
    });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/id="f-updates-schedule"[^>]*aria-invalid="true"/);
    expect(res.text).toMatch(/id="f-updates-randomized_delay"[^>]*aria-invalid="true"/);
    expect(res.text).toContain('<a href="#f-updates-channel">Channel: must be one of: stable, beta');
  });
});

describe('on an image without an update source (docs/decisions/0640)', () => {
  it('says so on the updates step', async () => {
    w = createWizard({ deps: { updatesAvailable: async () => false } });
    const c = await w.unlocked();
    expect((await c.get('/updates')).text).toContain('This image has no update source');
    w.close();
    w = createWizard({ deps: { updatesAvailable: async () => true } });
    const d = await w.unlocked();
    expect((await d.get('/updates')).text).not.toContain('no update source');
  });
});
