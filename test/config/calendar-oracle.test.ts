/**
 * The calendar and time-span rules against systemd itself (docs/field-policies.md): a corpus
 * made from systemd's own tests (test/fixtures/corpora/*.tsv, verdicts recorded from
 * systemd-analyze), checked against our parser; systemd-analyze is asked again for every case,
 * so the corpus cannot drift from the program; and a seeded generator adds a few hundred more
 * expressions that only systemd's answer decides.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { oracleTool } from '../helpers/oracle-tool.js';
import { calendarProblem, parseTimespan } from '../../server/config/calendar.js';

const run = promisify(execFile);
const CORPORA = join(import.meta.dirname, '../fixtures/corpora');

function corpus(name: string): [string, string][] {
  return readFileSync(join(CORPORA, name), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => [l.slice(0, l.indexOf('\t')), l.slice(l.indexOf('\t') + 1)] as [string, string]);
}

/** Whether systemd accepts each expression, a few processes at a time. */
async function systemd(kind: 'calendar' | 'timespan', expressions: string[]): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < expressions.length; i += 16) {
    out.push(
      ...(await Promise.all(
        expressions.slice(i, i + 16).map((e) =>
          run('systemd-analyze', [kind, e]).then(
            () => true,
            () => false,
          ),
        ),
      )),
    );
  }
  return out;
}

let haveSystemd = false;
beforeAll(async () => {
  haveSystemd = await oracleTool('systemd-analyze', ['--version'], 'systemd');
});

/** A small seeded generator of calendar expressions, close to what people write and past it. */
function generated(count: number): string[] {
  let seed = 20261204;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pad = (n: number) => (rnd() < 0.5 ? String(n).padStart(2, '0') : String(n));
  const comp = (lo: number, hi: number, dec = false): string => {
    if (rnd() < 0.15) return '*';
    const v = () => pad(int(lo, hi)) + (dec && rnd() < 0.3 ? `.${int(0, 999999)}` : '');
    let s = v();
    if (rnd() < 0.25) s += `..${v()}`;
    if (rnd() < 0.3) s += `/${int(0, hi - lo + 2)}`;
    if (rnd() < 0.2) s += `,${v()}`;
    return s;
  };
  const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun', 'monday', 'FRIDAY', 'Sunday'];
  const pick = <T>(a: T[]) => a[int(0, a.length - 1)]!;
  const out = new Set<string>();
  while (out.size < count) {
    const parts: string[] = [];
    if (rnd() < 0.4) parts.push(pick(days) + (rnd() < 0.3 ? pick(['..', '-']) + pick(days) : '') + (rnd() < 0.2 ? `,${pick(days)}` : ''));
    if (rnd() < 0.6) {
      let d = `${comp(1, 12)}${pick(['-', '-', '~'])}${comp(1, 31)}`;
      if (rnd() < 0.5) d = `${pick([comp(1970, 2199), pad(int(0, 99)), '*'])}-${d}`;
      parts.push(d);
    }
    if (rnd() < 0.8) parts.push(`${comp(0, 24)}:${comp(0, 60)}${rnd() < 0.5 ? `:${comp(0, 60, true)}` : ''}`);
    if (rnd() < 0.15) parts.push(pick(['UTC', 'Europe/Berlin', 'America/New_York', 'utc']));
    if (parts.length) out.add(parts.join(' '));
  }
  return [...out];
}

describe('calendar events (OnCalendar=)', () => {
  const cases = corpus('calendar.tsv');

  it('the corpus agrees with our parser, case by case', () => {
    expect(cases.length).toBeGreaterThan(140);
    const wrong = cases
      .filter(([v, e]) => v !== 'policy' && (calendarProblem(e) === null) !== (v === 'valid'))
      .map(([v, e]) => `${v}: ${JSON.stringify(e)} -> ${calendarProblem(e)}`);
    expect(wrong).toEqual([]);
  });

  it('the policies say why', () => {
    expect(calendarProblem('@1234567')).toMatch(/one-time @timestamp would update once/);
    expect(calendarProblem('  Mon  03:00  ')).toBeNull();
  });

  it('systemd-analyze gives every recorded verdict (the corpus cannot drift)', async () => {
    if (!haveSystemd) return;
    const checked = cases.filter(([v]) => v !== 'policy');
    const verdicts = await systemd(
      'calendar',
      checked.map(([, e]) => e),
    );
    const drift = checked.filter(([v], i) => (v === 'valid') !== verdicts[i]).map(([v, e]) => `${v}: ${JSON.stringify(e)}`);
    expect(drift).toEqual([]);
  }, 60_000);

  it("300 generated expressions: our verdict is systemd-analyze's", async () => {
    if (!haveSystemd) return;
    const exprs = generated(300);
    const verdicts = await systemd('calendar', exprs);
    const wrong = exprs
      .filter((e, i) => (calendarProblem(e) === null) !== verdicts[i])
      .map((e, i) => `${verdicts[i] ? 'systemd accepts' : 'systemd refuses'}: ${JSON.stringify(e)} -> ${calendarProblem(e)}`);
    expect(wrong).toEqual([]);
    // Both kinds are well represented.
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(60);
    expect(verdicts.filter((v) => !v).length).toBeGreaterThan(60);
  }, 60_000);
});

describe('time spans (RandomizedDelaySec=)', () => {
  const cases = corpus('timespan.tsv');

  it('the corpus agrees with our parser, and systemd-analyze with the corpus', async () => {
    expect(cases.length).toBeGreaterThan(35);
    const wrong = cases.filter(([v, e]) => (parseTimespan(e) !== null) !== (v === 'valid')).map(([v, e]) => `${v}: ${JSON.stringify(e)}`);
    expect(wrong).toEqual([]);
    if (!haveSystemd) return;
    const verdicts = await systemd(
      'timespan',
      cases.map(([, e]) => e),
    );
    expect(cases.filter(([v], i) => (v === 'valid') !== verdicts[i]).map(([, e]) => e)).toEqual([]);
  }, 60_000);
});
