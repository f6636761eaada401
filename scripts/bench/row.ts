export type { BenchRow } from '../../server/bench-row.js';

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
