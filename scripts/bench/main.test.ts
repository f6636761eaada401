/**
 * `npm run bench` is not part of the suite (no timed tests); this only proves that its modules
 * load and that its table says pass, miss and why.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SUITES, table } from './main.js';
import { ratioRow } from './row.js';

describe('npm run bench', () => {
  it('loads every suite (--dry measures nothing)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench/main.ts', '--dry'], {
      encoding: 'utf8',
      cwd: new URL('../..', import.meta.url).pathname,
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`BENCH-TABLE: dry run, suites ${SUITES.map((s) => s.name).join(', ')}\n`);
    expect(r.status).toBe(0);
  });

  it('prints ratios with pass or miss, and why for each miss', () => {
    const pass = ratioRow({ name: 'start', value: 120, unit: 'ms', baseline: 100, baselineName: 'bare' }, '<=', 1.3, () => 'unused');
    const miss = ratioRow({ name: 'throughput', value: 40, unit: 'req/s', baseline: 100, baselineName: 'bare' }, '>=', 0.5, () => 'the page renders slowly');
    expect(pass).toMatchObject({ ok: true, target: 'ratio <= 1.3' });
    expect(pass.why).toBeUndefined();
    const out = table([pass, miss]).split('\n');
    expect(out[2]).toMatch(/^start +\| 120 ms +\| 100 ms \(bare\) +\| 1\.20 +\| ratio <= 1\.3 +\| pass$/);
    expect(out[3]).toMatch(/^throughput +\| 40\.0 req\/s +\| 100 req\/s \(bare\) +\| 0\.40 +\| ratio >= 0\.5 +\| MISS$/);
    expect(out[4]).toBe('  MISS throughput: the page renders slowly');
  });
});
