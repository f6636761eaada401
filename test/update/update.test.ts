/**
 * `bowtie-setup update` on a sandbox root: a fake metadata server on 127.0.0.1, fake `nix` and
 * `systemctl` executables (test/fixtures/update-bin/), and the nixos-rebuild simulator behind
 * the apply engine's rebuild adapter (the same one `--simulate update` uses).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enginePaths } from '../../server/apply/paths.js';
import { runUpdate, UPDATE_EXIT } from '../../server/update/run.js';
import { createUpdateSystem } from '../../server/update/system.js';
import { closedPortUrl, startFakeMetadataServer, type FakeMetadataServer } from '../fixtures/fake-metadata-server.js';

const BIN = fileURLToPath(new URL('../fixtures/update-bin', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/bowtie-setup.js', import.meta.url));
const KEY = 'bowtie-1:' + 'A'.repeat(43) + '=';
const OTHER_KEY = 'evil-1:' + 'B'.repeat(43) + '=';

const NIXPKGS_1 = '/nix/store/0a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-source';
const NIXPKGS_2 = '/nix/store/1a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-source';
const NIXPKGS_3 = '/nix/store/5a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-source';
const BASE_2 = '/nix/store/2a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-nixos-system-bowtie-1.9.0';
const BASE_3 = '/nix/store/6a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-nixos-system-bowtie-1.10.0';
const CONFIG_2 = '/nix/store/3a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-source/nix/configuration.nix';
const CONFIG_3 = '/nix/store/7a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-source/nix/configuration.nix';
/** Something secret-looking in the updater's own environment: no command may see it. */
const SECRET_ENV = { BOWTIE_SETUP_TEST_SECRET: 'Canary-update-env', AWS_SECRET_ACCESS_KEY: 'Canary-aws' };

let server: FakeMetadataServer;
let root: string;
let out: string[];
let err: string[];

beforeAll(async () => {
  server = await startFakeMetadataServer();
});
afterAll(() => server.close());

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bowtie-update-'));
  out = [];
  err = [];
  server.requests.length = 0;
  server.clusterStatus = 200;
  mkdirSync(join(root, 'etc/bowtie-setup'), { recursive: true });
  writeFileSync(
    join(root, 'etc/bowtie-setup/release.json'),
    JSON.stringify({ version: '1.8.2', nixpkgs: NIXPKGS_1, configuration: '/nix/store/4a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-source/nix/configuration.nix' }),
  );
  // The site fragment the update rebuilds with.
  mkdirSync(join(root, 'etc/nixos/bowtie'), { recursive: true });
  writeFileSync(join(root, 'etc/nixos/bowtie/site.nix'), '{\n  bowtie.site = { hostname = "ctl-upd-01"; };\n}\n');
  writeSettings({});
  serveMetadata({ version: '1.9.0', base: BASE_2, channel: 'stable' });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function writeSettings(overrides: Record<string, unknown>): void {
  const settings = {
    metadata_url: `${server.url}/stable.json`,
    channel: 'stable',
    cache_url: 'https://cache.bowtie.example',
    trusted_public_keys: [KEY],
    health: { units: ['bowtie_server.service'], urls: [`${server.url}/cluster`], timeout_seconds: 1 },
    ...overrides,
  };
  writeFileSync(join(root, 'etc/bowtie-setup/update.json'), JSON.stringify(settings));
}

function serveMetadata(value: unknown, status = 200): void {
  server.reply = { status, body: typeof value === 'string' ? value : JSON.stringify(value) };
}

const release = (version: string, nixpkgs: string, configuration: string) => JSON.stringify({ version, nixpkgs, configuration });
const NEW_RELEASE = release('1.9.0', NIXPKGS_2, CONFIG_2);

function updateEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('BOWTIE_')) delete base[k];
  return { ...base, ...SECRET_ENV, PATH: `${BIN}:${process.env.PATH ?? ''}`, BOWTIE_SIM_DELAY_SCALE: '0', BOWTIE_SIM_NIX_RELEASE: NEW_RELEASE, ...env };
}

async function update(env: Record<string, string> = {}, check = false): Promise<number> {
  const system = createUpdateSystem({ root, simulate: true, env: updateEnv(env) });
  return runUpdate({ root, check, pollIntervalMs: 100, stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, system);
}

/** The fake nix's and systemctl's calls. */
function calls(): string[] {
  try {
    return readFileSync(join(root, 'calls.log'), 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

interface SimCall {
  argv: string[];
  env: Record<string, string>;
}
/** The nixos-rebuild simulator's calls (also its switch-to-configuration), without list-generations. */
function simCalls(): SimCall[] {
  const file = join(root, 'nix/var/log/nixos-rebuild-sim/calls.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as SimCall)
    .filter((c) => c.argv[0] !== 'list-generations');
}
const rebuilds = () =>
  simCalls().map((c) =>
    c.argv[0] === '--switch-to-configuration'
      ? `switch-to-configuration ${c.argv[2]} ${c.argv[1]!.split('-').slice(-3).join('-')}`
      : `nixos-rebuild ${c.argv.join(' ')}`,
  );
const profile = () => readlinkSync(join(root, 'nix/var/nix/profiles/system'));
const active = () => realpathSync(join(root, 'run/current-system'));
const generationSystem = (n: number) => realpathSync(join(root, `nix/var/nix/profiles/system-${n}-link`));

describe('bowtie-setup update', () => {
  it('a new version: copies the base from the signed cache, switches with its release, checks health', async () => {
    expect(await update()).toBe(UPDATE_EXIT.ok);
    expect(calls()[0]).toBe(
      `nix --extra-experimental-features nix-command copy --log-format internal-json --from https://cache.bowtie.example --option trusted-public-keys ${KEY} --option require-sigs true ${BASE_2}`,
    );
    expect(calls()).toContain('systemctl is-active -- bowtie_server.service');
    expect(simCalls().map((c) => c.argv)).toEqual([['switch', '--log-format', 'internal-json', '-v']]);
    expect(simCalls()[0]!.env.NIX_PATH).toBe(`nixpkgs=${NIXPKGS_2}:nixos-config=${CONFIG_2}`);
    expect(server.requests).toContain('GET /cluster');
    // A new generation built on the new base, with the site fragment, active and the default.
    expect(profile()).toBe('system-2-link');
    expect(active()).toBe(generationSystem(2));
    expect(readFileSync(join(active(), 'nix-path'), 'utf8')).toContain(`nixpkgs=${NIXPKGS_2}`);
    expect(JSON.parse(readFileSync(join(active(), 'site.json'), 'utf8'))).toEqual({ hostname: 'ctl-upd-01' });
    expect(readFileSync(join(root, 'boot/default-generation'), 'utf8').trim()).toBe('2');
    expect(out.join('')).toContain('updated to 1.9.0 (generation 2)');
  });

  it('each release is a generation of its own (the simulator tells bases apart by NIX_PATH)', async () => {
    expect(await update()).toBe(UPDATE_EXIT.ok);
    serveMetadata({ version: '1.10.0', base: BASE_3, channel: 'stable' });
    expect(await update({ BOWTIE_SIM_NIX_RELEASE: release('1.10.0', NIXPKGS_3, CONFIG_3) })).toBe(UPDATE_EXIT.ok);
    expect(profile()).toBe('system-3-link');
    expect(generationSystem(3)).not.toBe(generationSystem(2));
    expect(readFileSync(join(active(), 'nix-path'), 'utf8')).toContain(`nixpkgs=${NIXPKGS_3}`);
  });

  it("nix copy gets the site proxy from the unit's environment; its credentials are kept out of the log", async () => {
    const proxy = 'http://svc-bowtie:Pr0xy%40Secret-pw@proxy.corp.example.com:3128';
    const env = {
      HTTP_PROXY: proxy,
      HTTPS_PROXY: proxy,
      http_proxy: proxy,
      https_proxy: proxy,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
    };
    expect(await update(env)).toBe(UPDATE_EXIT.ok);
    expect(calls()).toContain(`proxy ${proxy} no_proxy 127.0.0.1,localhost`);
    const logs = readdirSync(enginePaths(root).logsDir).filter((f) => f.startsWith('update-'));
    const log = readFileSync(join(enginePaths(root).logsDir, logs[0]!), 'utf8');
    expect(log).toContain('through proxy http://[redacted]@proxy.corp.example.com:3128');
    for (const secret of ['Pr0xy%40Secret-pw', 'Pr0xy@Secret-pw']) {
      expect(log).not.toContain(secret);
      expect(out.join('') + err.join('')).not.toContain(secret);
    }
  });

  it('commands get the allowlisted environment only, and their output goes to a bounded update log', async () => {
    expect(await update()).toBe(UPDATE_EXIT.ok);
    for (const call of simCalls()) {
      expect(call.env.BOWTIE_SETUP_ROOT).toBe(root);
      expect(Object.keys(call.env)).not.toContain('BOWTIE_SETUP_TEST_SECRET');
      expect(Object.keys(call.env)).not.toContain('AWS_SECRET_ACCESS_KEY');
      expect(JSON.stringify(call.env)).not.toContain('Canary');
    }
    const logs = readdirSync(enginePaths(root).logsDir).filter((f) => f.startsWith('update-'));
    expect(logs).toHaveLength(1);
    const log = readFileSync(join(enginePaths(root).logsDir, logs[0]!), 'utf8');
    // internal-json is turned into readable lines, as for applies.
    expect(log).not.toContain('@nix {');
    expect(log).toContain('-- nixos-rebuild switch --log-format internal-json -v: succeeded');
    expect(out.join('')).toContain(`log: ${join(enginePaths(root).logsDir, logs[0]!)}`);
  });

  it('refuses to run when its log directory is a link someone planted', async () => {
    serveMetadata({ version: '1.9.0', base: BASE_2, channel: 'stable' });
    const logs = enginePaths(root).logsDir;
    rmSync(logs, { recursive: true, force: true });
    mkdirSync(join(logs, '..'), { recursive: true });
    symlinkSync(mkdtempSync(join(tmpdir(), 'bowtie-planted-')), logs);
    expect(await update()).toBe(UPDATE_EXIT.applyFailed);
    expect(err.join('')).toMatch(/refusing to use .*logs: it is a symbolic link/);
    expect(calls()).toEqual([]);
    expect(simCalls()).toEqual([]);
  });

  it('the same version: reports up to date and runs nothing', async () => {
    serveMetadata({ version: '1.8.2', base: BASE_2, channel: 'stable' });
    expect(await update()).toBe(UPDATE_EXIT.ok);
    expect(out.join('')).toContain('up to date: 1.8.2');
    expect(calls()).toEqual([]);
    expect(simCalls()).toEqual([]);
  });

  it('an older version is not installed', async () => {
    serveMetadata({ version: '1.8.2-rc.1', base: BASE_2, channel: 'stable' });
    expect(await update()).toBe(UPDATE_EXIT.ok);
    expect(out.join('')).toContain('not going back');
    expect(calls()).toEqual([]);
  });

  it('--check only reports', async () => {
    expect(await update({}, true)).toBe(UPDATE_EXIT.ok);
    expect(out.join('')).toBe('update available: 1.8.2 -> 1.9.0 (stable)\n');
    expect(calls()).toEqual([]);
    expect(existsSync(join(root, 'nix/var/nix/profiles/system'))).toBe(false);
  });

  it('a base system signed by an untrusted key: nix copy refuses, nothing changes', async () => {
    expect(await update({ BOWTIE_SIM_NIX_SIGNED_BY: 'evil-1' })).toBe(UPDATE_EXIT.applyFailed);
    expect(err.join('')).toMatch(/nix copy failed with exit code 1[\s\S]*lacks a signature by a trusted key/);
    expect(rebuilds()).toEqual([]);
    expect(profile()).toBe('system-1-link');
  });

  it('a second trusted key is passed to nix copy too', async () => {
    writeSettings({ trusted_public_keys: [KEY, OTHER_KEY] });
    expect(await update({ BOWTIE_SIM_NIX_SIGNED_BY: 'evil-1' })).toBe(UPDATE_EXIT.ok);
    expect(calls()[0]).toContain(`trusted-public-keys ${KEY} ${OTHER_KEY} `);
  });

  it.each([
    ['not JSON', '{"version": "1.9.0",'],
    ['no base', { version: '1.9.0', channel: 'stable' }],
    ['a base outside the store', { version: '1.9.0', base: '/tmp/evil', channel: 'stable' }],
    ['a base with a bad hash', { version: '1.9.0', base: '/nix/store/eeee-evil', channel: 'stable' }],
    ['a version that is not one', { version: 'latest', base: BASE_2, channel: 'stable' }],
    ['another channel', { version: '1.9.0', base: BASE_2, channel: 'beta' }],
    ['a list', [1, 2, 3]],
  ])('malformed metadata (%s): exit 1, nothing runs', async (_name, body) => {
    serveMetadata(body);
    expect(await update()).toBe(UPDATE_EXIT.invalid);
    expect(calls()).toEqual([]);
    expect(err.join('')).toMatch(/metadata|channel/);
  });

  it('oversized metadata is refused', async () => {
    serveMetadata(JSON.stringify({ version: '1.9.0', base: BASE_2, channel: 'stable', pad: 'x'.repeat(100_000) }));
    expect(await update()).toBe(UPDATE_EXIT.invalid);
    expect(err.join('')).toContain('larger than');
  });

  it('a base system whose release file disagrees with the metadata is not switched to', async () => {
    expect(await update({ BOWTIE_SIM_NIX_RELEASE: release('2.0.0', NIXPKGS_2, CONFIG_2) })).toBe(UPDATE_EXIT.invalid);
    expect(rebuilds()).toEqual([]);
  });

  it('health check failure after the switch: back to the previous generation, activated and the boot default', async () => {
    expect(await update({ BOWTIE_SIM_UNIT_STATE: 'failed' })).toBe(UPDATE_EXIT.applyFailed);
    expect(rebuilds()).toEqual(['nixos-rebuild switch --log-format internal-json -v', expect.stringMatching(/^switch-to-configuration switch /)]);
    expect(profile()).toBe('system-1-link');
    expect(active()).toBe(generationSystem(1));
    expect(readFileSync(join(root, 'boot/default-generation'), 'utf8').trim()).toBe('1');
    expect(err.join('')).toContain('health check failed: bowtie_server.service is failed');
    expect(err.join('')).toContain('rolled back; 1.8.2 runs again (generation 1)');
  });

  it('cluster unreachable after the switch: rolls back', async () => {
    server.clusterStatus = 503;
    expect(await update()).toBe(UPDATE_EXIT.applyFailed);
    expect(profile()).toBe('system-1-link');
    expect(err.join('')).toContain('/cluster is not reachable');
  });

  it('site link not routable after the switch: the gate refuses and rolls back, naming the link', async () => {
    writeSettings({ health: { units: ['bowtie_server.service'], urls: [], timeout_seconds: 1, network: { interface: 'ens3' } } });
    expect(await update({ BOWTIE_SIM_LINK_STATE: 'degraded' })).toBe(UPDATE_EXIT.applyFailed);
    expect(profile()).toBe('system-1-link');
    expect(active()).toBe(generationSystem(1));
    expect(err.join('')).toContain('health check failed: site link ens3 is not routable');
    expect(calls()).toContainEqual(expect.stringMatching(/^systemd-networkd-wait-online --timeout=1 --operational-state=routable --interface=ens3$/));
  });

  it('site link routable: the gate passes; with no interface named it waits for any link', async () => {
    writeSettings({ health: { units: ['bowtie_server.service'], urls: [], timeout_seconds: 1, network: { interface: null } } });
    expect(await update()).toBe(UPDATE_EXIT.ok);
    expect(profile()).toBe('system-2-link');
    expect(calls()).toContain('systemd-networkd-wait-online --timeout=1 --operational-state=routable --any');
  });

  it('no network entry (an image without a site): the link is not asked', async () => {
    expect(await update({ BOWTIE_SIM_LINK_STATE: 'degraded' })).toBe(UPDATE_EXIT.ok);
    expect(calls().filter((c) => c.startsWith('systemd-networkd-wait-online'))).toEqual([]);
  });

  it.each([
    ['an option', '--any'],
    ['a path', '../../etc'],
    ['too long', 'a'.repeat(16)],
    ['a space', 'ens3 --any'],
    ['not a string', 3],
  ])('a health.network.interface that is %s is refused before anything runs', async (_what, value) => {
    writeSettings({ health: { units: [], urls: [], timeout_seconds: 1, network: { interface: value } } });
    expect(await update()).toBe(UPDATE_EXIT.invalid);
    expect(err.join('')).toContain('health.network.interface');
    expect(rebuilds()).toEqual([]);
    expect(calls()).toEqual([]);
  });

  it('the rollback itself fails: exit 4 and says what to do', async () => {
    expect(await update({ BOWTIE_SIM_UNIT_STATE: 'failed', BOWTIE_SIM_FAIL: 'stc-switch:1' })).toBe(UPDATE_EXIT.rollbackFailed);
    expect(UPDATE_EXIT.rollbackFailed).toBe(4);
    expect(err.join('')).toContain('ROLLBACK FAILED');
    expect(err.join('')).toContain('system-1-link/bin/switch-to-configuration switch');
  });

  it('a rebuild that fails before activation changes nothing and needs no rollback', async () => {
    expect(await update({ BOWTIE_SIM_FAIL: 'switch:1' })).toBe(UPDATE_EXIT.applyFailed);
    expect(rebuilds()).toHaveLength(1);
    expect(profile()).toBe('system-1-link');
    expect(err.join('')).toContain('before activation; 1.8.2 still runs');
    expect(err.join('')).toContain('simulated failure of switch');
  });

  it('a switch that fails during activation is rolled back', async () => {
    expect(await update({ BOWTIE_SIM_FAIL: 'switch:4' })).toBe(UPDATE_EXIT.applyFailed);
    expect(rebuilds()[1]).toMatch(/^switch-to-configuration switch /);
    expect(profile()).toBe('system-1-link');
    expect(active()).toBe(generationSystem(1));
    expect(err.join('')).toContain('some units failed to start');
  });

  it('network down: exit 3, nothing runs, the next run tries again', async () => {
    writeSettings({ metadata_url: `${await closedPortUrl()}/stable.json` });
    expect(await update()).toBe(UPDATE_EXIT.applyFailed);
    expect(err.join('')).toMatch(/cannot reach the metadata endpoint .*ECONNREFUSED/);
    expect(calls()).toEqual([]);
  });

  it('the endpoint answering an error status is "unavailable", not malformed', async () => {
    serveMetadata('<html>maintenance</html>', 503);
    expect(await update()).toBe(UPDATE_EXIT.applyFailed);
    expect(err.join('')).toContain('answered HTTP 503');
  });

  it.each([
    ['plain http to a remote host', { metadata_url: 'http://updates.example.com/stable.json' }, 'metadata_url'],
    ['no trusted key', { trusted_public_keys: [] }, 'trusted_public_keys'],
    ['a malformed key', { trusted_public_keys: ['not-a-key'] }, 'trusted_public_keys.0'],
    ['an unknown setting', { surprise: true }, 'surprise'],
  ])('invalid settings (%s): exit 1 naming the field', async (_name, overrides, field) => {
    writeSettings(overrides);
    expect(await update()).toBe(UPDATE_EXIT.invalid);
    expect(err.join('')).toContain(`${field}:`);
    expect(calls()).toEqual([]);
  });
});

describe('bowtie-setup update on the command line', () => {
  const run = promisify(execFile);

  it('--check through the CLI', async () => {
    const { stdout } = await run(process.execPath, [CLI, '--root', root, 'update', '--check']);
    expect(stdout).toBe('update available: 1.8.2 -> 1.9.0 (stable)\n');
  });

  it('--help documents exit code 4 (docs/decisions/0510)', async () => {
    const { stdout } = await run(process.execPath, [CLI, '--help']);
    expect(stdout).toMatch(/Exit codes: 0 ok, .*3 apply failed/);
    expect(stdout).toContain('4 update failed and so did its rollback (needs attention)');
  });

  it('an unknown option is a usage error (exit 2)', async () => {
    await expect(run(process.execPath, [CLI, '--root', root, 'update', '--now'])).rejects.toMatchObject({ code: 2 });
  });

  it('--simulate update installs the new release in the sandbox', async () => {
    const { stdout } = await run(process.execPath, [CLI, '--root', root, '--simulate', 'update'], { env: updateEnv() });
    expect(stdout).toContain('updated to 1.9.0 (generation 2)');
    expect(profile()).toBe('system-2-link');
  });
});

describe('bowtie-setup update killed at each step (docs/decisions/0621)', () => {
  const run = promisify(execFile);
  const cli = (env: Record<string, string> = {}) => run(process.execPath, [CLI, '--root', root, '--simulate', 'update'], { env: updateEnv(env) });
  const boot = () => readFileSync(join(root, 'boot/default-generation'), 'utf8').trim();
  const journal = () => existsSync(join(root, 'var/lib/bowtie-setup/update-journal.json'));

  /** Old or new, never a mix: the profile, the running system and the boot default agree. */
  function whole(): number {
    const n = Number(/^system-(\d+)-link$/.exec(profile())![1]);
    expect(active()).toBe(generationSystem(n));
    expect(boot()).toBe(String(n));
    return n;
  }

  it.each([
    ['update:switch:journaled', {}],
    ['update:switch:done', {}],
    ['update:health:journaled', {}],
    ['update:health:done', {}],
    ['update:rollback:journaled', { BOWTIE_SIM_UNIT_STATE: 'failed' }],
    ['update:rollback:done', { BOWTIE_SIM_UNIT_STATE: 'failed' }],
  ] as [string, Record<string, string>][])(
    'kill -9 at %s: old or new, then the next start rolls back, then the update applies',
    async (at, env) => {
      await expect(cli({ ...env, BOWTIE_SETUP_TEST_CRASH_AT: at })).rejects.toMatchObject({ signal: 'SIGKILL' });
      expect([1, 2]).toContain(whole());
      expect(journal()).toBe(true);
      // The next start finds the journal and brings back the generation that ran before.
      const next = await cli().catch((e: { code: number; stderr: string }) => e);
      expect((next as { code?: number }).code).toBe(UPDATE_EXIT.applyFailed);
      expect((next as { stderr: string }).stderr).toMatch(/was interrupted/);
      expect(whole()).toBe(1);
      expect(journal()).toBe(false);
      // And the one after that updates as usual.
      const { stdout } = await cli();
      expect(stdout).toContain('updated to 1.9.0');
      expect(whole()).toBeGreaterThan(1);
      expect(journal()).toBe(false);
    },
    60_000,
  );
});
