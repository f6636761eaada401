import { describe, expect, it } from 'vitest';
import { OTHER_KEY_LINES, otherKeyLines } from './other-keys.js';

describe('otherKeyLines', () => {
  it('gives each key not acted on its line, in the order written, with the reason where one is known', () => {
    expect(otherKeyLines({ runcmd: [], bowtie_setup: {}, zz: 1, hostname: 'x' }, new Set(['hostname']), 'part 1')).toEqual([
      'part 1 key runcmd: not acted on; no commands are run',
      "part 1 key zz: not acted on; it is cloud-init's business, not bowtie-setup's",
    ]);
  });

  it('never repeats a key that could be a value, and stays bounded for 10,000 keys', () => {
    const top = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));
    top['ssh-rsa AAAA secret'] = 1;
    const lines = otherKeyLines(top, new Set(), null);
    expect(lines).toHaveLength(OTHER_KEY_LINES + 1);
    expect(lines.at(-1)).toBe(`the user data has ${10_001 - OTHER_KEY_LINES} more keys: not acted on`);
    expect(otherKeyLines({ 'ssh-rsa AAAA secret': 1 }, new Set(), null)).toEqual([
      'the user data has a key whose name is not shown (it may hold a value): not acted on',
    ]);
  });
});
