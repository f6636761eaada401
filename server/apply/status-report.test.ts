import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyState, writeState } from './journal.js';
import { enginePaths } from './paths.js';
import { statusJson, statusReport, statusText } from './status-report.js';
import type { ApplyResult } from './types.js';

let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('statusReport', () => {
  it('a fresh appliance: nothing ran, setup unconfigured, the next step is the wizard', async () => {
    root = mkdtempSync(join(tmpdir(), 'bowtie-status-'));
    const report = await statusReport({ root, simulate: true });
    expect(report.setup).toBe('unconfigured');
    expect(report.recovered).toBe(false);
    const text = statusText(report);
    expect(text).toMatch(/^setup: {7}unconfigured\napply: {7}none running\n/);
    expect(text).toContain('last apply:  none yet\n');
    expect(text).toMatch(/next: {8}open the wizard/);
    expect(JSON.parse(statusJson(report))).toMatchObject({ phase: 'idle', setup: 'unconfigured', update: null, last: null });
  });

  it("a rolled-back apply: state.json's result and reason, and what to do about it", async () => {
    root = mkdtempSync(join(tmpdir(), 'bowtie-status-'));
    const last: ApplyResult = {
      id: 'abc-1',
      outcome: 'rolled-back',
      source: 'cli',
      finishedAt: '2026-06-01T00:00:00.000Z',
      reason: 'nixos-rebuild build failed with exit code 1',
      failedPhase: 'build',
      errors: [],
      outputTail: [],
      generation: 3,
      handedOff: false,
    };
    await writeState(enginePaths(root).state, { ...emptyState(), setup: 'configured', last });
    const text = statusText(await statusReport({ root, simulate: true }));
    expect(text).toContain('setup:       configured\n');
    expect(text).toContain(
      'last apply:  rolled-back at 2026-06-01T00:00:00.000Z (abc-1, from cli)\n             build: nixos-rebuild build failed with exit code 1\n',
    );
    expect(text).toMatch(/next: {8}the last apply failed in build and the previous configuration was restored/);
  });
});
