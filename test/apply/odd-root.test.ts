/**
 * No path is pasted into a Nix expression (docs/decisions/0600): under a root whose path holds
 * a space, quotes and a dollar sign, applies work (the simulator evaluates each fragment as
 * nixos-rebuild would) and the engine reads the active fragment back through the evaluator (as
 * a resumed confirm does), with the path passed as an argument.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFragmentSite } from '../../server/apply/fragment-value.js';
import { enginePaths } from '../../server/apply/paths.js';
import { ensureSimulatedMachine } from '../../server/system/sim-machine.js';
import { apply, fixtureDoc } from './harness.js';

const base = mkdtempSync(join(tmpdir(), 'bowtie-odd-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('a root path that is not a plain word', () => {
  it('applies twice, and the fragment reads back through the evaluator', async () => {
    const root = join(base, `a root with "quotes", 'spaces' and $dollars \${x}`);
    mkdirSync(root);
    await ensureSimulatedMachine(root);
    const first = await apply(root, fixtureDoc('old'));
    expect(first.outcome, first.reason ?? '').toBe('applied');
    const second = await apply(root, fixtureDoc('new'));
    expect(second.outcome, second.reason ?? '').toBe('applied');
    const read = await readFragmentSite(enginePaths(root).fragment);
    expect(read.kind).toBe('site');
    expect(read.kind === 'site' && read.site.hostname).toBe((fixtureDoc('new') as { hostname: string }).hostname);
  }, 240_000);
});
