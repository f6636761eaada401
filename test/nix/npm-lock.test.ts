/**
 * nix/npm-lock.nix, the pure function that lets Nix fetch the npm dependencies although the
 * lock names no registry: its fetch list covers every package of package-lock.json that npm
 * would download (not the root, not links, not what comes inside a parent's tarball), each by
 * its sha512 integrity, at npm's own tarball URL under the registry handed in. Evaluated by the
 * real Nix evaluator, compared with the lock read here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findNixpkgsLib, requireNix } from '../helpers/nix.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const REGISTRY = 'https://registry.invalid/npm/';

interface LockEntry {
  version?: string;
  integrity?: string;
  resolved?: string;
  link?: boolean;
  inBundle?: boolean;
  name?: string;
}

function expected(): Map<string, { url: string; hash: string }> {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const out = new Map<string, { url: string; hash: string }>();
  for (const [path, p] of Object.entries(lock.packages)) {
    if (path === '' || p.link || p.inBundle) continue;
    const name = p.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const base = name.split('/').pop()!;
    out.set(path, { url: `https://registry.invalid/npm/${name}/-/${base}-${p.version}.tgz`, hash: p.integrity! });
  }
  return out;
}

describe('nix/npm-lock.nix', () => {
  it('the lock names no registry', () => {
    expect(readFileSync(join(REPO, 'package-lock.json'), 'utf8')).not.toMatch(/"resolved":/);
  });

  it('fetches every package npm would download, by its sha512, from the registry handed in', () => {
    requireNix();
    const lib = findNixpkgsLib();
    if (!lib.dir) throw new Error(`nixpkgs lib not found: ${lib.reason}`);
    const expr = `(import ${join(REPO, 'nix/npm-lock.nix')} { lib = import ${lib.dir}; }).fetchList { lock = builtins.fromJSON (builtins.readFile ${join(REPO, 'package-lock.json')}); registry = "${REGISTRY}"; }`;
    const list = JSON.parse(
      execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '--expr', expr], {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
        env: { ...process.env, NIX_PATH: '' },
      }),
    ) as { path: string; url: string; hash: string }[];
    const want = expected();
    expect(want.size).toBeGreaterThan(100);
    expect(new Map(list.map((e) => [e.path, { url: e.url, hash: e.hash }]))).toEqual(want);
    for (const e of list) expect(e.hash, e.path).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    // Scoped packages keep their scope in the path and drop it from the file name.
    const scoped = list.find((e) => e.path === 'node_modules/@types/node');
    expect(scoped?.url).toMatch(/^https:\/\/registry\.invalid\/npm\/@types\/node\/-\/node-[\d.]+\.tgz$/);
  });

  it('refuses a registry that is not a URL', () => {
    const lib = findNixpkgsLib();
    const expr = `(import ${join(REPO, 'nix/npm-lock.nix')} { lib = import ${lib.dir}; }).fetchList { lock = { packages = { }; }; registry = "registry.example"; }`;
    expect(() =>
      execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '--expr', expr], {
        encoding: 'utf8',
        stdio: 'pipe',
        env: { ...process.env, NIX_PATH: '' },
      }),
    ).toThrow(/npmRegistry must be your npm registry's base URL/);
  });
});
