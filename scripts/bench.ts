/**
 * `npm run bench`: every performance figure of the product beside a baseline measured in the
 * same run, with its target. Exits 1 when a target is missed. Suites run one after another so
 * that they do not compete for the two cores.
 */
import { benchConfig } from './bench/config.js';
import type { BenchRow } from './bench/row.js';
import { benchWeb } from '../server/web/bench.js';
import { benchApply } from '../server/apply/bench.js';

type Suite = { name: string; run: () => Promise<BenchRow[]> };

const SUITES: Suite[] = [{ name: 'config and fragment', run: benchConfig }, { name: 'web wizard', run: benchWeb }, { name: 'apply engine', run: benchApply }];

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3);
}

const only = process.argv.slice(2);
let missed = 0;
for (const suite of SUITES.filter((s) => only.length === 0 || only.some((o) => s.name.includes(o)))) {
  console.log(`\n== ${suite.name}`);
  for (const row of await suite.run()) {
    const ratio = row.baseline ? ` | ${row.baselineName ?? 'baseline'} ${fmt(row.baseline)} ${row.unit}, ratio ${(row.value / row.baseline).toFixed(2)}` : '';
    const verdict = row.ok === undefined ? '' : row.ok ? `  [ok: ${row.target}]` : `  [MISSED: ${row.target}]`;
    if (row.ok === false) missed++;
    console.log(`${row.name}: ${fmt(row.value)} ${row.unit}${ratio}${verdict}`);
  }
}
console.log(missed === 0 ? '\nall targets met' : `\n${missed} target(s) missed`);
process.exitCode = missed === 0 ? 0 : 1;
