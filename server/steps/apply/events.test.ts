/**
 * The progress stream against the fake engine: events in order, a reconnect that repeats
 * nothing, locked sessions kept out, hostile log bytes that cannot forge an event, the limits
 * (streams per session, the session's end), and the hand-over to the new address.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createWizard, idleStatus, type Client, type Wizard } from '../../../test/helpers/wizard.js';
import { listen, type Listening, type ParsedEvent } from '../../../test/helpers/sse.js';
import { appliedResult } from '../../../test/cloud-init/apply-results.js';
import { printable } from '../../system/boundary-file.js';
import { SESSION_COOKIE, SESSION_MAX_AGE_MS, SessionStore } from '../../web/session.js';
import { parseCursor } from './events.js';
import { MAX_LINE_BYTES } from './log-follower.js';

let w: Wizard;
let server: Listening | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  w?.close();
});

const KNOWN = new Set(['step', 'progress', 'log-start', 'log', 'moved', 'end']);

function cookie(c: Client): Record<string, string> {
  return { Cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
}

const logs = (events: ParsedEvent[]) => events.filter((e) => e.event === 'log').map((e) => e.data);
const steps = (events: ParsedEvent[]) =>
  events
    .filter((e) => e.event === 'step')
    .map((e) => /Working: ([^<]+)|(Setup is complete|Applied)/.exec(e.data)?.slice(1).find(Boolean) ?? e.data.slice(0, 40));

describe('GET /apply/events', () => {
  it('sends each step and each log line in order, then ends with the apply', async () => {
    w = createWizard();
    const c = await w.unlocked();
    w.apply.current = idleStatus({ phase: 'build', id: 'a1-00', confirmMode: 'interactive' });
    w.apply.log = ['== build', 'building /nix/store/aaa-x.drv'];
    server = await listen(w.app);
    const s = await server.open('/apply/events', cookie(c));
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(s.headers['cache-control']).toBe('no-store');
    await s.until((e) => logs(e).length === 2 && steps(e).length === 1);
    w.apply.log.push('== test', 'activating the configuration...');
    w.apply.current = idleStatus({ phase: 'test', id: 'a1-00', confirmMode: 'interactive' });
    await s.until((e) => steps(e).length === 2 && logs(e).length === 4);
    w.apply.current = idleStatus({
      phase: 'switch',
      id: 'a1-00',
      confirmMode: 'interactive',
      progress: { activity: 'switching', buildsDone: 0, buildsTotal: 0, pathsDone: 0, pathsTotal: 0, bytesDone: 0, bytesTotal: 0 },
    });
    await s.until((e) => steps(e).length === 3);
    w.apply.log.push('-- nixos-rebuild switch: succeeded');
    w.apply.current = idleStatus({
      setupComplete: true,
      last: { ...appliedResult, id: 'a1-00', source: 'web', finishedAt: '2026-06-01T00:00:00Z' },
    });
    await s.ended;
    const events = s.events();
    expect(events.every((e) => KNOWN.has(e.event))).toBe(true);
    expect(events[0]!.event).toBe('log-start');
    expect(logs(events)).toEqual([
      '== build',
      'building /nix/store/aaa-x.drv',
      '== test',
      'activating the configuration...',
      '-- nixos-rebuild switch: succeeded',
    ]);
    expect(steps(events)).toEqual(['Build', 'Activate for a trial', 'Make permanent', 'Setup is complete']);
    expect(events.at(-1)!.event).toBe('end');
    // Every event says where it stands, and the stream's blocks never poll (the stream replaces them).
    expect(events.every((e) => e.id !== null && parseCursor(e.id) !== null)).toBe(true);
    expect(s.raw()).not.toContain('hx-trigger');
  });

  it('resumes after Last-Event-ID with no line or step sent twice', async () => {
    w = createWizard();
    const c = await w.unlocked();
    w.apply.current = idleStatus({ phase: 'build', id: 'a2-00' });
    w.apply.log = ['line 1', 'line 2', 'line 3'];
    server = await listen(w.app);
    const first = await server.open('/apply/events', cookie(c));
    const seen = await first.until((e) => logs(e).length === 3 && steps(e).length === 1);
    first.close();
    const last = seen.at(-1)!.id!;
    // Meanwhile: more output and the next step.
    w.apply.log.push('line 4', 'line 5');
    w.apply.current = idleStatus({ phase: 'test', id: 'a2-00' });
    const again = await server.open('/apply/events', { ...cookie(c), 'Last-Event-ID': last });
    const more = await again.until((e) => logs(e).length === 2 && steps(e).length === 1);
    again.close();
    expect(more.some((e) => e.event === 'log-start')).toBe(false);
    expect([...logs(seen), ...logs(more)]).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    expect([...steps(seen), ...steps(more)]).toEqual(['Build', 'Activate for a trial']);

    // An id that is not ours is a fresh start: the log is sent again from its start, announced.
    const forged = await server.open('/apply/events', { ...cookie(c), 'Last-Event-ID': '1-0.999999.build.a2-00.evil; x' });
    const fresh = await forged.until((e) => logs(e).length === 5);
    forged.close();
    expect(fresh[0]!.event).toBe('log-start');
  });

  it('a new log (another apply) starts over, announced by log-start', async () => {
    w = createWizard();
    const c = await w.unlocked();
    w.apply.current = idleStatus({ phase: 'build', id: 'a3-00' });
    w.apply.log = ['old 1', 'old 2'];
    server = await listen(w.app);
    const s = await server.open('/apply/events', cookie(c));
    const seen = await s.until((e) => logs(e).length === 2);
    s.close();
    w.apply.logIno = 2;
    w.apply.log = ['new 1'];
    w.apply.current = idleStatus({ phase: 'build', id: 'a4-00' });
    const again = await server.open('/apply/events', { ...cookie(c), 'Last-Event-ID': seen.at(-1)!.id! });
    const more = await again.until((e) => logs(e).length === 1 && steps(e).length === 1);
    again.close();
    expect(more.findIndex((e) => e.event === 'log-start')).toBeLessThan(more.findIndex((e) => e.event === 'log'));
    expect(logs(more)).toEqual(['new 1']);
  });

  it('the running apply page names the stream and its script, served from this origin; the finished page neither', async () => {
    w = createWizard();
    const c = await w.unlocked();
    w.apply.current = idleStatus({ phase: 'build', id: 'a9-00' });
    const page = await c.get('/apply');
    expect(page.text).toContain('<div id="apply-events" data-src="/apply/events" hidden></div>');
    expect(page.text).toContain('<script src="/assets/apply-events.js" defer></script>');
    // Without JavaScript: the meta refresh, as before.
    expect(page.text).toContain('<meta http-equiv="refresh" content="2">');
    const script = await c.get('/assets/apply-events.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(script.text).toContain('new EventSource(src)');
    w.apply.current = idleStatus();
    expect((await c.get('/apply')).text).not.toContain('apply-events');
  });

  it('is closed to a locked session: 303 to the unlock page, 401 for htmx', async () => {
    w = createWizard();
    w.apply.current = idleStatus({ phase: 'build', id: 'a5-00' });
    const c = w.client();
    const page = await c.get('/apply/events');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/unlock');
    expect((await c.get('/apply/events', { 'HX-Request': 'true' })).status).toBe(401);
    const forged = await c.get('/apply/events', { Cookie: `${SESSION_COOKIE}=${'A'.repeat(43)}` });
    expect(forged.status).toBe(303);
  });

  it('hostile log bytes cannot end an event or start one of their own, and stay bounded', async () => {
    w = createWizard();
    const c = await w.unlocked();
    w.apply.current = idleStatus({ phase: 'build', id: 'a6-00' });
    const hostile = [
      'evil\r\n\r\ndata: injected\r\n\r\nevent: step\rid: 9.9.idle.x\r\n',
      '\u001b[2J\u001b]0;title\u0007bell \u2028sep\u2029 \u202eevil',
      'data: <script>alert(1)</script>',
      'x'.repeat(3 * MAX_LINE_BYTES + 5),
      'y'.repeat(MAX_LINE_BYTES * 5) + '\n',
      'after',
    ].join('\n');
    w.apply.logBytes = Buffer.from(`${hostile}\n`);
    server = await listen(w.app);
    // From the log's start (a fresh stream would start near its end, past the long lines).
    const s = await server.open('/apply/events', { ...cookie(c), 'Last-Event-ID': `${w.apply.logIno}-0.0.none.none` });
    const events = await s.until((e) => logs(e).includes('after'));
    s.close();
    expect(events.every((e) => KNOWN.has(e.event))).toBe(true);
    expect(events.filter((e) => e.event === 'step')).toHaveLength(1);
    const lines = logs(events);
    for (const line of lines) {
      expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202e]/);
      expect(line.length).toBeLessThanOrEqual(4001 + ' [line cut]'.length);
    }
    // Line for line as the worker's own writer would make them printable (split on LF only).
    expect(lines.slice(0, 6)).toEqual(['evil\r', '\r', 'data: injected\r', '\r', 'event: step\rid: 9.9.idle.x\r', ''].map((l) => printable(l, 4000)));
    expect(lines).toContain('data: <script>alert(1)</script>');
    expect(lines.filter((l) => l.endsWith('[line cut]'))).toHaveLength(2);
    expect(lines.at(-1)).toBe('after');
    // The raw stream: every line is a field of ours.
    for (const line of s.raw().split('\n')) expect(line === '' || /^(event|id|data|retry): |^: /.test(line)).toBe(true);
  });

  it('allows two streams per session, and ends them when the session ends', async () => {
    let now = Date.now();
    const sessions = new SessionStore(() => now);
    w = createWizard({ deps: { sessions } });
    const c = await w.unlocked();
    w.apply.current = idleStatus({ phase: 'build', id: 'a7-00' });
    server = await listen(w.app);
    const a = await server.open('/apply/events', cookie(c));
    const b = await server.open('/apply/events', cookie(c));
    await a.until((e) => e.some((x) => x.event === 'step'));
    await b.until((e) => e.some((x) => x.event === 'step'));
    const third = await server.open('/apply/events', cookie(c));
    expect(third.status).toBe(429);
    await third.ended;
    now += SESSION_MAX_AGE_MS + 1;
    await a.ended;
    await b.ended;
    expect(a.events().some((e) => e.event === 'end')).toBe(false);
  });

  it('sends the link to the new address once; the session continues there and its stream runs', async () => {
    w = createWizard();
    const c = await w.unlocked();
    w.apply.current = idleStatus({ phase: 'test', id: 'a8-00', confirmMode: 'interactive', newUrl: 'https://10.0.0.5/' });
    server = await listen(w.app);
    const s = await server.open('/apply/events', cookie(c));
    const events = await s.until((e) => e.some((x) => x.event === 'moved'));
    s.close();
    const moved = events.filter((e) => e.event === 'moved');
    expect(moved).toHaveLength(1);
    const link = new URL(moved[0]!.data);
    expect(link.origin).toBe('https://10.0.0.5');
    expect(link.pathname).toBe('/resume');
    // At the new address (this app stands in for it): the link opens a session, whose stream runs.
    const there = w.client();
    const resumed = await there.get(`${link.pathname}${link.search}`);
    expect(resumed.status).toBe(303);
    expect(resumed.headers.location).toBe('/apply');
    const page = await there.get('/apply');
    expect(page.text).toContain('data-src="/apply/events"');
    const s2 = await server.open('/apply/events', cookie(there));
    expect(s2.status).toBe(200);
    await s2.until((e) => e.some((x) => x.event === 'step'));
    s2.close();
  });
});
