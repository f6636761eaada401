/**
 * Every CLI error is one printable line per problem, never a stack trace (docs/decisions/0600):
 * here an unexpected failure inside a command (the journal is a directory, so reading it fails
 * with EISDIR) and a message carrying terminal escapes.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../server/cli.js';
import { EXIT } from '../../server/exit-codes.js';

const root = mkdtempSync(join(tmpdir(), 'bowtie-cli-errors-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await main(args, { stdout: () => {}, stderr: (t) => (stderr += t) });
  return { code, stderr };
}

describe('CLI errors', () => {
  it('a worker that refuses its layout: one line naming the command and the reason, exit 3, no stack', async () => {
    mkdirSync(join(root, 'var/lib/bowtie-setup/state.json'), { recursive: true });
    const r = await run(['--simulate', '--root', root, 'reset', '--config', '--yes']);
    expect(r.code).toBe(EXIT.applyFailed);
    expect(r.stderr).toMatch(/^bowtie-setup reset: the apply service refused the request: .*state\.json: it is not a regular file/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);

  it('an error message is made printable: no escape sequence reaches the terminal', async () => {
    const r = await run(['--root', root, 'validate', join(root, 'no-such-\u001b[2J-file')]);
    expect(r.stderr).not.toContain('\u001b');
  });
});
