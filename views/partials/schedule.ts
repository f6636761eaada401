import { describeSchedule } from '../../server/config/calendar-words.js';
import { nextElapses } from '../../server/config/calendar.js';
import { html, type SafeHtml } from '../../server/web/html.js';

export interface UpdateSchedule {
  enable: boolean;
  schedule: string;
  randomizedDelay: string;
}

/** "Sun, 7 June 2026 at 03:00" in `zone`. */
export function formatRun(d: Date, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'short',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(d);
}

/**
 * The schedule in words and its next runs after `now`, shown in the appliance's time zone
 * (`zone`, named on the page). With a randomized delay each run starts up to that much later.
 */
export function scheduleBlock(u: UpdateSchedule, now: Date, zone: string, runs = 3): SafeHtml {
  if (!u.enable) return html`<p>Scheduled updates are off: the appliance is updated only when you run <code>bowtie-setup update</code>.</p>`;
  const next = nextElapses(u.schedule, now, runs, zone);
  return html`<p class="schedule-words">${describeSchedule(u.schedule, u.randomizedDelay)}.</p>
${
  next.length > 0
    ? html`<p>${next.length === 1 ? 'Next run' : `Next ${next.length} runs`} (the appliance's time zone, ${zone}):</p>
<ul class="next-runs">${next.map((d) => html`<li><time datetime="${d.toISOString()}">${formatRun(d, zone)}</time></li>`)}</ul>`
    : html`<p>This schedule runs no more after ${formatRun(now, zone)}.</p>`
}`;
}

/** The time zone the appliance runs in (its TZ; UTC on a NixOS image unless time.timeZone says otherwise). */
export function applianceTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
