import { describe, expect, it } from 'vitest';
import { describeSchedule, spanInWords } from './calendar-words.js';

describe('describeSchedule', () => {
  it.each([
    ['Sun *-*-* 03:00:00', '1h', 'Sundays at 03:00, up to 1 hour later at random'],
    ['Mon..Fri *-*-* 02:00:00', '30min', 'Weekdays (Monday to Friday) at 02:00, up to 30 minutes later at random'],
    ['*-*-* 03:00:00', '0', 'Every day at 03:00'],
    ['Sat,Sun 04:30', '2h 30min', 'Saturdays and Sundays at 04:30, up to 2 hours 30 minutes later at random'],
    ['Tue,Thu *-*-* 04:30:00', '1h', 'Tuesdays and Thursdays at 04:30, up to 1 hour later at random'],
    ['weekly', '0', 'Mondays at 00:00'],
    ['monthly', '0', 'On day 1 of each month at 00:00'],
    ['quarterly', '0', 'On 1 January, 1 April, 1 July and 1 October at 00:00'],
    ['hourly', '0', 'Every hour, on the hour'],
    ['daily Europe/Berlin', '0', 'Every day at 00:00 (Europe/Berlin time)'],
    ['3,15:00', '0', 'Every day at 03:00 and 15:00'],
    // What does not fit a sentence is named by its expression (the next runs explain it).
    ['*:0/15', '0', 'On the schedule "*:0/15"'],
    ['*-*~01 03:00', '1h', 'On the schedule "*-*~01 03:00", up to 1 hour later at random'],
  ])('%s with delay %s', (expression, delay, words) => {
    expect(describeSchedule(expression, delay)).toBe(words);
  });

  it('spans read as people say them', () => {
    expect(spanInWords(3600)).toBe('1 hour');
    expect(spanInWords(5400)).toBe('1 hour 30 minutes');
    expect(spanInWords(86_400 * 2 + 1)).toBe('2 days 1 second');
  });
});
