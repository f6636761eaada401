/**
 * nextElapses against systemd itself: `systemd-analyze calendar --iterations=3
 * --base-time=...` (systemd 252's option names) for every valid expression of the corpus
 * (test/fixtures/corpora/calendar.tsv, from systemd's src/test/test-calendarspec.c and
 * systemd.time(7)) and a seeded set of generated ones, from several base times, in UTC and in
 * zones with daylight saving time (TZ= for systemd-analyze, `timezone` for us), including base
 * times next to the spring and autumn changes.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { oracleTool } from '../helpers/oracle-tool.js';
import { calendarProblem, nextElapses } from '../../server/config/calendar.js';

const run = promisify(execFile);
const CORPORA = join(import.meta.dirname, '../fixtures/corpora');

const valid = readFileSync(join(CORPORA, 'calendar.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('valid\t'))
  .map((l) => l.slice('valid\t'.length));

let haveSystemd = false;
beforeAll(async () => {
  haveSystemd = await oracleTool('systemd-analyze', ['--version'], 'systemd');
});

/** "Sun 2026-06-07 03:00:00 UTC" -> the instant; "never" -> null. */
function instant(text: string): Date | null {
  if (text.trim() === 'never') return null;
  const m = /^\w{3} (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) UTC$/.exec(text.trim());
  if (!m) throw new Error(`unexpected systemd-analyze time: ${text}`);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/** Parses one expression's block of systemd-analyze calendar output. */
function elapses(block: string): string[] {
  const lines = block.split('\n').map((l) => l.trim());
  const times: string[] = [];
  for (let k = 0; k < lines.length; k++) {
    const m = /^(?:Next elapse|Iter\. #\d+): (.*)$/.exec(lines[k]!);
    if (!m) continue;
    // Times are in UTC on the "(in UTC)" line when TZ is another zone.
    const utc = /^\(in UTC\): (.*)$/.exec(lines[k + 1] ?? '');
    const at = instant(utc ? utc[1]! : m[1]!);
    if (at) times.push(at.toISOString());
  }
  return times;
}

/**
 * systemd's next three elapses of each expression, as ISO strings to the second; null where
 * systemd gives up (its find_next stops after 1000 passes with "Infinite loop in calendar
 * calculation"): a batch with such an expression fails, so it is asked one by one.
 */
async function systemdNext(expressions: string[], base: string, tz: string): Promise<(string[] | null)[]> {
  const ask = (batch: string[]) =>
    run('systemd-analyze', ['calendar', '--iterations=3', `--base-time=${base}`, ...batch], { env: { ...process.env, TZ: tz, LC_ALL: 'C' } });
  const out: (string[] | null)[] = [];
  for (let i = 0; i < expressions.length; i += 40) {
    const batch = expressions.slice(i, i + 40);
    const answer = await ask(batch).catch(() => null);
    if (answer) {
      const blocks = answer.stdout.split(/\n\s*\n/).filter((b) => /Normalized form:/.test(b));
      expect(blocks).toHaveLength(batch.length);
      out.push(...blocks.map(elapses));
    } else {
      for (const e of batch)
        out.push(
          await ask([e]).then(
            (a) => elapses(a.stdout),
            () => null,
          ),
        );
    }
  }
  return out;
}

function ours(expressions: string[], base: Date, tz: string): string[][] {
  // systemd-analyze prints whole seconds: the sub-second part is cut off, as it does.
  return expressions.map((e) => nextElapses(e, base, 3, tz).map((d) => new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString()));
}

/** Generated expressions that systemd accepts: schedules people write, and the odd corners. */
function generated(count: number): string[] {
  let seed = 915;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(a: readonly T[]) => a[int(0, a.length - 1)]!;
  const comp = (lo: number, hi: number): string => {
    const r = rnd();
    if (r < 0.2) return '*';
    if (r < 0.35) return `${int(lo, hi)}/${int(1, Math.max(1, Math.floor((hi - lo) / 2)))}`;
    if (r < 0.5) {
      const a = int(lo, hi);
      return `${a}..${int(a, hi)}`;
    }
    if (r < 0.65) return `${int(lo, hi)},${int(lo, hi)}`;
    return String(int(lo, hi));
  };
  const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun', 'Mon..Fri', 'Sat,Sun', 'Tue..Thu'];
  const out = new Set<string>();
  while (out.size < count) {
    const parts: string[] = [];
    if (rnd() < 0.5) parts.push(pick(days));
    const r = rnd();
    if (r < 0.3) parts.push(`*-${comp(1, 12)}-${comp(1, 31)}`);
    else if (r < 0.4) parts.push(`*-*~${int(1, 7)}`);
    else if (r < 0.45) parts.push(`${int(2026, 2030)}-${comp(1, 12)}-${comp(1, 28)}`);
    parts.push(`${comp(0, 23)}:${comp(0, 59)}${rnd() < 0.3 ? `:${comp(0, 59)}` : ''}`);
    if (rnd() < 0.15) parts.push(pick(['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata']));
    const e = parts.join(' ');
    if (calendarProblem(e) === null) out.add(e);
  }
  return [...out];
}

const BASES = ['2026-06-01T00:00:00Z', '2026-03-28T23:59:59Z', '2026-10-31T12:00:00Z', '2027-02-27T10:15:30Z', '2028-02-28T23:00:00Z', '2026-12-31T23:59:59Z'];
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York'];

describe('nextElapses against systemd-analyze calendar --iterations=3', () => {
  it('agrees on the schedules the wizard offers, without an oracle', () => {
    const base = new Date('2026-06-01T00:00:00Z'); // a Monday
    expect(nextElapses('Sun *-*-* 03:00:00', base, 3).map((d) => d.toISOString())).toEqual([
      '2026-06-07T03:00:00.000Z',
      '2026-06-14T03:00:00.000Z',
      '2026-06-21T03:00:00.000Z',
    ]);
    expect(nextElapses('daily Europe/Berlin', base, 1).map((d) => d.toISOString())).toEqual(['2026-06-01T22:00:00.000Z']);
    expect(nextElapses('*-*-* 03:00:00', base, 1, 'America/New_York').map((d) => d.toISOString())).toEqual(['2026-06-01T07:00:00.000Z']);
    expect(nextElapses('2020-01-01', base, 3)).toEqual([]);
    expect(nextElapses('not a schedule', base, 3)).toEqual([]);
  });

  it("an event that never or rarely comes ends where systemd's does (bounded: year 2199, 1000 passes)", async () => {
    const base = new Date('2026-06-01T00:00:00Z');
    const cases = ['*-02-30 03:00', '2199-12-31 23:59:59', '*-*-31 *:*:59.999999', 'Mon *-02-29 12:00', '*-02~30'].filter((e) => calendarProblem(e) === null);
    expect(cases.length).toBeGreaterThanOrEqual(4);
    expect(nextElapses('*-02-30 03:00', base, 3)).toEqual([]);
    expect(nextElapses('2199-12-31 23:59:59', base, 3).map((d) => d.toISOString())).toEqual(['2199-12-31T23:59:59.000Z']);
    if (!haveSystemd) return;
    const theirs = await systemdNext(cases, '2026-06-01 00:00:00 UTC', 'UTC');
    cases.forEach((e, i) => {
      const mine = ours([e], base, 'UTC')[0]!;
      if (theirs[i] === null) expect(mine.length, e).toBeLessThan(3);
      else expect(mine, e).toEqual(theirs[i]);
    });
  });

  it(`every valid corpus expression and 200 generated ones, from ${BASES.length} base times in ${ZONES.length} zones`, async () => {
    if (!haveSystemd) return;
    const expressions = [...valid, ...generated(200)];
    expect(valid.length).toBeGreaterThan(80);
    const wrong: string[] = [];
    let compared = 0;
    let gaveUp = 0;
    for (const tz of ZONES) {
      for (const base of BASES) {
        const theirs = await systemdNext(expressions, `${base.replace('T', ' ').replace('Z', '')} UTC`, tz);
        const mine = ours(expressions, new Date(base), tz);
        expressions.forEach((e, i) => {
          compared++;
          const t = theirs[i]!;
          // Where systemd gives up, so do we (the same iteration limit): fewer than three.
          if (t === null) gaveUp++;
          const same = t === null ? mine[i]!.length < 3 : JSON.stringify(mine[i]) === JSON.stringify(t);
          if (!same) wrong.push(`${tz} ${base} ${JSON.stringify(e)}: systemd ${t?.join(', ') ?? 'gives up'} / ours ${mine[i]!.join(', ')}`);
        });
      }
    }
    expect(compared).toBeGreaterThan(5000);
    expect(gaveUp).toBeLessThan(compared / 100);
    expect(wrong).toEqual([]);
  }, 300_000);
});
