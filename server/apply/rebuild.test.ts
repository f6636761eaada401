/**
 * The adapter's command runner (node:child_process since docs/decisions/0690; execa before):
 * what it reports for a command that succeeds, fails, is killed, times out or cannot be
 * started, and that every line of output reaches onLine, the last one without its newline too.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { enginePaths } from './paths.js';
import { describeResult, RebuildAdapter } from './rebuild.js';

const root = mkdtempSync(join(tmpdir(), 'rebuild-adapter-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const paths = enginePaths(root);
mkdirSync(paths.buildDir, { recursive: true });

function script(name: string, body: string): string {
  const file = join(root, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

async function run(file: string, timeoutMs = 20_000, isolate = false) {
  const lines: string[] = [];
  const adapter = new RebuildAdapter(paths, file, { env: { PATH: process.env.PATH ?? '' }, isolate });
  const result = await adapter.rebuild('build', { timeoutMs, onLine: (l) => lines.push(l) });
  return { result, lines };
}

describe('RebuildAdapter runs a command', () => {
  it('passes its output line by line (stdout and stderr, a last line without newline) and its arguments', async () => {
    const { result, lines } = await run(script('ok', 'echo "args: $*"; echo to-stderr >&2; printf "cwd=%s\\nlast" "$(pwd)"'));
    expect(result).toMatchObject({ ok: true, exitCode: 0, signal: null, timedOut: false });
    expect(lines.sort()).toEqual(['args: build --log-format internal-json -v', `cwd=${paths.buildDir}`, 'last', 'to-stderr'].sort());
    expect(describeResult(result)).toBe('succeeded');
  });

  it('reports an exit code, and gives the child only the allowlisted environment plus the root', async () => {
    const { result, lines } = await run(script('fails', 'env | sort; exit 4'));
    expect(result).toMatchObject({ ok: false, exitCode: 4, signal: null, timedOut: false });
    expect(describeResult(result)).toBe('failed with exit code 4 (some units failed to start)');
    expect(lines.map((l) => l.split('=')[0]).filter((k) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(k!))).toEqual(['BOWTIE_SETUP_ROOT', 'PATH']);
  });

  it('reports a signal', async () => {
    const { result } = await run(script('killed', 'kill -TERM $$'), 20_000, true);
    expect(result).toMatchObject({ ok: false, exitCode: null, signal: 'SIGTERM', timedOut: false });
    expect(describeResult(result)).toBe('was killed by SIGTERM');
  });

  it('kills a command that outlives its timeout, and says so', async () => {
    const { result } = await run(script('hangs', 'echo started; exec sleep 30'), 300, true);
    expect(result).toMatchObject({ ok: false, timedOut: true });
    expect(describeResult(result)).toBe('timed out (killed)');
  });

  it('reports a command that cannot be started as failed, without a code or a signal', async () => {
    const { result, lines } = await run(join(root, 'no-such-nixos-rebuild'));
    expect(result).toMatchObject({ ok: false, exitCode: null, signal: null, timedOut: false });
    expect(lines).toEqual([]);
    expect(describeResult(result)).toBe('failed with exit code ?');
  });
});
