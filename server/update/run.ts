/**
 * The scheduled update (`bowtie-setup update`), as one sequence:
 * settings -> running release -> metadata -> (--check stops here) -> nix copy of the base
 * system from the signed cache -> its release file -> nixos-rebuild switch with the site
 * fragment -> health check -> done, or switch back to the previous generation.
 * Nothing is changed before the switch; after it, any failure ends with the previous generation
 * active and the boot default.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import { fieldErrors, formatFieldErrors } from '../config/errors.js';
import { EXIT } from '../exit-codes.js';
import { fetchMetadata, MetadataInvalidError, MetadataUnavailableError } from './metadata.js';
import { releaseSchema, updateConfigSchema, type Release, type UpdateConfig } from './schema.js';
import type { CommandOutcome, UpdateSystem } from './system.js';
import { compareVersions } from './version-order.js';

/** Where the NixOS modules put the files the updater reads (relative to --root). */
export const UPDATE_CONFIG_PATH = 'etc/bowtie-setup/update.json';
export const RELEASE_PATH = 'etc/bowtie-setup/release.json';

/**
 * Exit codes (DESIGN.md "CLI", plus one of the updater's own):
 * 0 up to date, updated, or (with --check) a report; 1 invalid settings, release file or
 * metadata, nothing changed; 3 the update failed and the previous configuration runs (network
 * down, copy refused, rebuild failed, health check failed and rolled back); 4 the health check
 * failed and so did the rollback: the appliance needs attention.
 */
export const UPDATE_EXIT = { ...EXIT, rollbackFailed: 4 } as const;

export interface UpdateOptions {
  root: string;
  /** The settings file; default <root>/etc/bowtie-setup/update.json. */
  configFile?: string;
  /** Only report whether an update is available. */
  check: boolean;
  /** Time between health probes (tests shorten it). */
  pollIntervalMs?: number;
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
  const { root, stdout, stderr } = options;
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

  stdout(`updating ${current.version} -> ${metadata.version} (${config.channel})\n`);
  stdout(`copying ${metadata.base} from ${config.cache_url}\n`);
  const copy = await system.copyFromCache(config.cache_url, metadata.base, config.trusted_public_keys);
  if (!copy.ok) {
    stderr(`bowtie-setup update: nix copy failed (exit ${copy.exitCode ?? 'none'}): the base system is not in the cache or not signed by a trusted key; nothing changed${tailText(copy)}\n`);
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

  const previous = await system.currentGeneration();
  stdout(`switching to ${next.version} (rebuilding with the site configuration)\n`);
  const switched = await system.switchTo(next);
  const after = await system.currentGeneration();
  if (!switched.ok) {
    if (after === previous) {
      stderr(`bowtie-setup update: nixos-rebuild switch failed (exit ${switched.exitCode ?? 'none'}) before activation; ${current.version} still runs${tailText(switched)}\n`);
      return UPDATE_EXIT.applyFailed;
    }
    return rollBack(options, system, previous, `nixos-rebuild switch failed (exit ${switched.exitCode ?? 'none'})${tailText(switched)}`, current.version);
  }

  const problem = await waitHealthy(config, system, options.pollIntervalMs ?? 2000);
  if (problem !== null) return rollBack(options, system, previous, `health check failed: ${problem}`, current.version);
  stdout(`updated to ${next.version}\n`);
  return UPDATE_EXIT.ok;
}

/** Polls until every unit is active and every URL answers; returns what is still wrong at the deadline. */
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
    if (problems.length === 0) return null;
    if (Date.now() + intervalMs > deadline) return problems.join(', ');
    await sleep(intervalMs);
  }
}

async function rollBack(options: UpdateOptions, system: UpdateSystem, previous: string | null, why: string, version: string): Promise<number> {
  options.stderr(`bowtie-setup update: ${why}\nrolling back to the previous generation (${previous ?? 'unknown'})\n`);
  const rolled = await system.rollback();
  const now = await system.currentGeneration();
  if (!rolled.ok || now !== previous) {
    options.stderr(`bowtie-setup update: ROLLBACK FAILED (exit ${rolled.exitCode ?? 'none'}); the profile is at ${now ?? 'unknown'}: run "nixos-rebuild switch --rollback" on the console${tailText(rolled)}\n`);
    return UPDATE_EXIT.rollbackFailed;
  }
  options.stderr(`bowtie-setup update: rolled back; ${version} runs again\n`);
  return UPDATE_EXIT.applyFailed;
}
