/**
 * `bowtie-setup update` against a fake metadata server on 127.0.0.1 and fake `nix`,
 * `nixos-rebuild` and `systemctl` executables (test/fixtures/update-bin/), on a sandbox root.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runUpdate, UPDATE_EXIT } from '../../server/update/run.js';
import { createUpdateSystem } from '../../server/update/system.js';
import { closedPortUrl, startFakeMetadataServer, type FakeMetadataServer } from '../fixtures/fake-metadata-server.js';

const BIN = fileURLToPath(new URL('../fixtures/update-bin', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/bowtie-setup.js', import.meta.url));
const KEY = 'bowtie-1:' + 'A'.repeat(43) + '=';
const OTHER_KEY = 'evil-1:' + 'B'.repeat(43) + '=';

const NIXPKGS_1 = '/nix/store/0a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-source';
const NIXPKGS_2 = '/nix/store/1a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-source';
const BASE_2 = '/nix/store/2a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-nixos-system-bowtie-1.9.0';
const CONFIG_2 = '/nix/store/3a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-source/nix/configuration.nix';

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
  const profiles = join(root, 'nix/var/nix/profiles');
  mkdirSync(profiles, { recursive: true });
  symlinkSync('/nix/store/fake-system-1', join(profiles, 'system-1-link'));
  symlinkSync('system-1-link', join(profiles, 'system'));
  mkdirSync(join(root, 'etc/bowtie-setup'), { recursive: true });
  writeFileSync(
    join(root, 'etc/bowtie-setup/release.json'),
    JSON.stringify({ version: '1.8.2', nixpkgs: NIXPKGS_1, configuration: '/nix/store/4a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-source/nix/configuration.nix' }),
  );
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

const NEW_RELEASE = JSON.stringify({ version: '1.9.0', nixpkgs: NIXPKGS_2, configuration: CONFIG_2 });

async function update(env: Record<string, string> = {}, check = false): Promise<number> {
  const system = createUpdateSystem({
    root,
    simulate: false,
    env: {
      PATH: `${BIN}:${process.env.PATH ?? ''}`,
      BOWTIE_SETUP_NIXOS_REBUILD: join(BIN, 'nixos-rebuild'),
      FAKE_NIX_RELEASE: NEW_RELEASE,
      ...env,
    },
  });
  return runUpdate({ root, check, pollIntervalMs: 100, stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, system);
}

function calls(): string[] {
  try {
    return readFileSync(join(root, 'calls.log'), 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
const generation = () => readlinkSync(join(root, 'nix/var/nix/profiles/system'));
const rebuilds = () => calls().filter((c) => c.startsWith('nixos-rebuild'));

describe('bowtie-setup update', () => {
  it('a new version: copies the base from the signed cache, switches with its release, checks health', async () => {
    expect(await update()).toBe(UPDATE_EXIT.ok);
    const [copy, ...rest] = calls();
    expect(copy).toBe(
      `nix --extra-experimental-features nix-command copy --from https://cache.bowtie.example --option trusted-public-keys ${KEY} --option require-sigs true ${BASE_2}`,
    );
    expect(rest[0]).toBe(`nixos-rebuild switch NIX_PATH=nixpkgs=${NIXPKGS_2}:nixos-config=${CONFIG_2}`);
    expect(rest).toContain('systemctl is-active -- bowtie_server.service');
    expect(server.requests).toContain('GET /cluster');
    expect(generation()).toBe('system-2-link');
    expect(out.join('')).toContain('updated to 1.9.0');
  });

  it('the same version: reports up to date and runs nothing', async () => {
    serveMetadata({ version: '1.8.2', base: BASE_2, channel: 'stable' });
    expect(await update()).toBe(UPDATE_EXIT.ok);
    expect(out.join('')).toContain('up to date: 1.8.2');
    expect(calls()).toEqual([]);
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
    expect(generation()).toBe('system-1-link');
  });

  it('a base system signed by an untrusted key: nix copy refuses, nothing changes', async () => {
    expect(await update({ FAKE_NIX_SIGNED_BY: 'evil-1' })).toBe(UPDATE_EXIT.applyFailed);
    expect(err.join('')).toMatch(/nix copy failed[\s\S]*lacks a signature by a trusted key/);
    expect(rebuilds()).toEqual([]);
    expect(generation()).toBe('system-1-link');
  });

  it('a second trusted key is passed to nix copy too', async () => {
    writeSettings({ trusted_public_keys: [KEY, OTHER_KEY] });
    expect(await update({ FAKE_NIX_SIGNED_BY: 'evil-1' })).toBe(UPDATE_EXIT.ok);
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
    expect(await update({ FAKE_NIX_RELEASE: JSON.stringify({ version: '2.0.0', nixpkgs: NIXPKGS_2, configuration: CONFIG_2 }) })).toBe(
      UPDATE_EXIT.invalid,
    );
    expect(rebuilds()).toEqual([]);
  });

  it('health check failure after the switch: rolls back to the previous generation', async () => {
    expect(await update({ FAKE_UNIT_STATE: 'failed' })).toBe(UPDATE_EXIT.applyFailed);
    expect(rebuilds().map((c) => c.split(' NIX_PATH')[0])).toEqual(['nixos-rebuild switch', 'nixos-rebuild switch --rollback']);
    expect(generation()).toBe('system-1-link');
    expect(err.join('')).toContain('health check failed: bowtie_server.service is failed');
    expect(err.join('')).toContain('rolled back; 1.8.2 runs again');
  });

  it('cluster unreachable after the switch: rolls back', async () => {
    server.clusterStatus = 503;
    expect(await update()).toBe(UPDATE_EXIT.applyFailed);
    expect(generation()).toBe('system-1-link');
    expect(err.join('')).toContain('/cluster is not reachable');
  });

  it('the rollback itself fails: exit 4 and says what to do', async () => {
    expect(await update({ FAKE_UNIT_STATE: 'failed', FAKE_ROLLBACK_FAIL: '1' })).toBe(UPDATE_EXIT.rollbackFailed);
    expect(err.join('')).toContain('ROLLBACK FAILED');
  });

  it('a rebuild that fails before activation changes nothing and needs no rollback', async () => {
    expect(await update({ FAKE_REBUILD_FAIL: 'eval' })).toBe(UPDATE_EXIT.applyFailed);
    expect(rebuilds()).toHaveLength(1);
    expect(generation()).toBe('system-1-link');
  });

  it('a switch that fails during activation is rolled back', async () => {
    expect(await update({ FAKE_REBUILD_FAIL: 'activate' })).toBe(UPDATE_EXIT.applyFailed);
    expect(rebuilds()[1]).toMatch(/^nixos-rebuild switch --rollback/);
    expect(generation()).toBe('system-1-link');
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

  it('an unknown option is a usage error (exit 2)', async () => {
    await expect(run(process.execPath, [CLI, '--root', root, 'update', '--now'])).rejects.toMatchObject({ code: 2 });
  });
});
