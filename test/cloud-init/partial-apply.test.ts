/**
 * A partial document from user data through the real apply engine (--simulate: the
 * nixos-rebuild simulator and the simulated machine, ens3 on DHCP): what it sets beyond the
 * defaults is applied headless with the health gate, then the wizard is prefilled and
 * pre-claimed (docs/decisions/0512). A failed health gate leaves the appliance as it was and
 * says why; the wizard still works; once-per-instance markers still hold.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ApplyBusyError } from '../../server/apply/errors.js';
import { applyHeadless } from '../../server/apply/headless.js';
import { readState } from '../../server/apply/journal.js';
import { enginePaths } from '../../server/apply/paths.js';
import { readCloudInitResult } from '../../server/auth/cloud-init-result.js';
import { runCloudInit, type HeadlessApply } from '../../server/cloud-init/index.js';
import { partialConfigures } from '../../server/cloud-init/partial.js';
import { CLOUD_INIT_INSTANCE_ID, CLOUD_INIT_USER_DATA } from '../../server/cloud-init/sources.js';
import { MARKER_DIR, type Marker } from '../../server/cloud-init/state-files.js';
import { validateDocument } from '../../server/config/validate.js';
import { EXIT } from '../../server/exit-codes.js';
import { FRAGMENT_PATH } from '../../server/nix/paths.js';
import { createWizard, idleStatus, type Wizard } from '../helpers/wizard.js';
import { makeRoot, removeRoots, testEnv } from '../apply/harness.js';

const PASSWORD = 'Canary-static-lab-password';
/** A hypervisor without DHCP: the address exists only in the user data. */
const STATIC = `#cloud-config
bowtie_setup:
  hostname: ctl-lab-07
  network:
    ipv4: { method: static, address: 10.0.0.5/24, gateway: 10.0.0.1 }
    dns: [ 10.0.0.53 ]
  admin:
    email: lab@example.com
    password: ${PASSWORD}
`;

let root: string;
let printed: string[];
let engineRuns: number;
let probeFail: string;
let wizard: Wizard | null = null;

beforeEach(async () => {
  root = await makeRoot();
  printed = [];
  engineRuns = 0;
  probeFail = '';
  wizard?.close();
  wizard = null;
});
afterAll(() => {
  wizard?.close();
  removeRoots();
});

/** The real engine, with the simulator's delays off and the simulated probes failing as asked. */
const apply: HeadlessApply = (o) => {
  engineRuns++;
  return applyHeadless({ ...o, env: testEnv(probeFail ? { BOWTIE_SIM_PROBE_FAIL: probeFail } : {}) });
};

/** One boot of instance `instanceId`: cloud-init's copy of the user data and its instance id. */
async function boot(instanceId: string, userData: string, extra: { force?: boolean; apply?: HeadlessApply } = {}): Promise<number> {
  await mkdir(dirname(join(root, CLOUD_INIT_USER_DATA)), { recursive: true });
  await writeFile(join(root, CLOUD_INIT_USER_DATA), userData);
  await mkdir(dirname(join(root, CLOUD_INIT_INSTANCE_ID)), { recursive: true });
  await writeFile(join(root, CLOUD_INIT_INSTANCE_ID), `${instanceId}\n`);
  return runCloudInit({
    root,
    simulate: true,
    force: extra.force ?? false,
    apply: extra.apply ?? apply,
    print: (line) => printed.push(line),
  });
}

const addresses = () => readFileSync(join(root, 'sys/class/net/ens3/simulated-addresses'), 'utf8').trim();
const activeSite = () => JSON.parse(readFileSync(join(realpathSync(join(root, 'run/current-system')), 'site.json'), 'utf8')) as Record<string, unknown> | null;
const profile = () => realpathSync(join(root, 'nix/var/nix/profiles/system'));
const generation = (n: number) => realpathSync(join(root, `nix/var/nix/profiles/system-${n}-link`));

async function markers(): Promise<Marker[]> {
  const names = await readdir(join(root, MARKER_DIR)).catch(() => []);
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(root, MARKER_DIR, n), 'utf8')) as Marker));
}

describe('a partial document that sets a static address', () => {
  it('is applied headless before the wizard: the address is up, bowtie_server is not enabled, the wizard is prefilled and pre-claimed', async () => {
    expect(await boot('i-1', STATIC)).toBe(EXIT.ok);
    expect(engineRuns).toBe(1);
    // The appliance now answers at the address from the user data.
    expect(addresses()).toBe('10.0.0.5/24');
    const site = activeSite() as { hostname: string; enrollment: unknown; admin: { password_hash_file: string } };
    expect(site.hostname).toBe('ctl-lab-07');
    expect(site.enrollment).toBeNull();
    expect(profile()).toBe(generation(2));
    const state = await readState(enginePaths(root).state);
    expect(state.setup).toBe('configured');
    expect(state.last).toMatchObject({ outcome: 'applied', source: 'cloud-init', handedOff: false });
    expect(existsSync(enginePaths(root).handoffMarker)).toBe(false);

    // cloud-init.json: still "prefilled" (the wizard finishes setup), with what was applied.
    const result = (await readCloudInitResult(root))!;
    expect(result).toMatchObject({
      status: 'prefilled',
      errors: [],
      prefill: { hostname: 'ctl-lab-07', network: { ipv4: { method: 'static', address: '10.0.0.5/24' } } },
      activation: { outcome: 'applied', configures: ['hostname', 'network.ipv4', 'network.dns'], generation: 2, reason: null },
    });
    // The engine got the hash the prefill has: the wizard's final apply keeps it.
    const prefillHash = (result.prefill as { admin: { password_hash: string } }).admin.password_hash;
    expect(readFileSync(enginePaths(root).secrets.adminPasswordHash, 'utf8').trim()).toBe(prefillHash);
    expect(await markers()).toMatchObject([{ instance_id: 'i-1', outcome: 'applied' }]);
    const out = printed.join('\n');
    expect(out).toContain('applying what the document sets for ctl-lab-07 (hostname, network.ipv4, network.dns)');
    expect(out).toContain('applied: hostname, network.ipv4, network.dns in effect (generation 2)');
    expect(out).toContain('the setup code is not accepted');
    expect(out).not.toContain(PASSWORD);

    // The wizard: pre-claimed by the admin from user data, prefilled.
    wizard = createWizard({ cloudInit: result });
    const c = wizard.client();
    await c.get('/unlock');
    expect((await c.post('/unlock', { email: 'lab@example.com', password: PASSWORD })).status).toBe(303);
  });

  it('once per instance: a reboot does nothing, changed user data is not applied again, a clone applies its own', async () => {
    expect(await boot('i-1', STATIC)).toBe(EXIT.ok);
    printed = [];
    expect(await boot('i-1', STATIC)).toBe(EXIT.ok);
    expect(engineRuns).toBe(1);
    expect(printed.join('\n')).toContain('already processed (applied');
    printed = [];
    expect(await boot('i-1', STATIC.replace('10.0.0.5/24', '10.0.0.6/24'))).toBe(EXIT.ok);
    expect(engineRuns).toBe(1);
    expect(addresses()).toBe('10.0.0.5/24');
    expect(printed.join('\n')).toContain('--force');
    expect(await boot('i-1', STATIC.replace('10.0.0.5/24', '10.0.0.6/24'), { force: true })).toBe(EXIT.ok);
    expect(engineRuns).toBe(2);
    expect(addresses()).toBe('10.0.0.6/24');
    // A clone of this appliance booted as a new instance: configured from user data, so the
    // clone's own user data is applied (docs/decisions/0302).
    expect(await boot('i-2', STATIC.replace('10.0.0.5/24', '10.0.0.7/24'))).toBe(EXIT.ok);
    expect(engineRuns).toBe(3);
    expect(addresses()).toBe('10.0.0.7/24');
    expect((await markers()).map((m) => `${m.instance_id}:${m.outcome}`).sort()).toEqual(['i-1:applied', 'i-2:applied']);
  }, 30_000);
});

describe('when the health gate fails', () => {
  it('rolls back: the appliance stays as it was, the console and cloud-init.json say why, the wizard still works', async () => {
    probeFail = 'gateway';
    expect(await boot('i-1', STATIC)).toBe(EXIT.applyFailed);
    expect(engineRuns).toBe(1);
    // Exactly as before: DHCP address, no fragment, the first generation active and default.
    expect(addresses()).toBe('192.168.122.10/24 fe80::5054:ff:fe12:3456/64');
    expect(existsSync(join(root, FRAGMENT_PATH))).toBe(false);
    expect(profile()).toBe(generation(1));
    expect(realpathSync(join(root, 'run/current-system'))).toBe(generation(1));
    expect(existsSync(join(root, 'nix/var/nix/profiles/system-2-link'))).toBe(false);
    expect(activeSite()).toBeNull();
    expect((await readState(enginePaths(root).state)).setup).toBe('unconfigured');

    const out = printed.join('\n');
    expect(out).toMatch(
      /activation failed in confirm: the health gate did not pass: gateway \(10\.0\.0\.1 does not answer\); the previous configuration was restored/,
    );
    expect(out).toContain('The wizard still has the settings from user data');
    expect(out).not.toContain(PASSWORD);
    const result = (await readCloudInitResult(root))!;
    expect(result.status).toBe('prefilled');
    expect(result.activation).toMatchObject({
      outcome: 'rolled-back',
      configures: ['hostname', 'network.ipv4', 'network.dns'],
      reason: expect.stringContaining('gateway (10.0.0.1 does not answer)'),
    });
    expect(await markers()).toMatchObject([{ outcome: 'apply-failed' }]);

    // The wizard works: pre-claimed, prefilled, and says what went wrong.
    wizard = createWizard({ cloudInit: result });
    const c = wizard.client();
    const page = await c.get('/unlock');
    expect(page.text).toContain('Unlock to see what was wrong');
    expect((await c.post('/unlock', { email: 'lab@example.com', password: PASSWORD })).status).toBe(303);
    const details = await c.get('/user-data');
    expect(details.text).toContain('could not be applied');
    expect(details.text).toContain('gateway (10.0.0.1 does not answer)');

    // Not retried at every boot; --force retries (here the gateway answers now).
    expect(await boot('i-1', STATIC)).toBe(EXIT.ok);
    expect(engineRuns).toBe(1);
    probeFail = '';
    expect(await boot('i-1', STATIC, { force: true })).toBe(EXIT.ok);
    expect(engineRuns).toBe(2);
    expect(addresses()).toBe('10.0.0.5/24');
    expect((await readCloudInitResult(root))!.activation).toMatchObject({ outcome: 'applied' });
  });
});

describe('what a partial document applies before the wizard', () => {
  it('counts a VLAN and an MTU (the wizard is reached over that link), not the proxy (used after hand-off)', () => {
    const checked = validateDocument(
      { hostname: 'bowtie', network: { interface: 'ens3', vlan: 120, mtu: 1400, proxy: { url: 'http://proxy.example.com:3128' } } },
      'any',
    );
    expect(checked.ok && partialConfigures(checked.config)).toEqual(['network.interface', 'network.vlan', 'network.mtu']);
  });
});

describe('partial documents that are not applied', () => {
  it('only defaults (the admin is for the wizard): prefill only, no engine run', async () => {
    const doc = STATIC.replace('ctl-lab-07', 'bowtie').replace(/ {2}network:\n.*\n.*\n/, '');
    const checked = validateDocument((parse(doc) as { bowtie_setup: unknown }).bowtie_setup, 'any');
    expect(checked.ok && partialConfigures(checked.config)).toEqual([]);
    expect(await boot('i-1', doc)).toBe(EXIT.ok);
    expect(engineRuns).toBe(0);
    expect((await readCloudInitResult(root))!).toMatchObject({ status: 'prefilled', activation: null });
    expect(await markers()).toMatchObject([{ outcome: 'prefilled' }]);
  });

  it('never over a completed setup, even on a clone with new user data', async () => {
    // Instance 1 was set up completely from user data.
    const complete = STATIC.replace(
      '  admin:',
      '  enrollment:\n    site_id: 6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b\n    token: psk-0123456789abcdef0123456789\n  admin:',
    );
    expect(await boot('i-0', complete)).toBe(EXIT.ok);
    expect((await readState(enginePaths(root).state)).setup).toBe('complete');
    const runs = engineRuns;
    expect(await boot('i-2', STATIC.replace('ctl-lab-07', 'ctl-lab-08'))).toBe(EXIT.ok);
    expect(engineRuns).toBe(runs);
    expect(printed.join('\n')).toContain(
      'setup of this appliance is already complete; the partial document (hostname, network.ipv4, network.dns) is not applied over it',
    );
    expect((await readCloudInitResult(root))!.activation).toBeNull();
  }, 30_000);

  it('the engine busy: nothing changed, no marker, the next boot tries again; the wizard is prefilled meanwhile', async () => {
    const busy: HeadlessApply = async () => {
      engineRuns++;
      throw new ApplyBusyError(idleStatus(), { pid: 1, startTime: 1, since: '2026-06-01T03:00:00Z', from: '1.8.2', to: '1.9.0' });
    };
    expect(await boot('i-1', STATIC, { apply: busy })).toBe(EXIT.applyFailed);
    expect(printed.join('\n')).toContain('could not start: an update (1.8.2 -> 1.9.0) is in progress');
    expect((await readCloudInitResult(root))!).toMatchObject({ status: 'prefilled', activation: { outcome: 'not-started' } });
    expect(await markers()).toEqual([]);
    expect(await boot('i-1', STATIC)).toBe(EXIT.ok);
    expect(engineRuns).toBe(2);
    expect(addresses()).toBe('10.0.0.5/24');
  });
});
