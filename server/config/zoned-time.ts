/**
 * C's broken-down time (`struct tm`) in one IANA time zone, with the two calls systemd's
 * calendar code makes on it: mktime (normalize fields that ran over, e.g. day 32, and find the
 * instant) and localtime. glibc's mktime with tm_isdst = -1 is what is mirrored: a wall time that
 * happens twice (autumn) is the first of the two; one that never happens (spring) moves on by
 * the jump, so that systemd's "did normalization change anything" check sees it and skips it.
 */

/** Fields as in struct tm: month 0-11, year in full (not since 1900). */
export interface Tm {
  year: number;
  mon: number;
  mday: number;
  hour: number;
  min: number;
  sec: number;
  /** tm_isdst: -1 (or absent) lets mktime find out; 0 or 1 is taken as given (see mktime). */
  isdst?: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether `zone` is a time zone this runtime knows ("UTC", "Europe/Berlin"). */
export function knownZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** localtime_r: the wall time in `zone` at `seconds` since the epoch. */
export function localtime(seconds: number, zone: string): Tm {
  if (zone === 'UTC') {
    const d = new Date(seconds * 1000);
    return { year: d.getUTCFullYear(), mon: d.getUTCMonth(), mday: d.getUTCDate(), hour: d.getUTCHours(), min: d.getUTCMinutes(), sec: d.getUTCSeconds() };
  }
  const tm = wallTime(seconds, zone);
  const { dst } = offsetsOfYear(tm.year, zone);
  return { ...tm, isdst: dst !== null && asUtc(tm) - seconds === dst ? 1 : 0 };
}

function wallTime(seconds: number, zone: string): Tm {
  const parts = Object.fromEntries(
    formatter(zone)
      .formatToParts(new Date(seconds * 1000))
      .map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts.year),
    mon: Number(parts.month) - 1,
    mday: Number(parts.day),
    hour: Number(parts.hour),
    min: Number(parts.minute),
    sec: Number(parts.second),
  };
}

/** The zone's standard and daylight saving offsets in `year` (dst null: it has none that year). */
const yearOffsets = new Map<string, { std: number; dst: number | null }>();
function offsetsOfYear(year: number, zone: string): { std: number; dst: number | null } {
  const key = `${zone} ${year}`;
  let found = yearOffsets.get(key);
  if (!found) {
    found = measureYear(year, zone);
    if (yearOffsets.size > 10_000) yearOffsets.clear();
    yearOffsets.set(key, found);
  }
  return found;
}

function measureYear(year: number, zone: string): { std: number; dst: number | null } {
  const jan = Date.UTC(year, 0, 1) / 1000;
  const jul = Date.UTC(year, 6, 1) / 1000;
  const a = asUtc(wallTime(jan, zone)) - jan;
  const b = asUtc(wallTime(jul, zone)) - jul;
  return a === b ? { std: a, dst: null } : { std: Math.min(a, b), dst: Math.max(a, b) };
}

/** The wall time's fields counted as if they were UTC (overflowing fields carry over as in timegm). */
function asUtc(tm: Tm): number {
  return Date.UTC(tm.year, tm.mon, tm.mday, tm.hour, tm.min, tm.sec) / 1000;
}

/** Seconds `zone` is ahead of UTC at instant `seconds`. */
function offsetAt(seconds: number, zone: string): number {
  return asUtc(wallTime(seconds, zone)) - seconds;
}

const same = (a: Tm, b: Tm): boolean => a.year === b.year && a.mon === b.mon && a.mday === b.mday && a.hour === b.hour && a.min === b.min && a.sec === b.sec;

/** mktime (timegm in UTC): the instant of `tm`'s wall time; `tm` is normalized in place. */
export function mktime(tm: Tm, zone: string): number {
  const wall = asUtc(tm);
  let t: number;
  const offsets = zone === 'UTC' ? null : offsetsOfYear(tm.year + Math.floor(tm.mon / 12), zone);
  if (zone === 'UTC') t = wall;
  else if (tm.isdst !== undefined && tm.isdst >= 0 && offsets!.dst !== null) {
    // glibc takes a given tm_isdst at its word: a winter wall time marked as summer time is
    // read with the summer offset (and comes out an hour earlier), and the other way round.
    t = wall - (tm.isdst > 0 ? offsets!.dst : offsets!.std);
  } else {
    // The zone's offsets a day either side: a wall time near a change is one of the two.
    const before = wall - offsetAt(wall - 86_400, zone);
    const after = wall - offsetAt(wall + 86_400, zone);
    const wanted = localtime(wall, 'UTC');
    if (same(localtime(before, zone), wanted)) t = before;
    else if (same(localtime(after, zone), wanted)) t = after;
    else t = before; // a wall time that never happens: the offset it had before the jump
  }
  Object.assign(tm, localtime(t, zone));
  return t;
}
