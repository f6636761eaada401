/**
 * `npm run bench`: the product's performance figures, each beside a baseline measured in the
 * same run by the same Node, with its target, on the bundle the appliance runs (build.ts).
 * Prints a table (figure, baseline, ratio, target, pass/miss) and, for every miss, what the run
 * saw that explains it. Exits 1 when a target is missed. Suites run one after another so that
 * they do not compete for the cores. `npm run bench -- web` runs the suites whose name has "web".
 * `--dry` builds nothing and measures nothing: it loads every suite (the smoke test's mode).
 */
import { buildForBench, type BenchBuild } from './build.js';
import { benchApply } from './apply.js';
import { benchConfig } from './config.js';
import type { BenchRow } from './row.js';
import { benchWeb } from './web.js';

export interface Suite {
  name: string;
  /** Whether it measures the bundle (then the bundle is built first). */
  bundle: boolean;
  run: (build: BenchBuild) => Promise<BenchRow[]>;
}

export const SUITES: readonly Suite[] = [
  { name: 'config and fragment', bundle: false, run: () => benchConfig() },
  { name: 'web wizard', bundle: true, run: benchWeb },
  { name: 'apply', bundle: true, run: benchApply },
];

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3);
}

/** The table `npm run bench` prints: one line per row, then why each missed target was missed. */
export function table(rows: readonly BenchRow[]): string {
  const cells = rows.map((r) => [
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    r.baseline === undefined ? '' : `${fmt(r.baseline)} ${r.unit} (${r.baselineName ?? 'baseline'})`,
    r.baseline === undefined ? '' : (r.value / r.baseline).toFixed(2),
    r.target ?? '',
    r.ok === undefined ? '' : r.ok ? 'pass' : 'MISS',
  ]);
  const head = ['figure', 'value', 'baseline', 'ratio', 'target', 'result'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => x.padEnd(widths[i]!))
      .join(' | ')
      .trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)];
  for (const r of rows.filter((r) => r.ok === false)) out.push(`  MISS ${r.name}: ${r.why ?? 'no explanation recorded'}`);
  return out.join('\n');
}

async function main(args: string[]): Promise<number> {
  const dry = args.includes('--dry');
  const only = args.filter((a) => a !== '--dry');
  const suites = SUITES.filter((s) => only.length === 0 || only.some((o) => s.name.includes(o)));
  if (dry) {
    console.log(`BENCH-TABLE: dry run, suites ${suites.map((s) => s.name).join(', ')}`);
    return 0;
  }
  const build = suites.some((s) => s.bundle) ? await buildForBench() : null;
  const rows: BenchRow[] = [];
  try {
    for (const suite of suites) {
      console.error(`bench: ${suite.name}...`);
      rows.push(...(await suite.run(build!)));
    }
  } finally {
    build?.remove();
  }
  console.log(`BENCH-TABLE: node ${process.version}, ${build ? 'bundle (scripts/build.mjs) with NODE_ENV=production' : 'in-process'}\n${table(rows)}`);
  const missed = rows.filter((r) => r.ok === false).length;
  console.log(missed === 0 ? '\nall targets met' : `\n${missed} target(s) missed`);
  return missed === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) process.exitCode = await main(process.argv.slice(2));
