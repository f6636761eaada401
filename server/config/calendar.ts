/**
 * Grammar of systemd calendar events (OnCalendar=, systemd.time(7)) and time spans, checked here
 * rather than by calling systemd-analyze: the wizard runs where systemd may not be, and a
 * schedule the timer unit rejects would only fail after the switch.
 */
import { RANDOMIZED_DELAY_MAX_SECONDS } from './limits.js';

const SHORTHANDS = new Set([
  'minutely', 'hourly', 'daily', 'monthly', 'weekly', 'yearly', 'annually', 'quarterly', 'semiannually',
]);

const WEEKDAYS = new Map<string, number>();
['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].forEach((d, i) => {
  WEEKDAYS.set(d, i);
  WEEKDAYS.set(d.slice(0, 3), i);
});

function weekdayProblem(spec: string): string | null {
  for (const item of spec.split(',')) {
    const ends = item.split('..');
    if (ends.length > 2 || ends.some((d) => !WEEKDAYS.has(d.toLowerCase()))) {
      return `"${item}" is not a weekday or a range of weekdays (Mon..Fri)`;
    }
  }
  return null;
}

interface Field {
  name: string;
  min: number;
  max: number;
  decimals?: boolean;
}

const NUM = /^\d+$/;
const DEC = /^\d+(?:\.\d{1,6})?$/;

/** One component: "*", or a list of values, ranges (a..b) and repetitions (a/b, a..b/c). */
function componentProblem(spec: string, f: Field): string | null {
  if (spec === '') return `${f.name} is empty`;
  for (const item of spec.split(',')) {
    const [rangePart = '', step, extra] = item.split('/');
    if (extra !== undefined) return `${f.name} "${item}" has more than one "/"`;
    if (step !== undefined && !(f.decimals ? DEC : NUM).test(step)) return `${f.name} repetition "/${step}" is not a number`;
    if (step !== undefined && Number(step) === 0) return `${f.name} repetition must not be 0`;
    if (rangePart === '*') continue;
    const ends = rangePart.split('..');
    if (ends.length > 2) return `${f.name} "${item}" is not a value or a range`;
    for (const end of ends) {
      if (!(f.decimals ? DEC : NUM).test(end)) return `${f.name} "${end}" is not a number`;
      const v = Number(end);
      if (v < f.min || v > f.max) return `${f.name} ${end} is outside ${f.min}..${f.max}`;
    }
    if (ends.length === 2 && Number(ends[0]) > Number(ends[1])) return `${f.name} range ${rangePart} is reversed`;
  }
  return null;
}

const YEAR: Field = { name: 'year', min: 1970, max: 2199 };
const MONTH: Field = { name: 'month', min: 1, max: 12 };
const DAY: Field = { name: 'day', min: 1, max: 31 };
const HOUR: Field = { name: 'hour', min: 0, max: 23 };
const MINUTE: Field = { name: 'minute', min: 0, max: 59 };
const SECOND: Field = { name: 'second', min: 0, max: 59, decimals: true };

function dateProblem(spec: string): string | null {
  // "~" counts days from the end of the month: *-02~03 is the third-last day of February.
  const tilde = spec.indexOf('~');
  const parts = (tilde >= 0 ? spec.slice(0, tilde) + '-' + spec.slice(tilde + 1) : spec).split('-');
  if (parts.length === 2) parts.unshift('*');
  if (parts.length !== 3) return `date "${spec}" must be [YEAR-]MONTH-DAY`;
  return componentProblem(parts[0]!, YEAR) ?? componentProblem(parts[1]!, MONTH) ?? componentProblem(parts[2]!, DAY);
}

function timeProblem(spec: string): string | null {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) return `time "${spec}" must be HOUR:MINUTE[:SECOND]`;
  return (
    componentProblem(parts[0]!, HOUR) ??
    componentProblem(parts[1]!, MINUTE) ??
    (parts[2] === undefined ? null : componentProblem(parts[2], SECOND))
  );
}

function isTimezone(s: string): boolean {
  if (s === 'UTC') return true;
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(s)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: s });
    return true;
  } catch {
    return false;
  }
}

function looksLikeDate(t: string): boolean {
  return /^[\d*,./~]+-[\d*,./~-]+$/.test(t);
}

/** Why `s` is not a calendar event systemd accepts, or null. */
/**
 * The value goes into a unit file as one line (`OnCalendar=`, `RandomizedDelaySec=`): a line
 * break would end it and start another setting, and other control characters are never part
 * of systemd's grammar.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROL_MESSAGE = 'must be one line without control characters (no tabs or line breaks)';

export function calendarProblem(s: string): string | null {
  if (CONTROL.test(s)) return CONTROL_MESSAGE;
  const trimmed = s.trim();
  if (trimmed === '') return 'must not be empty';
  if (SHORTHANDS.has(trimmed)) return null;
  const tokens = trimmed.split(/\s+/);
  let i = 0;
  const first = tokens[0]!;
  let sawPart = false;
  if (/^[A-Za-z]/.test(first) && !isTimezone(first)) {
    const p = weekdayProblem(first);
    if (p) return p;
    i++;
    sawPart = true;
  }
  if (i < tokens.length && looksLikeDate(tokens[i]!)) {
    const p = dateProblem(tokens[i]!);
    if (p) return p;
    i++;
    sawPart = true;
  }
  if (i < tokens.length && tokens[i]!.includes(':')) {
    const p = timeProblem(tokens[i]!);
    if (p) return p;
    i++;
    sawPart = true;
  }
  if (i < tokens.length && isTimezone(tokens[i]!)) i++;
  if (i < tokens.length) return `"${tokens[i]}" is not a weekday, date, time or time zone`;
  if (!sawPart) return 'must give a weekday, a date or a time';
  return null;
}

const SPAN_UNITS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^(?:usec|us|µs|μs)$/, 1e-6],
  [/^(?:msec|ms)$/, 1e-3],
  [/^(?:seconds|second|sec|s)$/, 1],
  [/^(?:minutes|minute|min|m)$/, 60],
  [/^(?:hours|hour|hr|h)$/, 3600],
  [/^(?:days|day|d)$/, 86400],
  [/^(?:weeks|week|w)$/, 604800],
  [/^(?:months|month|M)$/, 2629800],
  [/^(?:years|year|y)$/, 31557600],
];

/** Seconds in a systemd time span ("1h 30min", "90s", "0"), or null when it is not one. */
export function parseTimespan(s: string): number | null {
  const trimmed = s.trim();
  if (trimmed === '') return null;
  const re = /(\d+(?:\.\d+)?)\s*([A-Za-zµμ]*)\s*/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(trimmed); m; m = re.exec(trimmed)) {
    const unit = m[2] ?? '';
    const factor = unit === '' ? 1 : SPAN_UNITS.find(([r]) => r.test(unit))?.[1];
    if (factor === undefined) return null;
    total += Number(m[1]) * factor;
    pos = re.lastIndex;
    if (pos === trimmed.length) return total;
  }
  return null;
}

export function timespanProblem(s: string): string | null {
  if (CONTROL.test(s)) return CONTROL_MESSAGE;
  const seconds = parseTimespan(s);
  if (seconds === null) return 'must be a time span such as 30min, 1h or 2h 30min';
  if (seconds > RANDOMIZED_DELAY_MAX_SECONDS) return 'must be at most one week';
  return null;
}
