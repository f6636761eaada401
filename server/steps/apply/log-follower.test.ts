import { describe, expect, it } from 'vitest';
import type { LogChunk } from '../../apply/types.js';
import { CHUNK_BYTES, LogFollower, MAX_LINE_BYTES, TAIL_START_BYTES } from './log-follower.js';

/** A log that the test appends to, read as the client reads the published file. */
function growingLog(file = '7-1') {
  let bytes = Buffer.alloc(0);
  let reads = 0;
  return {
    append(text: string | Buffer) {
      bytes = Buffer.concat([bytes, Buffer.from(text)]);
    },
    replace(text: string, id: string) {
      bytes = Buffer.from(text);
      file = id;
    },
    get reads() {
      return reads;
    },
    read: async (offset: number, max: number): Promise<LogChunk | null> => {
      reads++;
      return { bytes: bytes.subarray(offset, offset + max), file, size: bytes.length };
    },
  };
}

const all = async (f: LogFollower) => {
  const out: string[] = [];
  for (;;) {
    const s = await f.next();
    out.push(...s.lines.map((l) => l.text));
    if (!s.more) return out;
  }
};

describe('LogFollower', () => {
  it('hands out complete lines only, whole characters across chunk edges, and resumes after each', async () => {
    const log = growingLog();
    const f = new LogFollower(log.read, { file: '7-1', offset: 0 });
    // 655 lines of 100 bytes, then a line whose 'é' spans bytes 65535 and 65536: the first
    // chunk's end cuts that character in two.
    const filler = `${'a'.repeat(99)}\n`.repeat(655);
    const straddling = `b${'é'.repeat(20)}`;
    log.append(`${filler}${straddling}\nhalf`);
    expect(Buffer.byteLength(filler) + 1 + 2 * 18).toBeGreaterThan(CHUNK_BYTES);
    const lines = await all(f);
    expect(lines).toHaveLength(656);
    expect(lines.at(-1)).toBe(straddling);
    log.append(' done\n€€€\n');
    expect(await all(f)).toEqual(['half done', '€€€']);
    expect(f.position).toEqual({ file: '7-1', offset: Buffer.byteLength(`${filler}${straddling}\nhalf done\n€€€\n`) });
    // A reader that resumes from a line's position gets what follows it, nothing before.
    log.append('next\n');
    const resumed = new LogFollower(log.read, f.position);
    expect(await all(resumed)).toEqual(['next']);
  });

  it('cuts a line longer than the cap and skips its rest, over several chunks', async () => {
    const log = growingLog();
    const f = new LogFollower(log.read, { file: '7-1', offset: 0 });
    log.append(`${'a'.repeat(MAX_LINE_BYTES * 9)}\nshort\n`);
    const lines = await all(f);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^a{4000}… \[line cut\]$/);
    expect(lines[1]).toBe('short');
  });

  it('starts near the end at a line start when fresh, and at 0 when the log is another file or shorter', async () => {
    const log = growingLog();
    const many = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
    log.append(`${many.join('\n')}\n`);
    const fresh = new LogFollower(log.read, null);
    const first = await fresh.next();
    expect(first.restarted).toBe(true);
    const lines = await all(fresh);
    const got = [...first.lines.map((l) => l.text), ...lines];
    expect(got.at(-1)).toBe('line 4999');
    expect(many.slice(-got.length)).toEqual(got); // whole lines, the last ones
    expect(Buffer.byteLength(got.join('\n'))).toBeLessThanOrEqual(TAIL_START_BYTES);

    log.replace('new log\n', '8-2');
    const other = await fresh.next();
    expect(other.restarted).toBe(true);
    expect(other.start).toEqual({ file: '8-2', offset: 0 });
    expect(other.lines.map((l) => l.text)).toEqual(['new log']);
  });

  it('stops each round at its budget', async () => {
    const log = growingLog();
    log.append(`${'z'.repeat(99)}\n`.repeat(20_000)); // 2 MB
    const f = new LogFollower(log.read, { file: '7-1', offset: 0 });
    const round = await f.next(CHUNK_BYTES);
    expect(round.more).toBe(true);
    expect(round.lines.length).toBeLessThan(20_000);
    expect(round.lines.length * 100).toBeLessThanOrEqual(2 * CHUNK_BYTES);
  });
});
