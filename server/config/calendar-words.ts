/**
 * An update schedule in plain words ("Sundays at 03:00, up to 1 hour later at random"), from
 * the event as systemd reads it (parseCalendar) and the randomized delay. Schedules that do not
 * fit a short sentence are named by their expression, which the next runs beside them explain.
 */
import { parseCalendar, parseTimespan, type CalendarSpec } from './calendar.js';

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

type Chain = CalendarSpec['hour'];

/** The values of a chain when it is a short list of single values, else null. */
function values(chain: Chain, max = 4): number[] | null {
  if (!chain || chain.length > max || chain.some((c) => c.stop >= 0 || c.repeat > 0)) return null;
  return chain.map((c) => c.start);
}

function list(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

function days(bits: number): string {
  if (bits === 0) return 'Every day';
  if (bits === 0b0011111) return 'Weekdays (Monday to Friday)';
  if (bits === 0b1100000) return 'Saturdays and Sundays';
  return list(DAYS.filter((_, i) => bits & (1 << i)).map((d) => `${d}s`));
}

const two = (n: number) => String(n).padStart(2, '0');

/** "at 03:00", "at 03:00 and 15:30", "every hour at minute 15", or null when it is no short phrase. */
function times(spec: CalendarSpec): string | null {
  const seconds = values(spec.second, 1);
  if (!seconds || seconds[0]! % 1_000_000 !== 0) return null;
  const sec = seconds[0]! / 1_000_000;
  const minutes = values(spec.minute, 1);
  if (!spec.hour && minutes && sec === 0) return minutes[0] === 0 ? 'every hour, on the hour' : `every hour at ${two(minutes[0]!)} minutes past`;
  if (!spec.hour && !spec.minute && sec === 0) return 'every minute';
  const hours = values(spec.hour);
  if (!hours || !minutes) return null;
  return `at ${list(hours.map((h) => `${two(h)}:${two(minutes[0]!)}${sec ? `:${two(sec)}` : ''}`))}`;
}

function dates(spec: CalendarSpec): string | null {
  if (spec.year || spec.endOfMonth) return null;
  const monthDays = values(spec.day);
  if (!spec.month && !spec.day) return '';
  if (!spec.month && monthDays) return `on day ${list(monthDays.map(String))} of each month`;
  const months = values(spec.month, 12);
  if (months && monthDays?.length === 1) {
    const name = (m: number) => new Date(Date.UTC(2000, m - 1, 1)).toLocaleString('en', { month: 'long', timeZone: 'UTC' });
    return `on ${list(months.map((m) => `${monthDays[0]} ${name(m)}`))}`;
  }
  return null;
}

/** "1 hour", "1 hour 30 minutes", "45 seconds". */
export function spanInWords(seconds: number): string {
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
    ['second', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
  }
  return parts.join(' ');
}

/**
 * The schedule in words. `delay` is the RandomizedDelaySec= value; the zone, when the
 * expression names one, is said; otherwise the times are the appliance's local time.
 */
export function describeSchedule(expression: string, delay: string): string {
  const parsed = parseCalendar(expression);
  const seconds = parseTimespan(delay) ?? 0;
  const random = seconds > 0 ? `, up to ${spanInWords(seconds)} later at random` : '';
  if (!parsed.ok) return `On the schedule "${expression}"${random}`;
  const spec = parsed.spec;
  const when = times(spec);
  const on = dates(spec);
  const zone = spec.timezone ? ` (${spec.timezone} time)` : '';
  if (when === null || on === null) return `On the schedule "${expression}"${random}`;
  const lead = spec.weekdays === 0 && on !== '' ? 'Every year' : days(spec.weekdays);
  const phrase = on === '' ? `${lead} ${when}` : spec.weekdays === 0 ? `${on.replace(/^on /, 'On ')} ${when}` : `${lead} ${on} ${when}`;
  return `${phrase.replace(/^Every day every/, 'Every')}${zone}${random}`;
}
