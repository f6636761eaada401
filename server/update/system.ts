/**
 * The updater's view of the system: `nix copy`, `nixos-rebuild`, the system profile,
 * `systemctl` and the network, behind one small interface. Everything that runs a command or
 * changes the profile goes through the apply engine's own pieces (docs/decisions/0511):
 *
 * - the engine's rebuild adapter (server/apply/rebuild.ts): nixos-rebuild chosen as everywhere
 *   else (BOWTIE_SETUP_NIXOS_REBUILD when set, the simulator under --simulate, else the one on
 *   PATH), an allowlisted child environment plus BOWTIE_SETUP_ROOT, timeouts that kill what a
 *   command left running. The release to build is passed through NIX_PATH (nixpkgs= and
 *   nixos-config=), which nixos-rebuild reads like -I and which keeps the command line the
 *   engine's;
 * - the engine's rollback: the previous generation becomes the profile's again and its own
 *   `switch-to-configuration switch` activates it and makes it the boot default;
 * - the engine's apply lock (server/apply/update-lock.ts) around the switch;
 * - internal-json progress parsing and a bounded log (logs/update-<time>-<id>.log).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { execa } from 'execa';
import { OutputLog } from '../apply/output-log.js';
import { enginePaths } from '../apply/paths.js';
import { newApplyId } from '../apply/spool.js';
import { NixProgress } from '../apply/progress.js';
import { proxySecretsInEnv } from '../config/proxy.js';
import { childEnv, describeResult, RebuildAdapter, rebuildExecutable, type CommandResult } from '../apply/rebuild.js';
import { DEFAULT_TIMEOUTS } from '../apply/timeouts.js';
import { checkIdleForUpdate, takeLockForUpdate, type UpdateLock } from '../apply/update-lock.js';
import { prepareRoot } from '../apply/worker.js';
import type { Release } from './schema.js';

export interface CommandOutcome {
  ok: boolean;
  exitCode: number | null;
  /** How it ended, in words ("failed with exit code 4 (some units failed to start)"). */
  summary: string;
  /** The last lines of its output (readable, not internal-json), for the report. */
  tail: string[];
}

export interface UpdateSystem {
  /** Why nothing may be changed now (an apply runs or is queued), or null. Changes nothing. */
  busy(): Promise<string | null>;
  /** The state directory and, under --simulate, the sandbox machine; before the first command. */
  prepare(): Promise<void>;
  /** nix copy --from CACHE PATH, accepting only signatures by `trustedKeys`. */
  copyFromCache(cacheUrl: string, storePath: string, trustedKeys: string[]): Promise<CommandOutcome>;
  /** The apply lock for the switch, health check and rollback. */
  lock(versions: { from: string; to: string }): Promise<UpdateLock>;
  /** nixos-rebuild switch of `release` (its nixpkgs and configuration.nix, plus the site fragment). */
  switchTo(release: Release): Promise<CommandOutcome>;
  /** Generation `n` becomes the profile's current one again, activated and the boot default. */
  rollbackTo(n: number): Promise<CommandOutcome>;
  /** The system profile's current generation number, or null. */
  currentGeneration(): Promise<number | null>;
  /** Whether the running system (/run/current-system) is generation `n`'s. */
  runs(n: number): Promise<boolean>;
  /** systemctl is-active UNIT: "active", "failed", "inactive", ... */
  unitState(unit: string): Promise<string>;
  /** Whether URL answers HTTP at all (any status below 500). */
  reachable(url: string): Promise<boolean>;
  /**
   * Whether networkd sees the link `iface` (null: any link) routable within `timeoutSeconds`:
   * systemd-networkd-wait-online --operational-state=routable.
   */
  linkRoutable(iface: string | null, timeoutSeconds: number): Promise<boolean>;
  /** Where this run's command output is logged (null before the first command). */
  logFile(): string | null;
  /** Closes the log. */
  close(): void;
}

export interface UpdateSystemOptions {
  root: string;
  simulate: boolean;
  /**
   * Where the children's environment comes from (default: this process's). Only the engine's
   * allowlist of it reaches them; tests put fakes on PATH here.
   */
  env?: NodeJS.ProcessEnv;
}

const TAIL_LINES = 50;
const COPY_TIMEOUT_MS = 2 * 3600_000;
const REBUILD_TIMEOUT_MS = 3600_000;
const PROBE_TIMEOUT_MS = 10_000;

export function createUpdateSystem(options: UpdateSystemOptions): UpdateSystem {
  const env = options.env ?? process.env;
  const paths = enginePaths(options.root);
  const adapter = new RebuildAdapter(paths, rebuildExecutable(options.simulate, env), { env, isolate: true });
  const id = newApplyId();
  let log: OutputLog | null = null;

  async function run(
    label: string,
    start: (opts: { timeoutMs: number; onLine: (raw: string) => void }) => Promise<CommandResult>,
    timeoutMs: number,
  ): Promise<CommandOutcome> {
    // nix may show the proxy it was given: its credentials are taken out of the log.
    log ??= new OutputLog(paths.logsDir, id, null, proxySecretsInEnv(env), 'update');
    const out = log;
    const parser = new NixProgress();
    const tail: string[] = [];
    out.write(`== ${new Date().toISOString()} ${label}`);
    const result = await start({
      timeoutMs,
      onLine: (raw) => {
        const line = parser.line(raw);
        if (line === null || line.trim() === '') return;
        out.write(line);
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
      },
    });
    const summary = describeResult(result);
    out.write(`-- ${result.command}: ${summary}`);
    return { ok: result.ok, exitCode: result.exitCode, summary, tail };
  }

  return {
    busy: () => checkIdleForUpdate(paths),
    prepare: () => prepareRoot(paths, options.simulate, env),
    copyFromCache(cacheUrl, storePath, trustedKeys) {
      const args = [
        '--extra-experimental-features',
        'nix-command',
        'copy',
        '--log-format',
        'internal-json',
        '--from',
        cacheUrl,
        '--option',
        'trusted-public-keys',
        trustedKeys.join(' '),
        '--option',
        'require-sigs',
        'true',
        storePath,
      ];
      return run(`nix copy ${storePath}`, (opts) => adapter.command('nix', args, opts), COPY_TIMEOUT_MS);
    },
    lock: (versions) => takeLockForUpdate(paths, versions),
    switchTo(release) {
      const nixPath = `nixpkgs=${release.nixpkgs}:nixos-config=${release.configuration}`;
      return run(`nixos-rebuild switch (NIX_PATH=${nixPath})`, (opts) => adapter.rebuild('switch', { ...opts, nixPath }), REBUILD_TIMEOUT_MS);
    },
    async rollbackTo(n) {
      await adapter.setProfileGeneration(n);
      return run(`switch-to-configuration switch (generation ${n})`, (opts) => adapter.switchToConfiguration(n, 'switch', opts), DEFAULT_TIMEOUTS.rollback);
    },
    currentGeneration: () => adapter.currentGeneration(),
    async runs(n) {
      const [active, wanted] = await Promise.all([adapter.activeSystem(), adapter.generationSystem(n)]);
      return active === wanted;
    },
    async unitState(unit) {
      const result = await execa('systemctl', ['is-active', '--', unit], {
        env: childEnv(options.root, env),
        extendEnv: false,
        reject: false,
        timeout: PROBE_TIMEOUT_MS,
        stdin: 'ignore',
      });
      const state = typeof result.stdout === 'string' ? result.stdout.trim() : '';
      return state || (result.failed ? 'unknown' : 'active');
    },
    reachable(url) {
      return probe(url);
    },
    async linkRoutable(iface, timeoutSeconds) {
      // --timeout=0 would wait forever: at least one second.
      const seconds = Math.max(1, Math.min(3600, Math.floor(timeoutSeconds)));
      const which = iface === null ? ['--any'] : [`--interface=${iface}`];
      const result = await execa('systemd-networkd-wait-online', [`--timeout=${seconds}`, '--operational-state=routable', ...which], {
        env: childEnv(options.root, env),
        extendEnv: false,
        reject: false,
        timeout: seconds * 1000 + PROBE_TIMEOUT_MS,
        stdin: 'ignore',
      });
      return result.exitCode === 0;
    },
    logFile: () => log?.file ?? null,
    close() {
      log?.close();
      log = null;
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
