/**
 * The real Nix evaluator for tests. Many fragments are evaluated in one nix-instantiate run:
 * they are concatenated into one Nix list in a temp file, so 10,000 fragments cost one process.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
    const out = execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '--expr', `map (${selector}) (import ${file})`], {
      maxBuffer: 1 << 30,
      encoding: 'utf8',
      env: { ...process.env, NIX_PATH: '' },
    });
    return JSON.parse(out) as unknown[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function parseNixFile(file: string): void {
  execFileSync('nix-instantiate', ['--parse', file], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * nixpkgs' lib for lib.evalModules, the first of: NIXPKGS_LIB (a folder holding lib/, or lib/
 * itself); the copy vendored beside the checkout (../shared/vendor/nixpkgs-lib, what CI has);
 * `<nixpkgs/lib>` on NIX_PATH.
 */
export function findNixpkgsLib(): { dir: string | null; reason: string } {
  const repo = fileURLToPath(new URL('../..', import.meta.url));
  const candidates: string[] = [];
  if (process.env.NIXPKGS_LIB) candidates.push(resolve(process.env.NIXPKGS_LIB));
  candidates.push(resolve(repo, '../shared/vendor/nixpkgs-lib'));
  try {
    const found = execFileSync('nix-instantiate', ['--find-file', 'nixpkgs/lib'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (found) candidates.push(found);
  } catch {
    // no <nixpkgs> on NIX_PATH
  }
  for (const root of candidates) {
    if (existsSync(join(root, 'lib/default.nix'))) return { dir: join(root, 'lib'), reason: '' };
    if (existsSync(join(root, 'default.nix')) && existsSync(join(root, 'modules.nix'))) return { dir: root, reason: '' };
  }
  return { dir: null, reason: `no nixpkgs lib in NIXPKGS_LIB, ../shared/vendor/nixpkgs-lib or <nixpkgs/lib> (looked in: ${candidates.join(', ')})` };
}
