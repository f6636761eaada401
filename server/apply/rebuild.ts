/**
 * The system adapter for activation: nixos-rebuild, the generations' switch-to-configuration,
 * and the system profile. `nixos-rebuild` is BOWTIE_SETUP_NIXOS_REBUILD when set, the simulator
 * under --simulate, else the one on PATH. Children get a small allowlisted environment plus
 * BOWTIE_SETUP_ROOT, never a secret, and run in the worker's process group so that a timeout
 * (or the next worker, after a crash) can kill everything they started. The updater uses the
 * same adapter (`isolate`: each command in a process group of its own, because the updater
 * may share its group with a shell pipeline) and `NIX_PATH` per command for the release it
 * builds.
 */
import { readlink, realpath, rename, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import { fsyncDirectory } from '../system/atomic-file.js';
import { SIMULATOR_NAME, simulatorExecutable } from '../system/sim-machine.js';
import type { EnginePaths } from './paths.js';
import { killGroupMembers, processGroupOf } from './process-info.js';

export type RebuildAction = 'build' | 'test' | 'switch';

export interface CommandResult {
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** What ran, for the log and the report. */
  command: string;
}

export interface RunOptions {
  timeoutMs: number;
  onLine: (raw: string) => void;
  /** NIX_PATH for this command (the updater's new release), instead of the inherited one. */
  nixPath?: string;
}

export interface AdapterOptions {
  /** Where the child environment's allowlisted variables come from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Run each command in a new process group and kill that group after a timeout or failure,
   * instead of sweeping our own group. For callers that do not lead a group of their own
   * (the updater, started from a shell or a timer).
   */
  isolate?: boolean;
}

/**
 * Environment variables a child may see: what nix and the simulator need, nothing else. The
 * proxy variables are how `nix copy` reaches the cache through the site's proxy: the update
 * unit has them (with credentials, from a root-only file: docs/decisions/0670), the apply
 * worker does not.
 */
const ENV_ALLOW = /^(PATH|HOME|LANG|LC_[A-Z]+|TZ|TMPDIR|LOCALE_ARCHIVE|NIX_[A-Z_]+|BOWTIE_SIM_[A-Z_]+|(HTTP|HTTPS|NO)_PROXY|(http|https|no)_proxy)$/;

export function childEnv(root: string, from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(from)) if (v !== undefined && ENV_ALLOW.test(k)) env[k] = v;
  env.BOWTIE_SETUP_ROOT = root;
  return env;
}

export function rebuildExecutable(simulate: boolean, from: NodeJS.ProcessEnv = process.env): string {
  return from.BOWTIE_SETUP_NIXOS_REBUILD || (simulate ? simulatorExecutable(from) : 'nixos-rebuild');
}

export class RebuildAdapter {
  constructor(
    private readonly paths: EnginePaths,
    readonly executable: string,
    private readonly options: AdapterOptions = {},
  ) {}

  commandLine(action: RebuildAction): string[] {
    return [action, '--log-format', 'internal-json', '-v'];
  }

  /** nixos-rebuild build|test|switch. */
  rebuild(action: RebuildAction, opts: RunOptions): Promise<CommandResult> {
    return this.exec(this.executable, this.commandLine(action), opts);
  }

  /** Another command with the same environment and clean-up (the updater's `nix copy`). */
  command(file: string, args: string[], opts: RunOptions): Promise<CommandResult> {
    return this.exec(file, args, opts);
  }

  /** <profile>/system-N-link/bin/switch-to-configuration test|switch. */
  switchToConfiguration(generation: number, verb: 'test' | 'switch', opts: RunOptions): Promise<CommandResult> {
    return this.exec(join(this.paths.profilesDir, `system-${generation}-link`, 'bin/switch-to-configuration'), [verb], opts);
  }

  async currentGeneration(): Promise<number | null> {
    try {
      const m = /^system-(\d+)-link$/.exec(await readlink(this.paths.profile));
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  }

  /** The store path of generation `n` (resolved: the simulator's links are relative). */
  async generationSystem(n: number): Promise<string | null> {
    return realpath(join(this.paths.profilesDir, `system-${n}-link`)).catch(() => null);
  }

  /** The store path of the running system (/run/current-system). */
  async activeSystem(): Promise<string | null> {
    return realpath(this.paths.currentSystem).catch(() => null);
  }

  /**
   * Makes generation `n` the profile's current one (what `nix-env --switch-generation` does:
   * an atomic symlink swap). Used to go back after a failed switch; the generation's own
   * switch-to-configuration then installs the bootloader and activates it.
   */
  async setProfileGeneration(n: number): Promise<void> {
    const link = this.paths.profile;
    const temp = `${link}.bowtie-${process.pid}`;
    await unlink(temp).catch(() => {});
    await symlink(`system-${n}-link`, temp);
    await rename(temp, link);
    await fsyncDirectory(dirname(link));
  }

  private async exec(file: string, args: string[], opts: RunOptions): Promise<CommandResult> {
    const command = [basename(file) === SIMULATOR_NAME ? 'nixos-rebuild' : file, ...args].join(' ');
    const env = childEnv(this.paths.root, this.options.env);
    if (opts.nixPath !== undefined) env.NIX_PATH = opts.nixPath;
    const child = execa(file, args, {
      cwd: this.paths.buildDir,
      env,
      extendEnv: false,
      stdin: 'ignore',
      buffer: false,
      reject: false,
      stripFinalNewline: false,
      detached: this.options.isolate === true,
    });
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        pending += chunk;
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          opts.onLine(pending.slice(0, nl));
          pending = pending.slice(nl + 1);
        }
        if (pending.length > 65536) {
          opts.onLine(pending);
          pending = '';
        }
      });
      stream.on('end', () => {
        if (pending) opts.onLine(pending);
      });
    }
    let timedOut = false;
    // Set by the timer's callback, which the checker cannot see: hence a box, not a plain `let`.
    const killing: { done: Promise<void> | null } = { done: null };
    const timer = setTimeout(() => {
      timedOut = true;
      killing.done = this.killChildren(child.pid);
    }, opts.timeoutMs);
    const result = await child;
    clearTimeout(timer);
    // The kill sweeps our whole process group: it must be over before the next command starts.
    if (killing.done) await killing.done;
    // Whatever it left behind (a grandchild still activating) must not outlive it.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the timer's callback
    if (result.exitCode !== 0 || timedOut) await this.killChildren(this.options.isolate ? child.pid : null);
    const signal = result.signal ?? null;
    const exitCode = typeof result.exitCode === 'number' ? result.exitCode : null;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the timer's callback
    return { ok: exitCode === 0 && !timedOut && signal === null, exitCode, signal, timedOut, command };
  }

  /**
   * Kills every other process in our group (we lead it), or else just the child. Isolated, the
   * child leads its own group: that group goes (its pid is not reused while members remain).
   */
  private async killChildren(pid: number | null | undefined): Promise<void> {
    if (this.options.isolate) {
      if (pid) await killGroupMembers(pid, null).catch(() => {});
    } else if (processGroupOf(process.pid) === process.pid) {
      await killGroupMembers(process.pid, process.pid).catch(() => {});
    } else if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

/** A command's result in words, for the log and the report (exit codes of switch-to-configuration). */
export function describeResult(r: CommandResult): string {
  if (r.timedOut) return 'timed out (killed)';
  if (r.signal) return `was killed by ${r.signal}`;
  if (r.exitCode === 0) return 'succeeded';
  const meaning: Record<number, string> = {
    2: 'the activation script failed',
    3: 'systemd could not be reloaded',
    4: 'some units failed to start',
    100: 'the new configuration needs a reboot to take effect',
  };
  return `failed with exit code ${r.exitCode ?? '?'}${r.exitCode !== null && meaning[r.exitCode] ? ` (${meaning[r.exitCode]})` : ''}`;
}
