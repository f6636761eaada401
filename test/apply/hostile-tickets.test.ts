/**
 * The root worker against tickets a compromised wizard could write (docs/decisions/0600): each
 * is refused whole, its reason published without its content, nothing outside the worker's own
 * files changes (a canary directory outside the sandbox included), and afterwards a good ticket
 * applies. Run in-process against a sandbox root with the old fixture applied.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enginePaths } from '../../server/apply/paths.js';
import { readTicket } from '../../server/apply/spool.js';
import { readPublishedStatus } from '../../server/apply/status.js';
import { runWorker } from '../../server/apply/worker.js';
import { readBoundaryFile } from '../../server/system/boundary-file.js';
import { z } from 'zod';
import { cloneRoot, fixtureDoc, oldAndNewRoots, removeRoots, testEnv, whichConfig, type Snapshot } from './harness.js';

let template: string;
let oldSnap: Snapshot;
let newSnap: Snapshot;
let canary: string;
const SECRET = 'Canary-Secret-Value-7731';
const isRoot = process.getuid?.() === 0;

beforeAll(async () => {
  ({ template, oldSnap, newSnap } = await oldAndNewRoots());
  canary = mkdtempSync(join(tmpdir(), 'bowtie-canary-'));
  writeFileSync(join(canary, 'victim'), 'do not touch\n');
  mkdirSync(join(canary, 'dir'));
  writeFileSync(join(canary, 'dir', 'victim.log'), 'do not touch\n');
}, 120_000);

afterAll(() => {
  removeRoots();
  rmSync(canary, { recursive: true, force: true });
});

const good = () => ({
  id: 'mk1abc-0123abcd',
  createdAt: new Date().toISOString(),
  source: 'web',
  confirm: 'health-gate',
  confirmWindowSeconds: 120,
  document: fixtureDoc('new'),
});

type Plant = (request: string) => void;
const json =
  (value: unknown): Plant =>
  (request) =>
    writeFileSync(request, JSON.stringify(value), { mode: 0o600 });
const raw =
  (bytes: string | Buffer): Plant =>
  (request) =>
    writeFileSync(request, bytes, { mode: 0o600 });
const withTicket = (change: (t: Record<string, unknown>) => void): Plant => {
  const t: Record<string, unknown> = good();
  (t.document as { enrollment: { token: string } }).enrollment.token = SECRET;
  change(t);
  return json(t);
};

/** Every hostile ticket, by what it tries. */
function corpus(): [string, Plant][] {
  return [
    ['traversal id to a file outside', withTicket((t) => (t.id = `x/../../../../../..${canary}/victim`))],
    ['traversal id to a directory outside', withTicket((t) => (t.id = `../../../../../..${canary}/dir/victim`))],
    ['absolute id', withTicket((t) => (t.id = `${canary}/victim`))],
    ['dot-dot id', withTicket((t) => (t.id = '..'))],
    ['empty id', withTicket((t) => (t.id = ''))],
    ['id with a newline and escape sequences', withTicket((t) => (t.id = 'a-1\n\u001b[2J\u001b]0;pwned\u0007'))],
    ['id of 1000 characters', withTicket((t) => (t.id = `a-${'f'.repeat(998)}`))],
    ['numeric id', withTicket((t) => (t.id = 5))],
    ['null id', withTicket((t) => (t.id = null))],
    ['id with a NUL', withTicket((t) => (t.id = 'a-1\u0000b'))],
    ['upper-case id', withTicket((t) => (t.id = 'A-1'))],
    ['source with terminal escapes', withTicket((t) => (t.source = 'web\u001b]0;owned\u0007\n[ok] applied'))],
    ['unknown source', withTicket((t) => (t.source = 'root'))],
    ['confirm mode "skip"', withTicket((t) => (t.confirm = 'skip'))],
    ['confirm window of 1e9 s', withTicket((t) => (t.confirmWindowSeconds = 1e9))],
    ['negative confirm window', withTicket((t) => (t.confirmWindowSeconds = -5))],
    ['zero confirm window', withTicket((t) => (t.confirmWindowSeconds = 0))],
    ['confirm window under 30 s', withTicket((t) => (t.confirmWindowSeconds = 29))],
    ['confirm window over 900 s', withTicket((t) => (t.confirmWindowSeconds = 901))],
    ['fractional confirm window', withTicket((t) => (t.confirmWindowSeconds = 120.5))],
    ['confirm window as a string', withTicket((t) => (t.confirmWindowSeconds = '120'))],
    ['confirm window "NaN"', withTicket((t) => (t.confirmWindowSeconds = 'NaN'))],
    ['huge number as a literal', raw(JSON.stringify(good()).replace('"confirmWindowSeconds":120', `"confirmWindowSeconds":1${'0'.repeat(400)}`))],
    ['not a date', withTicket((t) => (t.createdAt = 'yesterday'))],
    ['extra key', withTicket((t) => (t.evil = true))],
    ['__proto__ key', raw(JSON.stringify(good()).replace('{', '{"__proto__":{"taken":false,"reset":"factory"},'))],
    ['unknown reset mode', withTicket((t) => (t.reset = 'everything'))],
    ['a password without a reset', withTicket((t) => (t.password = 'hunter2-hunter2'))],
    ['a reset password of 1025 characters', withTicket((t) => ((t.reset = 'config'), (t.password = 'p'.repeat(1025))))],
    ['an empty reset password', withTicket((t) => ((t.reset = 'config'), (t.password = '')))],
    ['a reset password that is a list', withTicket((t) => ((t.reset = 'config'), (t.password = ['a', 'b'])))],
    ['taken as a string', withTicket((t) => (t.taken = 'yes'))],
    ['a list', json([good()])],
    ['a string', json('apply')],
    ['null', json(null)],
    ['invalid JSON holding a secret', raw(`{"id": "a-1", "token": "${SECRET}"`)],
    ['not UTF-8', raw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))],
    ['two JSON documents', raw(`${JSON.stringify(good())}${JSON.stringify(good())}`)],
    ['empty file', raw('')],
    ['larger than the cap', raw(`{"id":"a-1","pad":"${'x'.repeat(8 * 1024 * 1024)}"}`)],
    ['link to /dev/zero', (r) => symlinkSync('/dev/zero', r)],
    ['link to a file outside', (r) => symlinkSync(join(canary, 'victim'), r)],
    ['dangling link', (r) => symlinkSync(join(canary, 'nowhere'), r)],
    ['FIFO', (r) => execFileSync('mkfifo', [r])],
    ['directory', (r) => mkdirSync(r)],
    ['hard link to a file outside', (r) => linkSync(join(canary, 'victim'), r)],
    ...(isRoot
      ? ([
          [
            'file of another owner',
            (r: string) => {
              withTicket(() => {})(r);
              chownSync(r, 4242, 4242);
            },
          ],
          ['character device', (r: string) => execFileSync('mknod', [r, 'c', '1', '3'])],
        ] as [string, Plant][])
      : []),
  ];
}

/** Path -> size, mode and mtime of everything under `dir` (links by their target). */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      const st = lstatSync(full);
      out.set(relative(dir, full), `${st.mode}:${st.isFile() ? st.size : 0}:${st.isFile() ? st.mtimeMs : 0}`);
      if (st.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out;
}

/** What a refused ticket may change: the journal, the published status, the lock, the ticket. */
const MAY_CHANGE = [
  /^var\/lib\/bowtie-setup\/state\.json$/,
  /^var\/lib\/bowtie-setup\/apply\.lock/,
  /^run\/bowtie-setup\/status(\/|$)/,
  /^run\/bowtie-setup\/spool\/request\.json/,
  /^var\/lib\/bowtie-setup\/?$/,
  /^run\/bowtie-setup\/spool$/,
];

describe('hostile tickets', () => {
  const cases = corpus();

  it('the corpus has at least 40 tickets', () => {
    expect(cases.length).toBeGreaterThanOrEqual(isRoot ? 44 : 42);
  });

  // One root for the whole corpus, as on an appliance under attack: each ticket is refused in
  // turn, and then a good one applies (an apply takes seconds; a refusal milliseconds).
  let root: string;
  beforeAll(() => {
    root = cloneRoot(template);
  });

  it.each(cases)(
    '%s: refused and published, nothing else touched',
    async (_name, plant) => {
      const p = enginePaths(root);
      const before = tree(root);
      const canaryBefore = tree(canary);
      const canaryVictim = readFileSync(join(canary, 'victim'), 'utf8');
      plant(p.request);
      const outcome = await runWorker({ root, simulate: true, env: testEnv() });
      expect(outcome.results).toEqual([]);
      // Nothing outside the worker's own files changed, in the sandbox or outside it.
      expect(tree(canary)).toEqual(canaryBefore);
      expect(readFileSync(join(canary, 'victim'), 'utf8')).toBe(canaryVictim);
      const after = tree(root);
      for (const [path, sig] of after) {
        if (MAY_CHANGE.some((re) => re.test(path))) continue;
        expect(before.get(path), `${path} appeared or changed`).toBe(sig);
      }
      for (const path of before.keys()) if (!MAY_CHANGE.some((re) => re.test(path))) expect(after.has(path), `${path} disappeared`).toBe(true);
      expect(whichConfig(root, oldSnap, newSnap)).toBe('old');
      // The refusal is published, in printable words, without the ticket's content.
      const status = await readPublishedStatus(p.status);
      expect(status?.refusal?.reason).toMatch(/the apply ticket/);
      const published = readFileSync(p.status, 'utf8');
      expect(published).not.toContain(SECRET);
      expect(published).not.toMatch(/pwned|owned|\\u001b|\\u0007/);
      expect(status?.next).toMatch(/refused/);
      expect(lstatSync(p.request, { throwIfNoEntry: false })).toBeUndefined();
    },
    60_000,
  );

  it('after all of them, a good ticket applies and the refusal is cleared', async () => {
    const p = enginePaths(root);
    json(good())(p.request);
    const next = await runWorker({ root, simulate: true, env: testEnv() });
    expect(next.results.map((r) => r.outcome)).toEqual(['applied']);
    expect(whichConfig(root, oldSnap, newSnap)).toBe('new');
    expect((await readPublishedStatus(p.status))?.refusal ?? null).toBeNull();
  }, 60_000);
});

describe('the boundary reader', () => {
  it('refuses a file whose size does not match what it read (changed while read)', async () => {
    // procfs files report size 0 and hold more: the same check catches a file rewritten mid-read.
    const r = await readBoundaryFile('/proc/self/status', { what: 'the file', maxBytes: 1 << 16, format: 'text', schema: z.string() });
    expect(r).toEqual({ kind: 'refused', reason: 'the file changed while it was read' });
  });

  it('a ticket rewritten in place while the worker reads it is read whole or refused, never half', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bowtie-race-'));
    const file = join(dir, 't.json');
    writeFileSync(file, JSON.stringify({ a: 1 }));
    const writer = execFileSync(
      'sh',
      [
        '-c',
        `(i=0; while [ $i -lt 4000 ]; do printf '{"a":%s}' $i > ${file}; printf '{"a":%s,"pad":"${'y'.repeat(2000)}"}' $i > ${file}; i=$((i+1)); done) >/dev/null 2>&1 & echo $!`,
      ],
      { encoding: 'utf8' },
    ).trim();
    const kinds = new Set<string>();
    try {
      for (let i = 0; i < 300; i++) {
        const r = await readBoundaryFile(file, {
          what: 'the file',
          maxBytes: 1 << 16,
          format: 'json',
          schema: z.strictObject({ a: z.number() }).or(z.strictObject({ a: z.number(), pad: z.string() })),
        });
        kinds.add(r.kind);
        if (r.kind === 'ok') expect(typeof r.value.a).toBe('number');
        else if (r.kind === 'refused') expect(r.reason).toMatch(/changed while it was read|not valid JSON|not in the expected form/);
      }
    } finally {
      try {
        process.kill(Number(writer));
      } catch {
        // already done
      }
      rmSync(dir, { recursive: true, force: true });
    }
    expect(kinds.has('ok') || kinds.has('refused')).toBe(true);
  });

  it('never quotes the content in a refusal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bowtie-quote-'));
    try {
      const file = join(dir, 'x');
      writeFileSync(file, JSON.stringify({ [SECRET]: 1, a: SECRET }));
      const r = await readBoundaryFile(file, { what: 'the file', maxBytes: 1000, format: 'json', schema: z.strictObject({ a: z.number() }) });
      expect(r.kind).toBe('refused');
      expect(JSON.stringify(r)).not.toContain(SECRET);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a ticket the worker never takes', () => {
  it('is reported as the apply service not running after 10 s, not as "queued" forever', async () => {
    const root = cloneRoot(template);
    const p = enginePaths(root);
    const t = good();
    json({ ...t, createdAt: new Date(Date.now() - 60_000).toISOString() })(p.request);
    // Age comes from the file's time, as a worker would see it.
    execFileSync('touch', ['-d', '1 minute ago', p.request]);
    const { createApplyClient } = await import('../../server/apply/client.js');
    const c = createApplyClient({ root, simulate: true, startWorker: async () => {} });
    const s = await c.status();
    expect(s.phase).toBe('queued');
    expect(s.next).toMatch(/apply service is not running/);
    expect(s.next).toMatch(/systemctl status bowtie-setup-apply\.service/);
    expect((await readTicket(p))?.kind).toBe('ok');
  });
});

describe('a worker that refuses its layout', () => {
  it('publishes why; the wizard withdraws its request and says so instead of restarting the worker every 2 s', async () => {
    const { createApplyClient } = await import('../../server/apply/client.js');
    const { spawnWorker } = await import('../../server/apply/launch.js');
    const root = cloneRoot(template);
    const p = enginePaths(root);
    rmSync(p.logsDir, { recursive: true, force: true });
    symlinkSync(canary, p.logsDir);
    let starts = 0;
    const c = createApplyClient({
      root,
      simulate: true,
      startWorker: async () => {
        starts++;
        spawnWorker(root, true, testEnv()).unref();
      },
    });
    await c.start({ document: fixtureDoc('new'), source: 'web', confirm: 'interactive' });
    let s = await c.status();
    const deadline = Date.now() + 60_000;
    while (!s.refusal && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      s = await c.status();
    }
    expect(s.refusal?.reason).toMatch(/symbolic link/);
    expect(s.phase).toBe('idle');
    expect(s.next).toMatch(/refused the request.*systemctl status bowtie-setup-apply\.service/);
    expect(await readTicket(p)).toBeNull();
    // Reading the status again, past the client's 2 s throttle, does not start the worker again.
    const started = starts;
    await new Promise((r) => setTimeout(r, 2100));
    for (let i = 0; i < 5; i++) await c.status();
    expect(starts).toBe(started);
    expect(tree(canary).size).toBe(2 + 1);
  }, 90_000);
});
