/**
 * The scheduled update (`bowtie-setup update`), as one sequence:
 * settings -> running release -> metadata -> (--check stops here) -> nix copy of the base
 * system from the signed cache -> its release file -> the apply lock -> nixos-rebuild switch
 * with the site fragment -> health check -> done, or back to the previous generation.
 * Nothing is changed before the switch; after it, any failure ends with the previous generation
 * active and the boot default. The switch runs under the apply engine's lock: an update never
 * runs while an apply runs, nor the reverse (docs/decisions/0511).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import { fieldErrors, formatFieldErrors } from '../config/errors.js';
import { EXIT } from '../exit-codes.js';
import { prepareRootLayout, UnsafeLayoutError, WORKER_LAYOUT } from '../system/state-layout.js';
import { fetchMetadata, MetadataInvalidError, MetadataUnavailableError } from './metadata.js';
import { releaseSchema, updateConfigSchema, type Release, type UpdateConfig } from './schema.js';
import type { CommandOutcome, UpdateSystem } from './system.js';
import { clearUpdateJournal, readUpdateJournal, writeUpdateJournal, type UpdateJournal } from './journal.js';
import { crashFromEnv } from '../apply/worker.js';
import type { CrashPoint } from '../apply/files.js';
import { compareVersions } from './version-order.js';

/** Where the NixOS modules put the files the updater reads (relative to --root). */
export const UPDATE_CONFIG_PATH = 'etc/bowtie-setup/update.json';
export const RELEASE_PATH = 'etc/bowtie-setup/release.json';

/**
 * Exit codes (DESIGN.md "CLI" as amended by docs/decisions/0510):
 * 0 up to date, updated, or (with --check) a report; 1 invalid settings, release file or
 * metadata, nothing changed; 3 the update failed and the previous configuration runs (network
 * down, copy refused, rebuild failed, health check failed and rolled back), or an apply runs
 * or is queued (busy: nothing changed, the next run tries again); 4 the update failed and so
 * did the rollback: the appliance needs attention.
 */
export const UPDATE_EXIT = { ...EXIT, busy: EXIT.applyFailed } as const;

export interface UpdateOptions {
  root: string;
  /** The settings file; default <root>/etc/bowtie-setup/update.json. */
  configFile?: string;
  /** Only report whether an update is available. */
  check: boolean;
  /** Time between health probes (tests shorten it). */
  pollIntervalMs?: number;
  /** Test hook: the fault-injection tests kill the updater at these named points. */
  crash?: CrashPoint;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

class InvalidInput extends Error {}

async function readJson<T extends z.ZodType>(file: string, schema: T, what: string): Promise<z.output<T>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InvalidInput(`${what} ${file}: ${code === 'ENOENT' ? 'no such file' : 'cannot be read'}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidInput(`${what} ${file}: not JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidInput(`${what} ${file}:\n${formatFieldErrors(fieldErrors(parsed.error.issues))}`);
  return parsed.data;
}

function tailText(outcome: CommandOutcome): string {
  return outcome.tail.length ? `\n${outcome.tail.map((l) => `  | ${l}`).join('\n')}` : '';
}

export async function runUpdate(options: UpdateOptions, system: UpdateSystem): Promise<number> {
  try {
    return await update(options, system);
  } finally {
    const log = system.logFile();
    system.close();
    if (log) options.stdout(`log: ${log}\n`);
  }
}

async function update(options: UpdateOptions, system: UpdateSystem): Promise<number> {
  const { root, stdout, stderr } = options;
  // Update takes the apply lock and writes logs beside the engine's journal: it trusts the same
  // directories only under the same conditions (docs/decisions/0500).
  try {
    await prepareRootLayout(root, WORKER_LAYOUT);
  } catch (e) {
    if (!(e instanceof UnsafeLayoutError)) throw e;
    stderr(`bowtie-setup update: ${e.message}\n`);
    return UPDATE_EXIT.applyFailed;
  }
  const crash = options.crash ?? crashFromEnv(process.env);
  let journal: UpdateJournal | null;
  try {
    journal = await readUpdateJournal(root);
  } catch (e) {
    stderr(`bowtie-setup update: ${(e as Error).message}\n`);
    return UPDATE_EXIT.applyFailed;
  }
  if (journal) return recoverInterrupted(options, system, journal, crash);
  let config: UpdateConfig;
  let current: Release;
  try {
    config = await readJson(options.configFile ?? join(root, UPDATE_CONFIG_PATH), updateConfigSchema, 'update settings');
    current = await readJson(join(root, RELEASE_PATH), releaseSchema, 'release file');
  } catch (e) {
    if (!(e instanceof InvalidInput)) throw e;
    stderr(`bowtie-setup update: ${e.message}\n`);
    return UPDATE_EXIT.invalid;
  }

  let metadata;
  try {
    metadata = await fetchMetadata(config.metadata_url);
  } catch (e) {
    if (e instanceof MetadataUnavailableError) {
      stderr(`bowtie-setup update: ${e.message}; nothing changed, the next run tries again\n`);
      return UPDATE_EXIT.applyFailed;
    }
    if (e instanceof MetadataInvalidError) {
      stderr(`bowtie-setup update: ${e.message}\nnothing changed\n`);
      return UPDATE_EXIT.invalid;
    }
    throw e;
  }
  if (metadata.channel !== config.channel) {
    stderr(`bowtie-setup update: the metadata is for channel ${metadata.channel}, this appliance follows ${config.channel}; nothing changed\n`);
    return UPDATE_EXIT.invalid;
  }

  const order = compareVersions(metadata.version, current.version);
  if (order === 0) {
    stdout(`up to date: ${current.version} (${config.channel})\n`);
    return UPDATE_EXIT.ok;
  }
  if (order < 0) {
    stdout(`up to date: ${current.version} is newer than ${metadata.version} on ${config.channel}; not going back\n`);
    return UPDATE_EXIT.ok;
  }
  if (options.check) {
    stdout(`update available: ${current.version} -> ${metadata.version} (${config.channel})\n`);
    return UPDATE_EXIT.ok;
  }

  // Not worth a download that could not be installed now; the lock below is what counts.
  const busy = await system.busy();
  if (busy !== null) return refuseBusy(options, busy);

  stdout(`updating ${current.version} -> ${metadata.version} (${config.channel})\n`);
  await system.prepare();
  stdout(`copying ${metadata.base} from ${config.cache_url}\n`);
  const copy = await system.copyFromCache(config.cache_url, metadata.base, config.trusted_public_keys);
  if (!copy.ok) {
    stderr(
      `bowtie-setup update: nix copy ${copy.summary}: the base system is not in the cache or not signed by a trusted key; nothing changed${tailText(copy)}\n`,
    );
    return UPDATE_EXIT.applyFailed;
  }

  let next: Release;
  try {
    next = await readJson(join(root, metadata.base, RELEASE_PATH), releaseSchema, 'release file of the new base system');
  } catch (e) {
    if (!(e instanceof InvalidInput)) throw e;
    stderr(`bowtie-setup update: ${e.message}\nnothing changed\n`);
    return UPDATE_EXIT.invalid;
  }
  if (next.version !== metadata.version) {
    stderr(`bowtie-setup update: the base system is release ${next.version}, the metadata says ${metadata.version}; nothing changed\n`);
    return UPDATE_EXIT.invalid;
  }

  const lock = await system.lock({ from: current.version, to: next.version });
  if (!lock.ok) return refuseBusy(options, lock.reason);
  try {
    return await switchAndCheck(options, system, config, current, next, crash);
  } finally {
    await lock.release();
  }
}

/** Under the apply lock: switch, check health, roll back when it is not healthy. */
async function switchAndCheck(
  options: UpdateOptions,
  system: UpdateSystem,
  config: UpdateConfig,
  current: Release,
  next: Release,
  crash: CrashPoint,
): Promise<number> {
  const { root, stdout, stderr } = options;
  const previous = await system.currentGeneration();
  if (previous === null) {
    stderr('bowtie-setup update: the system profile has no current generation to come back to; nothing changed\n');
    return UPDATE_EXIT.applyFailed;
  }
  // Journaled before it acts: a kill from here on is rolled back by the next start.
  const journal: UpdateJournal = { previous, from: current.version, to: next.version, step: 'switch', startedAt: new Date().toISOString() };
  await writeUpdateJournal(root, journal);
  crash('update:switch:journaled');
  stdout(`switching to ${next.version} (rebuilding with the site configuration)\n`);
  const switched = await system.switchTo(next);
  crash('update:switch:done');
  if (!switched.ok) {
    // nixos-rebuild moves the profile before it activates: either one means the new system
    // may (partly) run and the previous one must be brought back.
    const touched = (await system.currentGeneration()) !== previous || !(await system.runs(previous));
    if (!touched) {
      await clearUpdateJournal(root);
      stderr(`bowtie-setup update: nixos-rebuild switch ${switched.summary} before activation; ${current.version} still runs${tailText(switched)}\n`);
      return UPDATE_EXIT.applyFailed;
    }
    return rollBack(options, system, journal, `nixos-rebuild switch ${switched.summary}${tailText(switched)}`, crash);
  }
  await writeUpdateJournal(root, { ...journal, step: 'health' });
  crash('update:health:journaled');
  const problem = await waitHealthy(config, system, options.pollIntervalMs ?? 2000);
  if (problem !== null) return rollBack(options, system, journal, `health check failed: ${problem}`, crash);
  crash('update:health:done');
  await clearUpdateJournal(root);
  stdout(`updated to ${next.version} (generation ${(await system.currentGeneration()) ?? '?'})\n`);
  return UPDATE_EXIT.ok;
}

/**
 * An update was killed between journaling a step and finishing: whatever it got to, the
 * previous generation is brought back (it is the one known to work), under the apply lock. The
 * next scheduled run tries the update again.
 */
async function recoverInterrupted(options: UpdateOptions, system: UpdateSystem, journal: UpdateJournal, crash: CrashPoint): Promise<number> {
  const lock = await system.lock({ from: journal.from, to: journal.to });
  if (!lock.ok) return refuseBusy(options, lock.reason);
  try {
    await system.prepare();
    const why = `the update from ${journal.from} to ${journal.to} was interrupted (${journal.step})`;
    const generation = await system.currentGeneration();
    if (generation === journal.previous && (await system.runs(journal.previous)) && journal.step === 'switch') {
      // Killed before nixos-rebuild moved the profile (and so before the boot default changed).
      await clearUpdateJournal(options.root);
      options.stderr(`bowtie-setup update: ${why} before the switch; ${journal.from} still runs; the next run tries again\n`);
      return UPDATE_EXIT.applyFailed;
    }
    return await rollBack(options, system, journal, why, crash);
  } finally {
    await lock.release();
  }
}

function refuseBusy(options: UpdateOptions, reason: string): number {
  options.stderr(`bowtie-setup update: ${reason}; nothing changed, the next run tries again\n`);
  return UPDATE_EXIT.busy;
}

/** How long one networkd wait-online probe may wait before the next round of checks. */
const LINK_WAIT_SECONDS = 10;

/** Polls until every unit is active, every URL answers and the site link is routable; returns what is still wrong at the deadline. */
async function waitHealthy(config: UpdateConfig, system: UpdateSystem, intervalMs: number): Promise<string | null> {
  const deadline = Date.now() + config.health.timeout_seconds * 1000;
  for (;;) {
    const problems: string[] = [];
    for (const unit of config.health.units) {
      const state = await system.unitState(unit);
      if (state !== 'active') problems.push(`${unit} is ${state}`);
    }
    for (const url of config.health.urls) {
      if (!(await system.reachable(url))) problems.push(`${url} is not reachable`);
    }
    const network = config.health.network;
    if (network !== null) {
      const left = Math.ceil((deadline - Date.now()) / 1000);
      if (!(await system.linkRoutable(network.interface, Math.min(LINK_WAIT_SECONDS, left)))) {
        problems.push(network.interface === null ? 'no site link is routable' : `site link ${network.interface} is not routable`);
      }
    }
    if (problems.length === 0) return null;
    if (Date.now() + intervalMs > deadline) return problems.join(', ');
    await sleep(intervalMs);
  }
}

async function rollBack(options: UpdateOptions, system: UpdateSystem, journal: UpdateJournal, why: string, crash: CrashPoint): Promise<number> {
  const { previous, from: version } = journal;
  await writeUpdateJournal(options.root, { ...journal, step: 'rollback' });
  crash('update:rollback:journaled');
  options.stderr(`bowtie-setup update: ${why}\nrolling back to the previous generation (${previous})\n`);
  const rolled = await system
    .rollbackTo(previous)
    .catch((e: Error): CommandOutcome => ({ ok: false, exitCode: null, summary: `could not start (${e.message})`, tail: [] }));
  const now = await system.currentGeneration();
  if (!rolled.ok || now !== previous || !(await system.runs(previous))) {
    options.stderr(
      `bowtie-setup update: ROLLBACK FAILED: switch-to-configuration of generation ${previous} ${rolled.summary}; the profile is at generation ${now ?? 'unknown'}: run "/nix/var/nix/profiles/system-${previous}-link/bin/switch-to-configuration switch" on the console${tailText(rolled)}\n`,
    );
    return UPDATE_EXIT.rollbackFailed;
  }
  crash('update:rollback:done');
  await clearUpdateJournal(options.root);
  options.stderr(`bowtie-setup update: rolled back; ${version} runs again (generation ${previous})\n`);
  return UPDATE_EXIT.applyFailed;
}
