/**
 * The console's "last apply log": the tail of the output log the worker publishes
 * (status/output.log, docs/decisions/0100), read through the boundary reader as the wizard
 * reads it, and made inert for an ASCII console: colour and cursor sequences are dropped,
 * every other control character and anything outside printable ASCII becomes "?", and each
 * line is cut to fit 80 columns. The log holds what nix and the engine printed, which a hostile
 * document or store path can steer; none of it may move the cursor or retitle a terminal.
 */
import { readOutputLog } from '../apply/output-log.js';
import { enginePaths } from '../apply/paths.js';
import { printable } from '../system/boundary-file.js';

export const LOG_TAIL_LINES = 20;
/** "  | " and 76 characters: 80 columns. */
const WIDTH = 76;

export type ApplyLogTail = { kind: 'none' } | { kind: 'refused'; reason: string } | { kind: 'lines'; lines: string[] };

// CSI (ESC [ ... final, or 8-bit), OSC (ESC ] ... BEL or ST) and the other escapes (ESC, any
// intermediates, one final): dropped whole, so "ESC[31m" does not leave "[31m" behind.
// Whatever else remains is replaced below.

const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[ -/]*[0-~]/g;

/** One log line as the console shows it: printable ASCII only, at most `width` characters. */
export function consoleLine(line: string, width = WIDTH): string {
  const inert = printable(line.replace(ESCAPES, ''), width * 4).replace(/[^\x20-\x7e]/g, '?');
  return inert.length > width ? `${inert.slice(0, width - 3)}...` : inert;
}

export async function readApplyLogTail(root: string, count = LOG_TAIL_LINES): Promise<ApplyLogTail> {
  const read = await readOutputLog(enginePaths(root).output);
  if (read.kind === 'absent') return { kind: 'none' };
  if (read.kind === 'refused') return { kind: 'refused', reason: read.reason };
  const all = read.value.split(/\r?\n/);
  if (all[all.length - 1] === '') all.pop();
  if (all.length === 0) return { kind: 'none' };
  return { kind: 'lines', lines: all.slice(-count).map((l) => consoleLine(l)) };
}

/** The screen for menu entry 5. */
export function formatApplyLog(tail: ApplyLogTail): string[] {
  switch (tail.kind) {
    case 'none':
      return ['No apply has run yet: there is no log to show.'];
    case 'refused':
      // The reason names the file and what was wrong with it, never its content.
      return ['The apply log cannot be shown:', `  ${consoleLine(`${tail.reason}.`, 78)}`];
    case 'lines':
      return [`The last ${tail.lines.length} lines of the last apply's log:`, ...tail.lines.map((l) => `  | ${l}`)];
  }
}
