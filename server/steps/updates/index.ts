/**
 * Step 5, scheduled updates: on or off, when (a preset or any systemd OnCalendar
 * expression), a randomized delay so that a fleet does not update at the same second, and
 * the release channel.
 */
import { DEFAULT_RANDOMIZED_DELAY, DEFAULT_SCHEDULE, UPDATE_CHANNELS } from '../../config/schema.js';
import { updatesView } from '../../../views/steps/updates.js';
import { stepErrors, type FormStep } from '../step.js';

export const SCHEDULE_PRESETS = [
  { value: DEFAULT_SCHEDULE, label: 'Sundays 03:00' },
  { value: 'Sat *-*-* 03:00:00', label: 'Saturdays 03:00' },
  { value: '*-*-* 03:00:00', label: 'Every day 03:00' },
  { value: 'Mon..Fri *-*-* 02:00:00', label: 'Weekdays 02:00' },
] as const;
export const CUSTOM = 'custom';
const updating = (v: Readonly<Record<string, string>>) => v['updates.enable'] !== 'false';

export const updatesStep: FormStep = {
  name: 'updates',
  title: 'Updates',
  fields: [
    {
      name: 'updates.enable',
      label: 'Scheduled updates',
      kind: 'radios',
      options: [
        { value: 'true', label: 'On (recommended)' },
        { value: 'false', label: 'Off' },
      ],
    },
    {
      name: 'updates.schedule_preset',
      label: 'When',
      kind: 'select',
      options: [...SCHEDULE_PRESETS, { value: CUSTOM, label: 'Custom (below)' }],
      shownWhen: updating,
    },
    {
      name: 'updates.schedule',
      label: 'Custom schedule (systemd OnCalendar)',
      kind: 'text',
      placeholder: 'Sun *-*-* 03:00:00',
      hint: 'Used when "When" is Custom, e.g. "Tue,Thu *-*-* 04:30:00" or "weekly".',
      shownWhen: (v) => updating(v) && v['updates.schedule_preset'] === CUSTOM,
    },
    {
      name: 'updates.randomized_delay',
      label: 'Randomized delay',
      kind: 'text',
      hint: 'Up to this long after the scheduled time, e.g. 30min, 1h, 2h 30min; 0 for none.',
      shownWhen: updating,
    },
    {
      name: 'updates.channel',
      label: 'Channel',
      kind: 'select',
      options: UPDATE_CHANNELS.map((c) => ({ value: c, label: c === 'stable' ? 'Stable' : 'Beta (earlier releases)' })),
      shownWhen: updating,
    },
  ],
  intro: 'The controller installs updates on a schedule, in local time of the appliance. A failed update rolls back by itself.',
  isDone: (doc) => doc.updates !== undefined,
  valuesOf(doc) {
    const schedule = doc.updates?.schedule ?? DEFAULT_SCHEDULE;
    const preset = SCHEDULE_PRESETS.some((p) => p.value === schedule) ? schedule : CUSTOM;
    return {
      'updates.enable': String(doc.updates?.enable ?? true),
      'updates.schedule_preset': preset,
      'updates.schedule': preset === CUSTOM ? schedule : '',
      'updates.randomized_delay': doc.updates?.randomized_delay ?? DEFAULT_RANDOMIZED_DELAY,
      'updates.channel': doc.updates?.channel ?? 'stable',
    };
  },
  async view(v) {
    return updatesView(v, (await v.deps.updatesAvailable?.()) ?? true);
  },
  async check(form, doc) {
    const preset = form.text('updates.schedule_preset') || CUSTOM;
    const custom = form.text('updates.schedule').trim();
    const enable = form.text('updates.enable');
    const updates = {
      enable: enable === 'false' ? false : enable === 'true' ? true : (enable as unknown as boolean),
      schedule: preset === CUSTOM ? custom : preset,
      randomized_delay: form.text('updates.randomized_delay').trim(),
      channel: form.text('updates.channel') as (typeof UPDATE_CHANNELS)[number],
    };
    const document = { ...doc, updates };
    const errors = stepErrors(document, ['updates']);
    const values = {
      'updates.enable': enable,
      'updates.schedule_preset': preset,
      'updates.schedule': custom,
      'updates.randomized_delay': updates.randomized_delay,
      'updates.channel': updates.channel,
    };
    return { document, errors, values };
  },
};
