#!/usr/bin/env node
// @ts-check
/**
 * nixos-rebuild simulator: the same command line, exit codes and `--log-format internal-json`
 * output as nixos-rebuild, acting on a sandbox tree instead of a NixOS system. Used by
 * `--simulate`, `npm start` and the tests. Plain JavaScript so that it starts in a few tens of
 * milliseconds (the tests spawn it hundreds of times).
 *
 * Layout under $BOWTIE_SETUP_ROOT (the same shape as a NixOS system):
 *   nix/store/<hash>-nixos-system-<host>-sim/   one "system": bin/switch-to-configuration,
 *                                               site.nix (the fragment it was built from),
 *                                               site.json (its value), nixos-version,
 *                                               nix-path (the base it was built on, if any)
 *   nix/var/nix/profiles/system -> system-N-link -> /<root>/nix/store/...   generations
 *   run/current-system -> store path            what is active (test and switch change it)
 *   boot/default-generation                     the bootloader's default (switch and boot)
 *   nix/var/log/nixos-rebuild-sim/calls.jsonl   every call: argv, environment, cwd
 *
 * A system is determined by the fragment and by NIX_PATH's nixpkgs= and nixos-config= entries
 * (what `bowtie-setup update` changes to install a new release): either one changing gives a
 * new system and so a new generation on switch.
 *
 * Fault injection (environment):
 *   BOWTIE_SIM_FAIL=action:code[,...]   exit with `code` in `action`
 *   BOWTIE_SIM_HANG=action[@point]       stop and wait forever in `action`
 *   BOWTIE_SIM_CRASH=action[@point]      SIGKILL itself in `action`
 *   BOWTIE_SIM_DELAY_SCALE=0..n          multiply every simulated delay (0: return at once)
 * Actions: build, dry-build, test, switch, boot, rollback (switch --rollback), and
 * stc-test, stc-switch, stc-boot (bin/switch-to-configuration called directly).
 * Points: `eval` (before anything is built), `build` (midway through the builds, the default),
 * `profile` (after the new generation is the profile's, before activation; switch/boot/rollback),
 * `activate` (after activation, before the command exits).
 * For test/switch/stc-*, codes 2, 3, 4 and 100 are switch-to-configuration's (activation script
 * failed, systemd reload failed, units failed, needs a reboot) and happen after the new
 * configuration was (partly) activated, as on a real system; other codes fail at evaluation.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ensureMachine } from './machine.mjs';

const NIX_BASE32 = '0123456789abcdfghijklmnpqrsvwxyz';
const env = process.env;
const scale = Number(env.BOWTIE_SIM_DELAY_SCALE ?? '1');
const delayScale = Number.isFinite(scale) && scale >= 0 ? scale : 1;

/** @param {string} msg @returns {never} */
function die(msg, code = 1) {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
}

// ---- fault injection -------------------------------------------------------------------------

/** @param {string|undefined} spec */
function parseFaults(spec) {
  /** @type {Map<string, string>} */
  const out = new Map();
  for (const part of (spec ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const at = part.indexOf('@');
    const colon = part.indexOf(':');
    if (colon > 0) out.set(part.slice(0, colon), part.slice(colon + 1));
    else if (at > 0) out.set(part.slice(0, at), part.slice(at + 1));
    else out.set(part, '');
  }
  return out;
}
const failures = parseFaults(env.BOWTIE_SIM_FAIL);
const hangs = parseFaults(env.BOWTIE_SIM_HANG);
const crashes = parseFaults(env.BOWTIE_SIM_CRASH);

/**
 * Called at each point of each action: hangs or crashes there when asked to.
 * @param {string} action @param {string} point
 */
function faultPoint(action, point) {
  const hang = hangs.get(action);
  if (hang !== undefined && (hang || 'build') === point) {
    process.stderr.write(`[sim] hanging in ${action} at ${point}\n`);
    // Block forever; only a signal ends this.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
  const crash = crashes.get(action);
  if (crash !== undefined && (crash || 'build') === point) {
    process.stderr.write(`[sim] crashing in ${action} at ${point}\n`);
    process.kill(process.pid, 'SIGKILL');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  }
}

/** @param {string} action @returns {number|null} */
function failCode(action) {
  const v = failures.get(action);
  if (v === undefined) return null;
  const n = Number(v || '1');
  return Number.isInteger(n) && n > 0 && n < 256 ? n : 1;
}

/** @param {number} ms */
function sleep(ms) {
  const t = Math.round(ms * delayScale);
  if (t > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, t);
}

// ---- output ----------------------------------------------------------------------------------

let jsonLog = false;
let nextId = 1;
/** @param {string} line */
function plain(line) {
  process.stderr.write(`${line}\n`);
}
/** @param {Record<string, unknown>} obj */
function nixJson(obj) {
  if (jsonLog) process.stderr.write(`@nix ${JSON.stringify(obj)}\n`);
}
/** nix's own messages: JSON "msg" under internal-json, else plain. @param {string} msg */
function nixMsg(msg, level = 3) {
  if (jsonLog) nixJson({ action: 'msg', level, msg });
  else plain(msg);
}
/** @param {number} type @param {string} text @param {unknown[]} [fields] */
function startActivity(type, text, fields, parent = 0, level = 3) {
  const id = nextId++;
  nixJson({ action: 'start', id, level, parent, text, type, ...(fields ? { fields } : {}) });
  if (!jsonLog && text && level <= 3) plain(text);
  return id;
}
/** @param {number} id */
function stopActivity(id) {
  nixJson({ action: 'stop', id });
}
/** @param {number} id @param {number} type @param {unknown[]} fields */
function result(id, type, fields) {
  nixJson({ action: 'result', fields, id, type });
  if (!jsonLog && type === 101) plain(String(fields[0]));
}

// ---- the sandbox system ----------------------------------------------------------------------

const root = env.BOWTIE_SETUP_ROOT;
const paths = root
  ? {
      store: join(root, 'nix/store'),
      profiles: join(root, 'nix/var/nix/profiles'),
      profile: join(root, 'nix/var/nix/profiles/system'),
      current: join(root, 'run/current-system'),
      booted: join(root, 'run/booted-system'),
      bootDefault: join(root, 'boot/default-generation'),
      fragment: join(root, 'etc/nixos/bowtie/site.nix'),
      calls: join(root, 'nix/var/log/nixos-rebuild-sim/calls.jsonl'),
    }
  : null;

/** @param {string} text */
function nixHash(text) {
  const digest = createHash('sha256').update(text).digest();
  let out = '';
  for (let i = 0; i < 32; i++) out += NIX_BASE32.charAt(digest.readUInt8(i) % 32);
  return out;
}

/**
 * What the system is built from besides the fragment: the NIX_PATH entries that pick nixpkgs
 * and the configuration (`bowtie-setup update` points them at a new release's base system).
 * Other entries do not change the system; empty when neither is set.
 */
function baseSystem() {
  return (env.NIX_PATH ?? '')
    .split(':')
    .filter((e) => e.startsWith('nixpkgs=') || e.startsWith('nixos-config='))
    .sort()
    .join(':');
}

/**
 * The store path of the system built from `fragment` (null: none) for `host` on the base
 * system: the same inputs give the same path, so rebuilding an unchanged configuration makes
 * no new generation, and a new fragment or a new base does.
 * @param {string|null} fragment @param {string} host
 */
function systemPath(fragment, host) {
  const p = /** @type {NonNullable<typeof paths>} */ (paths);
  const base = baseSystem();
  const key = `${fragment ?? 'factory'}\0${host}${base ? `\0${base}` : ''}`;
  return join(p.store, `${nixHash(key)}-nixos-system-${host}-25.05.sim`);
}

/** @param {string} link @param {string} target */
function replaceSymlink(link, target) {
  fs.mkdirSync(dirname(link), { recursive: true });
  const tmp = `${link}.sim-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  fs.symlinkSync(target, tmp);
  fs.renameSync(tmp, link);
}

/** @param {string} file @param {string} data */
function writeAtomic(file, data, mode = 0o644) {
  fs.mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.sim-${process.pid}`;
  fs.writeFileSync(tmp, data, { mode });
  const fd = fs.openSync(tmp, 'r');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

/** @returns {number[]} */
function generations() {
  if (!paths) return [];
  let names = [];
  try {
    names = fs.readdirSync(paths.profiles);
  } catch {
    return [];
  }
  return names
    .map((n) => /^system-(\d+)-link$/.exec(n))
    .filter((m) => m !== null)
    .map((m) => Number(/** @type {RegExpExecArray} */ (m)[1]))
    .sort((a, b) => a - b);
}

/** @returns {number|null} */
function currentGeneration() {
  if (!paths) return null;
  try {
    const m = /^system-(\d+)-link$/.exec(fs.readlinkSync(paths.profile));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** @param {number} n */
function generationPath(n) {
  return fs.realpathSync(join(/** @type {NonNullable<typeof paths>} */ (paths).profiles, `system-${n}-link`));
}

/** Points `link` at the system `system` by a relative path (the sandbox root may move). @param {string} link @param {string} system */
function linkSystem(link, system) {
  replaceSymlink(link, relative(dirname(link), system));
}

/**
 * Creates a system in the store from a fragment (null: the factory image, no site config).
 * @param {string|null} fragment @param {unknown} site @param {string} host
 */
function makeSystem(fragment, site, host) {
  const p = /** @type {NonNullable<typeof paths>} */ (paths);
  const out = systemPath(fragment, host);
  if (fs.existsSync(join(out, 'bin/switch-to-configuration'))) return out;
  const tmp = `${out}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(join(tmp, 'bin'), { recursive: true });
  const self = new URL(import.meta.url).pathname;
  fs.writeFileSync(
    join(tmp, 'bin/switch-to-configuration'),
    [
      '#!/bin/sh',
      '# simulated switch-to-configuration: the system and the root are found from where this',
      '# script is, so that a sandbox root can be copied elsewhere.',
      'out=$(cd -P "$(dirname "$0")/.." && pwd -P)',
      ': "${BOWTIE_SETUP_ROOT:=$(cd -P "$out/../../.." && pwd -P)}"',
      'export BOWTIE_SETUP_ROOT',
      `exec ${shq(process.execPath)} ${shq(self)} --switch-to-configuration "$out" "$@"`,
      '',
    ].join('\n'),
    { mode: 0o555 },
  );
  if (fragment !== null) fs.writeFileSync(join(tmp, 'site.nix'), fragment, { mode: 0o444 });
  fs.writeFileSync(join(tmp, 'site.json'), JSON.stringify(site ?? null), { mode: 0o444 });
  fs.writeFileSync(join(tmp, 'nixos-version'), '25.05.sim\n', { mode: 0o444 });
  if (baseSystem()) fs.writeFileSync(join(tmp, 'nix-path'), `${baseSystem()}\n`, { mode: 0o444 });
  fs.writeFileSync(join(tmp, 'init-interface-version'), 'systemd\n', { mode: 0o444 });
  fs.renameSync(tmp, out);
  return out;
}

/** @param {string} s */
function shq(s) {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A new generation for `system`, made the profile's current one (nix-env --set). @param {string} system */
function setProfile(system) {
  const p = /** @type {NonNullable<typeof paths>} */ (paths);
  const gens = generations();
  const cur = currentGeneration();
  if (cur !== null && generationPath(cur) === fs.realpathSync(system)) return cur;
  const n = (gens.at(-1) ?? 0) + 1;
  replaceSymlink(join(p.profiles, `system-${n}-link`), relative(p.profiles, system));
  replaceSymlink(p.profile, `system-${n}-link`);
  return n;
}

/** The image as deployed: generation 1 from no site configuration, active and default. */
function ensureInitialized() {
  const p = /** @type {NonNullable<typeof paths>} */ (paths);
  if (currentGeneration() !== null) return;
  const system = makeSystem(null, null, 'bowtie');
  setProfile(system);
  linkSystem(p.current, system);
  linkSystem(p.booted, system);
  writeAtomic(p.bootDefault, '1\n');
}

function recordCall() {
  if (!paths) return;
  fs.mkdirSync(dirname(paths.calls), { recursive: true });
  const line = JSON.stringify({ at: new Date().toISOString(), argv: process.argv.slice(2), cwd: process.cwd(), env: { ...env } });
  fs.appendFileSync(paths.calls, `${line}\n`, { mode: 0o600 });
}

// ---- nix evaluation and build ----------------------------------------------------------------

/**
 * "Evaluates" the configuration: the fragment must parse (nix-instantiate --parse) and its
 * value becomes the system's site.json. @param {string} action
 */
function evaluate(action) {
  const p = /** @type {NonNullable<typeof paths>} */ (paths);
  const evalId = startActivity(0, "evaluating file '<nixpkgs/nixos>'", undefined, 0, 4);
  let fragment = null;
  try {
    fragment = fs.readFileSync(p.fragment, 'utf8');
  } catch {
    fragment = null;
  }
  let site = null;
  if (fragment !== null) {
    const parse = spawnSync('nix-instantiate', ['--parse', p.fragment], { encoding: 'utf8', env: { PATH: env.PATH ?? '', NIX_PATH: '' } });
    if (parse.error) die(`error: cannot run nix-instantiate: ${parse.error.message}`);
    if (parse.status !== 0) {
      stopActivity(evalId);
      for (const line of (parse.stderr || 'error: syntax error').trimEnd().split('\n')) nixMsg(line, 0);
      process.exit(1);
    }
    const value = spawnSync(
      'nix-instantiate',
      ['--eval', '--strict', '--json', '--expr', '{ f }: (import f).bowtie.site or null', '--argstr', 'f', p.fragment],
      {
        encoding: 'utf8',
        env: { PATH: env.PATH ?? '', NIX_PATH: '' },
      },
    );
    if (value.status !== 0) {
      stopActivity(evalId);
      for (const line of (value.stderr || 'error: evaluation failed').trimEnd().split('\n')) nixMsg(line, 0);
      process.exit(1);
    }
    site = JSON.parse(value.stdout);
  }
  sleep(600);
  stopActivity(evalId);
  faultPoint(action, 'eval');
  const code = failCode(action);
  if (code !== null && ![2, 3, 4, 100].includes(code)) {
    nixMsg(`error: simulated failure of ${action} (exit code ${code})`, 0);
    nixMsg("       … while evaluating the attribute 'config.system.build.toplevel'", 0);
    process.exit(code);
  }
  const host = site && typeof site === 'object' && typeof site.hostname === 'string' ? site.hostname : 'bowtie';
  return { fragment, site, host };
}

/**
 * Builds the system: substitutes and builds a few paths with realistic activity messages.
 * @param {string} action @param {{fragment: string|null, site: unknown, host: string}} cfg
 */
function build(action, cfg) {
  const p = /** @type {NonNullable<typeof paths>} */ (paths);
  const out = systemPath(cfg.fragment, cfg.host);
  const cached = fs.existsSync(join(out, 'bin/switch-to-configuration'));
  const seed = nixHash(`${cfg.fragment}`);
  const fetches = cached
    ? []
    : ['bowtie-server-1.8.2', 'bowtie-update-0.4.0', 'unit-bowtie-server.service', 'etc-bowtie-site.json', 'nixos-configuration'].map((n, i) => ({
        name: n,
        size: 180_000 + i * 1_234_567,
      }));
  const drvs = cached ? [] : ['etc', 'unit-bowtie-server.service', 'system-units', `nixos-system-${cfg.host}-25.05.sim`];
  const realise = startActivity(102, '', undefined, 0, 0);
  const builds = startActivity(104, '', undefined, 0, 0);
  const copies = startActivity(103, '', undefined, 0, 0);
  if (!cached) {
    nixMsg(`these ${drvs.length} derivations will be built:`, 3);
    for (const d of drvs) nixMsg(`  ${p.store}/${nixHash(`${seed}${d}`)}-${d}.drv`, 3);
    nixMsg(`these ${fetches.length} paths will be fetched (${(fetches.reduce((a, f) => a + f.size, 0) / 1048576).toFixed(2)} MiB download):`, 3);
    for (const f of fetches) nixMsg(`  ${p.store}/${nixHash(f.name)}-${f.name}`, 3);
  }
  const totalBytes = fetches.reduce((a, f) => a + f.size, 0);
  result(builds, 105, [0, drvs.length, 0, 0]);
  result(copies, 106, [100, totalBytes]);
  result(copies, 105, [0, fetches.length, 0, 0]);
  let fetched = 0;
  for (const f of fetches) {
    const path = `${p.store}/${nixHash(f.name)}-${f.name}`;
    const sub = startActivity(108, `copying path '${path}' from 'https://cache.nixos.org'`, [path, 'https://cache.nixos.org'], 0, 3);
    const copy = startActivity(100, `copying path '${path}' from 'https://cache.nixos.org'`, [path, 'https://cache.nixos.org', 'local'], sub, 4);
    for (const part of [0.5, 1]) {
      sleep(120);
      result(copy, 105, [Math.round(f.size * part), f.size, 0, 0]);
    }
    stopActivity(copy);
    stopActivity(sub);
    fetched++;
    result(copies, 105, [fetched, fetches.length, 0, 0]);
  }
  let done = 0;
  for (const d of drvs) {
    const drv = `${p.store}/${nixHash(`${seed}${d}`)}-${d}.drv`;
    const id = startActivity(105, `building '${drv}'`, [drv, '', 1, 1], 0, 3);
    result(builds, 105, [done, drvs.length, 1, 0]);
    for (const phase of ['unpackPhase', 'buildPhase', 'installPhase']) {
      result(id, 104, [phase]);
      sleep(150);
    }
    result(id, 101, [`installing ${d}`]);
    if (done === Math.floor(drvs.length / 2)) faultPoint(action, 'build');
    stopActivity(id);
    done++;
    result(builds, 105, [done, drvs.length, 0, 0]);
  }
  if (cached) faultPoint(action, 'build');
  stopActivity(copies);
  stopActivity(builds);
  stopActivity(realise);
  return makeSystem(cfg.fragment, cfg.site, cfg.host);
}

// ---- switch-to-configuration -----------------------------------------------------------------

/**
 * What bin/switch-to-configuration does, with its exit codes: 100 (the new init needs a reboot,
 * nothing activated), 2 (activation script failed), 3 (systemd reload failed), 4 (units failed).
 * @param {string} system @param {string} verb @param {string} faultAction
 */
function switchToConfiguration(system, verb, faultAction) {
  const p = /** @type {NonNullable<typeof paths>} */ (paths);
  const code = failCode(faultAction);
  if (verb === 'switch' || verb === 'boot') {
    plain('updating GRUB 2 menu...');
    sleep(300);
    const gen = currentGeneration();
    writeAtomic(p.bootDefault, `${gen ?? 1}\n`);
  }
  if (verb === 'boot') {
    faultPoint(faultAction, 'activate');
    if (code !== null) process.exit(code);
    return 0;
  }
  if (code === 100) {
    plain('Warning: the new NixOS configuration has an ‘init’ that is');
    plain('incompatible with the current configuration.  The new configuration');
    plain('will take effect after a reboot.');
    process.exit(100);
  }
  plain('activating the configuration...');
  sleep(300);
  plain('setting up /etc...');
  linkSystem(p.current, system);
  applyNetwork(system);
  plain('reloading user units for root...');
  sleep(300);
  faultPoint(faultAction, 'activate');
  if (code === 2) {
    plain("Activation script snippet 'bowtie-site' failed (1)");
    process.exit(2);
  }
  if (code === 3) {
    plain('Failed to reload the systemd manager.');
    process.exit(3);
  }
  if (code === 4) {
    plain('warning: the following units failed: bowtie-server.service');
    plain('× bowtie-server.service - Bowtie Controller');
    plain('     Active: failed (Result: exit-code)');
    process.exit(4);
  }
  if (code !== null) process.exit(code);
  plain('the following new units were started: bowtie-server.service');
  return 0;
}

/**
 * Activation's effect on the simulated machine (machine.mjs; <root>/sys/class/net, see
 * server/system/interfaces.ts): the configured interface gets the static address, or its DHCP
 * lease back (remembered in simulated-dhcp-addresses the first time it is replaced).
 * @param {string} system
 */
function applyNetwork(system) {
  const dir = join(/** @type {string} */ (root), 'sys/class/net');
  if (!fs.existsSync(dir)) return;
  /** @type {any} */
  let site = null;
  try {
    site = JSON.parse(fs.readFileSync(join(system, 'site.json'), 'utf8'));
  } catch {
    site = null;
  }
  const names = fs.readdirSync(dir).sort();
  const read = (/** @type {string} */ n, /** @type {string} */ f) => {
    try {
      return fs.readFileSync(join(dir, n, f), 'utf8').trim();
    } catch {
      return null;
    }
  };
  const wanted = site?.network?.interface ?? names.find((n) => fs.existsSync(join(dir, n, 'device')) && read(n, 'carrier') === '1');
  for (const name of names) {
    const lease = read(name, 'simulated-dhcp-addresses');
    const current = read(name, 'simulated-addresses') ?? '';
    if (lease === null) writeAtomic(join(dir, name, 'simulated-dhcp-addresses'), `${current}\n`);
    const dhcp = lease ?? current;
    const v4 = site?.network?.ipv4;
    const next = name === wanted && v4?.method === 'static' ? v4.address : dhcp;
    if (next !== current) writeAtomic(join(dir, name, 'simulated-addresses'), `${next}\n`);
  }
}

// ---- command line ----------------------------------------------------------------------------

const USAGE = 'Usage: nixos-rebuild [--rollback] [--log-format internal-json] [-v] {switch|boot|test|build|dry-build|dry-activate}';

function main() {
  const argv = process.argv.slice(2);
  if (!paths) die('nixos-rebuild-sim: BOWTIE_SETUP_ROOT is not set (the simulator never acts on /)', 1);
  if (argv.length === 1 && argv[0] === '--simulated-machine') {
    ensureMachine(/** @type {string} */ (root));
    process.exit(0);
  }
  recordCall();

  if (argv[0] === '--switch-to-configuration') {
    const system = argv[1] ?? '';
    const verb = argv[2] ?? '';
    if (!['switch', 'boot', 'test', 'dry-activate'].includes(verb)) die(`Usage: ${system}/bin/switch-to-configuration [switch|boot|test|dry-activate]`, 1);
    if (verb === 'dry-activate') {
      plain('would activate the configuration...');
      process.exit(0);
    }
    const p = /** @type {NonNullable<typeof paths>} */ (paths);
    if (relative(p.store, system).startsWith('..')) die('switch-to-configuration: not a system in this root', 1);
    process.exit(switchToConfiguration(system, verb, `stc-${verb}`));
  }

  let action = null;
  let rollback = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (['switch', 'boot', 'test', 'build', 'dry-build', 'dry-activate', 'build-vm', 'edit', 'repl', 'list-generations'].includes(a)) {
      if (action) die(`error: unexpected argument '${a}'\n${USAGE}`, 1);
      action = a;
    } else if (a === '--rollback') rollback = true;
    else if (a === '--log-format') {
      const f = argv[++i];
      if (f !== 'internal-json' && f !== 'bar' && f !== 'raw' && f !== 'bar-with-logs') die(`error: option '--log-format' has invalid value '${f}'`, 1);
      jsonLog = f === 'internal-json';
    } else if (['-v', '--verbose', '--show-trace', '--fast', '--no-build-nix', '-L', '--print-build-logs', '--keep-going', '--keep-failed'].includes(a)) {
      // accepted, no effect here
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else die(`error: unknown option '${a}'\n${USAGE}`, 1);
  }
  if (!action) die(USAGE, 1);
  if (!['switch', 'boot', 'test', 'build', 'dry-build', 'list-generations'].includes(action)) die(`nixos-rebuild-sim: '${action}' is not simulated`, 1);

  ensureInitialized();
  const p = /** @type {NonNullable<typeof paths>} */ (paths);
  if (action === 'list-generations') {
    const cur = currentGeneration();
    for (const g of generations().reverse()) process.stdout.write(`${g} ${generationPath(g)}${g === cur ? ' (current)' : ''}\n`);
    process.exit(0);
  }

  if (rollback) {
    if (action === 'build' || action === 'dry-build') die('error: --rollback is not supported with build', 1);
    const fa = 'rollback';
    const cur = currentGeneration();
    const older = generations().filter((g) => cur !== null && g < cur);
    const target = older.at(-1) ?? die('error: no generation older than the current one', 1);
    plain(`switching profile from version ${cur} to ${target}`);
    faultPoint(fa, 'eval');
    const code = failCode(fa);
    if (code !== null && ![2, 3, 4, 100].includes(code)) process.exit(code);
    if (action !== 'test') replaceSymlink(p.profile, `system-${target}-link`);
    faultPoint(fa, 'profile');
    process.exit(switchToConfiguration(generationPath(target), action, fa));
  }

  plain(action === 'dry-build' ? 'building the system configuration (dry run)...' : 'building the system configuration...');
  const cfg = evaluate(action);
  if (action === 'dry-build') {
    nixMsg('these 4 derivations would be built:', 3);
    process.exit(failCode(action) ?? 0);
  }
  const system = build(action, cfg);
  if (action === 'build') {
    linkSystem(join(process.cwd(), 'result'), system);
    faultPoint(action, 'activate');
    process.exit(failCode(action) ?? 0);
  }
  if (action === 'switch' || action === 'boot') {
    setProfile(system);
    faultPoint(action, 'profile');
  }
  process.exit(switchToConfiguration(system, action, action));
}

main();
