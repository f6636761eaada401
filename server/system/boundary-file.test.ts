/** The boundary reader's schema given as a loader (docs/decisions/0690): loaded only when there is a file to parse, and then it decides as a schema does. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readBoundaryFile } from './boundary-file.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function file(content: string | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'boundary-'));
  dirs.push(dir);
  const f = join(dir, 'f.json');
  if (content !== null) writeFileSync(f, content);
  return f;
}

describe('readBoundaryFile with a schema loader', () => {
  const loads: string[] = [];
  const spec = {
    what: 'the test file',
    maxBytes: 1024,
    format: 'json' as const,
    schema: async () => {
      loads.push('loaded');
      return z.object({ n: z.number().int() });
    },
  };

  it('does not load the schema for a file that is not there', async () => {
    loads.length = 0;
    expect(await readBoundaryFile(file(null), spec)).toEqual({ kind: 'absent' });
    expect(loads).toEqual([]);
  });

  it('does not load it for a file refused before parsing (too large, not JSON)', async () => {
    loads.length = 0;
    expect(await readBoundaryFile(file(`{"n":${'1'.repeat(2000)}}`), spec)).toMatchObject({
      kind: 'refused',
      reason: 'the test file is larger than 1024 bytes',
    });
    expect(await readBoundaryFile(file('{"n":'), spec)).toMatchObject({ kind: 'refused', reason: 'the test file is not valid JSON' });
    expect(loads).toEqual([]);
  });

  it('parses with the loaded schema: a wrong shape is refused by path, never echoed', async () => {
    loads.length = 0;
    const refused = await readBoundaryFile(file('{"n":"s3cret-value"}'), spec);
    expect(refused).toEqual({ kind: 'refused', reason: 'the test file is not in the expected form (n)' });
    expect(JSON.stringify(refused)).not.toContain('s3cret');
    expect(await readBoundaryFile(file('{"n":7}'), spec)).toMatchObject({ kind: 'ok', value: { n: 7 } });
    expect(loads).toEqual(['loaded', 'loaded']);
  });
});
