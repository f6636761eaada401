/** One line of `npm run bench`: a figure, and the same figure for a baseline measured in the same run. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** The baseline's figure, in the same unit, measured in the same run on the same machine. */
  baseline?: number;
  baselineName?: string;
  /** The target, in words, e.g. ">= 10000" or "ratio <= 1.3". */
  target?: string;
  /** Whether the target is met; undefined when there is no target. */
  ok?: boolean;
  /** What the run saw that explains the figure: printed under the table when the target is missed. */
  why?: string;
}

/** A row whose target is a ratio to its baseline: `value / baseline` at most (or at least) `limit`. */
export function ratioRow(row: Omit<BenchRow, 'target' | 'ok'> & { baseline: number }, op: '<=' | '>=', limit: number, why?: () => string): BenchRow {
  const ratio = row.value / row.baseline;
  const ok = op === '<=' ? ratio <= limit : ratio >= limit;
  return { ...row, target: `ratio ${op} ${limit}`, ok, ...(ok || !why ? {} : { why: why() }) };
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs `fn` repeatedly for about `ms` milliseconds and returns calls per second. */
export function ratePerSecond(fn: () => unknown, ms = 1000): number {
  for (let i = 0; i < 200; i++) fn(); // warm-up: let V8 optimize before we count
  let calls = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < until) {
    for (let i = 0; i < 50; i++) fn();
    calls += 50;
    now = process.hrtime.bigint();
  }
  return calls / (Number(now - start) / 1e9);
}

/** Median duration of one call in microseconds over `runs` calls. */
export function medianMicros(fn: () => unknown, runs = 2000): number {
  for (let i = 0; i < 100; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}
