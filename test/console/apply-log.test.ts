/**
 * consoleLine: a log line from the other side of the privilege boundary, made inert for an
 * ASCII console of 80 columns. Every escape form a terminal acts on (7- and 8-bit CSI, OSC
 * ended by BEL or ST, DCS, single-character escapes) leaves nothing a terminal would act on.
 */
import { describe, expect, it } from 'vitest';
import { consoleLine, formatApplyLog } from '../../server/console/apply-log.js';

const ESC = '\u001b';

describe('consoleLine', () => {
  it.each([
    ['colour', `${ESC}[1;31merror${ESC}[0m: build failed`, 'error: build failed'],
    ['cursor and erase', `${ESC}[2J${ESC}[Hwiped${ESC}[K`, 'wiped'],
    ['8-bit CSI', '\u009b31mred\u009b0m', 'red'],
    ['OSC title by BEL', `${ESC}]0;pwned\u0007after`, 'after'],
    ['OSC hyperlink by ST', `${ESC}]8;;https://evil.example/${ESC}\\link${ESC}]8;;${ESC}\\`, 'link'],
    ['DCS introducer, payload shown inert', `${ESC}Pq#0;2;0;0;0${ESC}\\x`, 'q#0;2;0;0;0x'],
    ['keypad mode', `${ESC}=${ESC}>text`, 'text'],
    ['carriage return and backspace', 'safe\rEVIL\u0008\u0008', 'safe?EVIL??'],
    ['bidi override and line separator', 'a\u202eb\u2028c', 'a?b?c'],
    ['non-ASCII text', 'Gr\u00fc\u00dfe \u2713', 'Gr??e ?'],
    ['a CSI cut at the end', `tail${ESC}[`, 'tail'],
    ['a lone escape at the end', `tail${ESC}`, 'tail?'],
  ])('%s', (_name, input, shown) => {
    expect(consoleLine(input)).toBe(shown);
  });

  it('cuts a long line to fit 80 columns after the "  | " prefix, however it was padded with escapes', () => {
    const line = consoleLine(`${`${ESC}[0m`.repeat(5000)}${'y'.repeat(1000)}`);
    expect(line).toBe(`${'y'.repeat(73)}...`);
    expect(`  | ${line}`.length).toBe(80);
  });

  it('the "cannot be shown" line quotes the reason, never the file', () => {
    const lines = formatApplyLog({ kind: 'refused', reason: 'the apply output log is larger than 4194304 bytes' });
    expect(lines).toEqual(['The apply log cannot be shown:', '  the apply output log is larger than 4194304 bytes.']);
  });
});
