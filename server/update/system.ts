/**
 * The updater's view of the system: `nix copy`, `nixos-rebuild`, `systemctl` and the network,
 * behind one small interface so that tests run it against fake executables on PATH (and the
 * nixos-rebuild simulator) instead of a NixOS machine.
 *
 * nixos-rebuild is chosen as everywhere else (DESIGN.md "Activation"): BOWTIE_SETUP_NIXOS_REBUILD
 * when set, the simulator under --simulate, else the one on PATH; it runs with
 * BOWTIE_SETUP_ROOT set to the --root directory. The release to build is passed through NIX_PATH
 * (nixpkgs= and nixos-config=), which nixos-rebuild reads like -I and which keeps the command
 * line the same as the apply engine's.
 */
import { readlink } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Release } from './schema.js';

export interface CommandOutcome {
  ok: boolean;
  exitCode: number | null;
  /** The last lines of output (stdout and stderr interleaved), for the report. */
  tail: string[];
}

export interface UpdateSystem {
  /** nix copy --from CACHE PATH, accepting only signatures by `trustedKeys`. */
  copyFromCache(cacheUrl: string, storePath: string, trustedKeys: string[]): Promise<CommandOutcome>;
  /** nixos-rebuild switch of `release` (its nixpkgs and configuration.nix, plus the site fragment). */
  switchTo(release: Release): Promise<CommandOutcome>;
  /** nixos-rebuild switch --rollback: the previous generation becomes active and the boot default. */
  rollback(): Promise<CommandOutcome>;
  /** The system profile's current generation link (system-N-link), or null. */
  currentGeneration(): Promise<string | null>;
  /** systemctl is-active UNIT: "active", "failed", "inactive", ... */
  unitState(unit: string): Promise<string>;
  /** Whether URL answers HTTP at all (any status below 500). */
  reachable(url: string): Promise<boolean>;
}

export interface UpdateSystemOptions {
  root: string;
  simulate: boolean;
  /** Environment for the children on top of this process's (tests put fakes on PATH here). */
  env?: Record<string, string>;
}

const TAIL_LINES = 50;
const COPY_TIMEOUT_MS = 2 * 3600_000;
const REBUILD_TIMEOUT_MS = 3600_000;
const PROBE_TIMEOUT_MS = 10_000;

const SIMULATOR = fileURLToPath(new URL('../apply/simulator/nixos-rebuild-sim.mjs', import.meta.url));

function tailOf(output: unknown): string[] {
  const text = typeof output === 'string' ? output : '';
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(-TAIL_LINES);
}

export function createUpdateSystem(options: UpdateSystemOptions): UpdateSystem {
  const env = { ...options.env, BOWTIE_SETUP_ROOT: options.root };
  const fromEnv = options.env?.BOWTIE_SETUP_NIXOS_REBUILD ?? process.env.BOWTIE_SETUP_NIXOS_REBUILD;
  const rebuild: [string, string[]] =
    fromEnv !== undefined && fromEnv !== ''
      ? [fromEnv, []]
      : options.simulate
        ? [process.execPath, [SIMULATOR]]
        : ['nixos-rebuild', []];

  async function run(file: string, args: string[], extraEnv: Record<string, string>, timeout: number): Promise<CommandOutcome> {
    const result = await execa(file, args, {
      env: { ...env, ...extraEnv },
      all: true,
      reject: false,
      timeout,
      stdin: 'ignore',
      cwd: options.root,
    });
    const tail = tailOf(result.all);
    if (result.failed && result.exitCode === undefined) tail.push(result.shortMessage ?? 'the command did not run');
    return { ok: !result.failed, exitCode: result.exitCode ?? null, tail };
  }

  return {
    copyFromCache(cacheUrl, storePath, trustedKeys) {
      return run(
        'nix',
        [
          '--extra-experimental-features', 'nix-command',
          'copy',
          '--from', cacheUrl,
          '--option', 'trusted-public-keys', trustedKeys.join(' '),
          '--option', 'require-sigs', 'true',
          storePath,
        ],
        {},
        COPY_TIMEOUT_MS,
      );
    },
    switchTo(release) {
      const [file, pre] = rebuild;
      return run(file, [...pre, 'switch'], { NIX_PATH: `nixpkgs=${release.nixpkgs}:nixos-config=${release.configuration}` }, REBUILD_TIMEOUT_MS);
    },
    rollback() {
      const [file, pre] = rebuild;
      return run(file, [...pre, 'switch', '--rollback'], {}, REBUILD_TIMEOUT_MS);
    },
    async currentGeneration() {
      try {
        return await readlink(join(options.root, 'nix/var/nix/profiles/system'));
      } catch {
        return null;
      }
    },
    async unitState(unit) {
      const result = await execa('systemctl', ['is-active', '--', unit], { env, reject: false, timeout: PROBE_TIMEOUT_MS, stdin: 'ignore' });
      const state = typeof result.stdout === 'string' ? result.stdout.trim() : '';
      return state || (result.failed ? 'unknown' : 'active');
    },
    reachable(url) {
      return probe(url);
    },
  };
}

/**
 * One HTTP(S) request. Reachability, not trust: a cluster peer's certificate may be
 * self-signed, and nothing is sent or read that would matter if it were not the peer.
 */
function probe(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      resolve(false);
      return;
    }
    const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(u, { method: 'GET', timeout: PROBE_TIMEOUT_MS, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}
