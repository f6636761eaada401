/**
 * The real Nix evaluator for tests. Many fragments are evaluated in one nix-instantiate run:
 * they are concatenated into one Nix list in a temp file, so 10,000 fragments cost one process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function requireNix(): void {
  try {
    execFileSync('nix-instantiate', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('nix-instantiate is missing (Debian package nix-bin): the Nix evaluator tests cannot run');
  }
}

/** Evaluates `selector` applied to each fragment (e.g. "m: m.bowtie.site") and returns the JSON values. */
export function evalFragments(fragments: string[], selector = 'm: m.bowtie.site'): unknown[] {
  const dir = mkdtempSync(join(tmpdir(), 'bowtie-nix-'));
  try {
    const file = join(dir, 'fragments.nix');
    writeFileSync(file, `[\n${fragments.map((f) => `(\n${f})\n`).join('')}]\n`);
    const out = execFileSync(
      'nix-instantiate',
      ['--eval', '--strict', '--json', '--expr', `map (${selector}) (import ${file})`],
      { maxBuffer: 1 << 30, encoding: 'utf8', env: { ...process.env, NIX_PATH: '' } },
    );
    return JSON.parse(out) as unknown[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function parseNixFile(file: string): void {
  execFileSync('nix-instantiate', ['--parse', file], { stdio: ['ignore', 'ignore', 'pipe'] });
}
