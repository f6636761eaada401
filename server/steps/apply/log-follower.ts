/**
 * Reads the apply's output log (published by the worker, docs/decisions/0600) line by line
 * from a byte offset, for the progress stream. Memory stays bounded whatever the file holds:
 * it is read in chunks, a line longer than MAX_LINE_BYTES is cut there and the rest of it
 * skipped, and each line is made printable (no control characters, at most 4000 characters)
 * before anyone sees it.
 */
import { printable } from '../../system/boundary-file.js';
import type { LogChunk } from '../../apply/types.js';

export const CHUNK_BYTES = 64 * 1024;
/** Longer lines are cut (the worker's own lines are at most 4000 characters). */
export const MAX_LINE_BYTES = 16 * 1024;
/** A fresh stream starts this far from the end (a few hundred lines), at a line start. */
export const TAIL_START_BYTES = 32 * 1024;

export interface LogPosition {
  /** Which log (LogChunk.file). */
  file: string;
  /** Byte offset just after the last line handed out. */
  offset: number;
}

export interface LogLine {
  text: string;
  /** The position after this line: where a reader that has seen it resumes. */
  after: LogPosition;
}

export interface LogStep {
  /** The file is another one than the position's (a new apply's log), or shorter: start again. */
  restarted: boolean;
  /** Where the lines start when restarted: what a reader that has seen none of them resumes from. */
  start: LogPosition | null;
  lines: LogLine[];
  /** Unread complete lines remain beyond the budget. */
  more: boolean;
}

export class LogFollower {
  private pos: LogPosition | null;
  /** Inside a line that was cut: its remaining bytes are dropped up to the next line break. */
  private skipping: boolean;

  /** `from`: where a reconnecting reader was; null starts near the end. */
  constructor(
    private readonly read: (offset: number, maxBytes: number) => Promise<LogChunk | null>,
    from: LogPosition | null,
  ) {
    this.pos = from;
    this.skipping = false;
  }

  get position(): LogPosition | null {
    return this.pos;
  }

  /** The next complete lines, at most `budget` bytes of them. */
  async next(budget = 4 * CHUNK_BYTES): Promise<LogStep> {
    let restarted = false;
    let restartAt: LogPosition | null = null;
    const lines: LogLine[] = [];
    let used = 0;
    for (;;) {
      const offset = this.pos?.offset ?? 0;
      const chunk = await this.read(offset, CHUNK_BYTES);
      if (!chunk) return { restarted, start: restartAt, lines, more: false };
      if (this.pos === null || chunk.file !== this.pos.file || chunk.size < this.pos.offset) {
        // First read, or a new log: start at its beginning, or near its end at a line start.
        const fresh = this.pos === null;
        restarted = true;
        const start = fresh ? Math.max(0, chunk.size - TAIL_START_BYTES) : 0;
        this.pos = { file: chunk.file, offset: start };
        restartAt = this.pos;
        this.skipping = start > 0;
        lines.length = 0;
        continue;
      }
      if (chunk.bytes.length === 0) return { restarted, start: restartAt, lines, more: false };
      let at = 0;
      const bytes = chunk.bytes;
      const decode = (from: number, to: number) => printable(new TextDecoder().decode(bytes.subarray(from, to)), 4000);
      while (at < bytes.length) {
        const nl = bytes.indexOf(0x0a, at);
        if (this.skipping) {
          if (nl === -1) {
            at = bytes.length;
            break;
          }
          this.skipping = false;
          at = nl + 1;
          continue;
        }
        const end = nl === -1 ? bytes.length : nl;
        if (end - at > MAX_LINE_BYTES) {
          // Too long: its start is shown, the rest is dropped up to its line break.
          const text = `${decode(at, at + MAX_LINE_BYTES)} [line cut]`;
          if (nl === -1) {
            at = bytes.length;
            this.skipping = true;
          } else at = nl + 1;
          lines.push({ text, after: { file: chunk.file, offset: offset + at } });
          used += MAX_LINE_BYTES;
          continue;
        }
        if (nl === -1) break; // an unfinished line: wait for its end
        const text = decode(at, nl);
        used += nl + 1 - at;
        at = nl + 1;
        lines.push({ text, after: { file: chunk.file, offset: offset + at } });
      }
      this.pos = { file: chunk.file, offset: offset + at };
      if (at === 0) return { restarted, start: restartAt, lines, more: false };
      if (used >= budget) return { restarted, start: restartAt, lines, more: true };
    }
  }
}
