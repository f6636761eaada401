import { describe, expect, it } from 'vitest';
import { calendarProblem, parseTimespan, timespanProblem } from './calendar.js';

describe('OnCalendar grammar', () => {
  const valid = [
    'Sun *-*-* 03:00:00',
    'daily',
    'weekly',
    'minutely',
    'semiannually',
    'Mon..Fri 02:30',
    'Sat,Sun *-*-1..7 04:00:00',
    '*-*-* 00/2:00',
    '2027-01-01 00:00:00',
    '*-02~03',
    'Mon *-*-* 03:00 UTC',
    'Sun 03:00 Europe/Berlin',
    '12:00',
    '*:0/15',
    '*-*-* *:*:00',
    '03:00:05.5',
    'Wednesday 10:00',
    'monday..friday 23:59:59',
    'Fri',
  ];
  for (const expr of valid) it(`accepts "${expr}"`, () => expect(calendarProblem(expr)).toBeNull());

  const invalid: Array<[string, RegExp]> = [
    ['', /empty/],
    ['Sun 25:00', /hour 25/],
    ['Sun 03:60', /minute 60/],
    ['Funday 03:00', /Funday/],
    ['*-13-01', /month 13/],
    ['*-*-32', /day 32/],
    ['Sun 03:00 Mars/Olympus', /Mars\/Olympus/],
    ['*-*-* 3', /"3"/],
    ['Mon 03:00 extra', /extra/],
    ['*-*-* 10..5:00', /reversed/],
    ['*-*-* 00/0:00', /must not be 0/],
    ['1969-01-01', /year 1969/],
    ['UTC', /weekday, a date or a time/],
  ];
  for (const [expr, message] of invalid) {
    it(`rejects "${expr}"`, () => expect(calendarProblem(expr)).toMatch(message));
  }
});

describe('time spans', () => {
  it.each([
    ['1h', 3600],
    ['30min', 1800],
    ['2h 30min', 9000],
    ['90', 90],
    ['0', 0],
    ['1.5h', 5400],
    ['1w', 604800],
    ['500ms', 0.5],
  ])('%s is %d s', (span, seconds) => expect(parseTimespan(span)).toBe(seconds));
  it.each(['', '1 fortnight', 'h', '-1h', '1h30x'])('"%s" is not a span', (span) => expect(parseTimespan(span)).toBeNull());
  it('caps the randomized delay at a week', () => {
    expect(timespanProblem('7d')).toBeNull();
    expect(timespanProblem('8d')).toMatch(/one week/);
  });
});

describe('control characters (one unit-file line)', () => {
  it.each(['Mon\n03:00', 'Mon\t03:00', 'daily\r', 'Mon 03:00\u0000', '\u001b[2Jdaily', 'daily\u2028', 'Sun *-*-* 03:00:00\u0085'])(
    'calendar %j is refused',
    (s) => {
      expect(calendarProblem(s)).toBe('must be one line without control characters (no tabs or line breaks)');
    },
  );
  it.each(['1h\n', '1\nh', '1h\t', '30min\r\nOnCalendar=minutely'])('time span %j is refused', (s) => {
    expect(timespanProblem(s)).toBe('must be one line without control characters (no tabs or line breaks)');
  });
});
