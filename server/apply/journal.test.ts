import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyState, readState, writeState, type EngineState } from './journal.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const H = 'a'.repeat(64);
const secrets = { adminPasswordHash: H, consolePasswordHash: null, enrollmentToken: H, tlsPrivateKey: null, proxyCredentials: null, ssoClientSecret: null };
const state: EngineState = {
  version: 1,
  setup: 'configured',
  active: { id: 'a1', documentHash: H, complete: false, generation: 2, appliedAt: '2026-06-01T00:00:00.000Z', fragment: H, secrets },
  apply: {
    id: 'a2',
    source: 'web',
    confirmMode: 'interactive',
    confirmWindowSeconds: 120,
    step: 'confirm',
    startedAt: '2026-06-01T00:00:00.000Z',
    stepStartedAt: '2026-06-01T00:01:00.000Z',
    bootId: 'b1',
    prev: { fragment: H, secrets, generation: 2, system: '/nix/store/x', handedOff: false },
    next: { fragment: H, secrets, documentHash: H, complete: true, newUrl: null },
    confirmDeadline: '2026-06-01T00:03:00.000Z',
    confirmedAt: null,
    rollback: null,
    reset: null,
  },
  last: {
    id: 'a1',
    outcome: 'rolled-back',
    source: 'cli',
    finishedAt: '2026-06-01T00:00:00.000Z',
    reason: 'nixos-rebuild build failed',
    failedPhase: 'build',
    errors: [],
    outputTail: ['error: x'],
    generation: 2,
    handedOff: false,
  },
  resetCleanup: { id: 'r1', mode: 'config', kept: { hostname: 'ctl-1' } },
  refusal: { at: '2026-06-01T00:00:00.000Z', reason: 'a ticket of another user' },
};

function file(content: string | EngineState): string {
  dir = mkdtempSync(join(tmpdir(), 'bowtie-journal-'));
  const f = join(dir, 'state.json');
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content), { mode: 0o600 });
  return f;
}

describe("root's journal is parsed with a schema, not cast", () => {
  it('reads back what writeState wrote, and an absent journal is the empty state', async () => {
    const f = file('');
    await writeState(f, state);
    expect(await readState(f)).toEqual(state);
    expect(await readState(join(dir, 'none.json'))).toEqual(emptyState());
  });

  it('keeps keys it does not know (the journal is written back whole), and reads a journal written before the newer secrets as null', async () => {
    const { proxyCredentials: _p, ssoClientSecret: _s, ...older } = secrets;
    const f = file(JSON.stringify({ ...state, active: { ...state.active, secrets: older }, futureField: { x: 1 } }));
    const read = await readState(f);
    expect(read.active?.secrets).toEqual(secrets);
    expect((read as unknown as Record<string, unknown>).futureField).toEqual({ x: 1 });
  });

  it.each([
    ['truncated JSON', () => JSON.stringify(state).slice(0, 200), /not valid JSON$/],
    ['no version', () => '{}', /unknown state version \(none\)$/],
    ['another version', () => JSON.stringify({ ...state, version: 2 }), /unknown state version 2$/],
    ['a step that is not one', () => JSON.stringify({ ...state, apply: { ...state.apply, step: 'rm -rf /' } }), /not in the expected form \(apply\.step\)$/],
    ['a hash that is not one', () => JSON.stringify({ ...state, active: { ...state.active, fragment: '../../etc/shadow' } }), /\(active\.fragment\)$/],
    ['a generation that is text', () => JSON.stringify({ ...state, last: { ...state.last, generation: '2; reboot' } }), /\(last\.generation\)$/],
    ['a list for the state', () => '[1]', /unknown state version \(none\)$/],
  ])('%s: refused with the path of what is wrong, never its content', async (_name, content, reason) => {
    const f = file(content());
    const e = await readState(f).then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(e?.message).toMatch(reason);
    expect(e?.message).not.toMatch(/rm -rf|shadow|reboot/);
    expect(readFileSync(f, 'utf8')).toBe(content()); // nothing rewritten
  });
});
