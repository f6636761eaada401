/**
 * The progress stream over a real apply (the engine and the nixos-rebuild simulator, the worker
 * a child process): the steps come in the engine's order, each once; the log lines, cut off at a
 * reconnect and resumed with Last-Event-ID, add up to the output log exactly; the link to the
 * new address comes once the apply knows it; and the stream ends with the apply.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApplyClient } from '../../server/apply/client.js';
import { enginePaths } from '../../server/apply/paths.js';
import { printable } from '../../server/system/boundary-file.js';
import { apply, cloneRoot, fixtureDoc, makeRoot, oneWorkerAtATime, removeRoots, testEnv, until, workerGone } from './harness.js';
import { listen, type ParsedEvent } from '../helpers/sse.js';
import { createWizard, type Wizard } from '../helpers/wizard.js';

const ORDER = ['Starting', 'Check', 'Write configuration', 'Build', 'Activate for a trial', 'Confirm', 'Make permanent', 'Health check', 'Done'];

let template: string;
let w: Wizard | null = null;

beforeAll(async () => {
  template = await makeRoot();
  // Configured but not handed off: the wizard serves (the new document then completes the setup).
  const r = await apply(template, fixtureDoc('partial'));
  expect(r.outcome).toBe('applied');
}, 120_000);

afterAll(() => {
  w?.close();
  removeRoots();
});

/** The step a status block shows, in the page's own words. */
function stepOf(e: ParsedEvent): string {
  if (/Starting\.\.\./.test(e.data)) return 'Starting';
  if (/confirm-box/.test(e.data)) return 'Confirm';
  const working = /Working: ([^<]+)</.exec(e.data)?.[1];
  if (working) return working;
  if (/Setup is complete|Applied/.test(e.data)) return 'Done';
  return e.data.slice(0, 80);
}

/** What the page's script does with the events: the log it ends up showing. */
function shownLog(events: ParsedEvent[]): string[] {
  let lines: string[] = [];
  for (const e of events) {
    if (e.event === 'log-start') lines = [];
    if (e.event === 'log') lines.push(e.data);
  }
  return lines;
}

describe('GET /apply/events over a real apply', () => {
  it('streams the steps in order and every log line once, across a reconnect, then ends', async () => {
    const root = cloneRoot(template);
    // A long window: the test moves on by states (the confirm step, then Confirm), never by the clock.
    const client = createApplyClient({
      root,
      simulate: true,
      startWorker: oneWorkerAtATime(root, testEnv({ BOWTIE_SETUP_APPLY_TIMEOUTS: 'interval=20,confirm=600000' })),
    });
    w = createWizard({ deps: { apply: client } });
    const c = await w.unlocked();
    const headers = { Cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    const server = await listen(w.app);
    try {
      const { id } = await client.start({ document: fixtureDoc('new'), source: 'web', confirm: 'interactive' });
      const first = await server.open('/apply/events', headers);
      expect(first.status).toBe(200);
      const before = await first.until((e) => e.some((x) => x.event === 'step' && stepOf(x) === 'Confirm') && e.some((x) => x.event === 'moved'));
      first.close();
      // The address moves from .10 to .20: the link carries the session there.
      const moved = before.find((e) => e.event === 'moved')!;
      expect(moved.data).toMatch(/^https:\/\/192\.168\.122\.20\/resume\?token=[A-Za-z0-9_-]{43}$/);

      await client.confirm(id);
      const again = await server.open('/apply/events', { ...headers, 'Last-Event-ID': before.at(-1)!.id! });
      await again.ended;
      const after = again.events();
      expect(after.at(-1)!.event).toBe('end');
      const done = await until(client, (s) => s.phase === 'idle' && s.last?.id === id);
      expect(done.last?.outcome).toBe('applied');
      await workerGone(root);

      const all = [...before, ...after];
      const steps = all.filter((e) => e.event === 'step').map(stepOf);
      // In the engine's order, none twice (a fast step may pass between two looks).
      const positions = steps.map((s) => ORDER.indexOf(s));
      expect(
        positions.every((p) => p >= 0),
        steps.join(', '),
      ).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(new Set(steps).size).toBe(steps.length);
      expect(steps).toContain('Confirm');
      expect(steps.at(-1)).toBe('Done');
      // The resumed stream repeats no step and no line: the log shown is the file, line for line.
      expect(after.some((e) => e.event === 'step' && stepOf(e) === 'Confirm')).toBe(false);
      const file = readFileSync(enginePaths(root).output, 'utf8').split('\n');
      file.pop();
      expect(shownLog(all)).toEqual(file.map((l) => printable(l, 4000)));
      expect(file.some((l) => l.includes('nixos-rebuild switch: succeeded'))).toBe(true);
    } finally {
      await server.close();
    }
  }, 240_000);
});
