import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { unifiedDiff } from './diff.js';
import { MAX_LOG_BYTES, MAX_LOG_FILES, OutputLog } from './output-log.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('OutputLog', () => {
  it('stays bounded, keeps the tail, prunes old files and redacts secrets', () => {
    dir = mkdtempSync(join(tmpdir(), 'bowtie-log-'));
    const mirror = join(dir, 'output.log');
    for (let i = 0; i < MAX_LOG_FILES + 3; i++) new OutputLog(join(dir, 'logs'), `x-${i}`, null).close();
    expect(readdirSync(join(dir, 'logs')).length).toBeLessThanOrEqual(MAX_LOG_FILES + 1);
    const log = new OutputLog(join(dir, 'logs'), 'b-1', mirror, ['hunter2-secret-token']);
    const line = 'x'.repeat(1000);
    for (let i = 0; i < 3000; i++) log.write(`${i} ${line}`);
    log.write('error: the last line, with hunter2-secret-token in it');
    log.close();
    const text = readFileSync(log.file, 'utf8');
    expect(statSync(log.file).size).toBeLessThan(MAX_LOG_BYTES + 300_000);
    expect(text).toMatch(/lines omitted/);
    expect(text.trimEnd().endsWith('error: the last line, with [redacted] in it')).toBe(true);
    expect(text).not.toContain('hunter2-secret-token');
    expect(readFileSync(mirror, 'utf8')).toBe(text);
    expect(log.tail(1)).toEqual(['error: the last line, with [redacted] in it']);
  });
});

describe('unifiedDiff', () => {
  it('shows changed lines with context and nothing for equal texts', () => {
    const a = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].join('\n') + '\n';
    const b = a.replace('c\n', 'C\n').replace('j\n', 'j\nk\n');
    const d = unifiedDiff(a, b, 'a/x', 'b/x');
    expect(d).toContain('--- a/x\n+++ b/x\n');
    expect(d).toContain('-c\n+C\n');
    expect(d).toContain('+k\n');
    expect(d).toMatch(/^@@ -1,6 \+1,6 @@$/m);
    expect(unifiedDiff(a, a, 'a', 'b')).toBe('');
    expect(unifiedDiff('', 'new\n', '/dev/null', 'b/x')).toContain('@@ -0,0 +1,1 @@\n+new');
  });
});
