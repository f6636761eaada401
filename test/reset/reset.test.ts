/**
 * `bowtie-setup reset` against the nixos-rebuild simulator in sandbox roots: after a complete
 * apply, --config keeps exactly hostname, network and the admin's access (SSH keys, console
 * password hash: an operator who resets over SSH stays in) and brings the wizard back; --factory
 * leaves a first-boot root; a failing rebuild restores the previous state exactly; a reset
 * while an apply runs is refused; a crash in the clean-up is finished by the next worker.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFragmentSite } from '../../server/apply/fragment-value.js';
import { readLock } from '../../server/apply/lock.js';
import { enginePaths, SECRET_NAMES } from '../../server/apply/paths.js';
import { readStatus } from '../../server/apply/client.js';
import { runWorker } from '../../server/apply/worker.js';
import { Engine } from '../../server/apply/engine.js';
import { DEFAULT_TIMEOUTS } from '../../server/apply/timeouts.js';
import { RebuildAdapter } from '../../server/apply/rebuild.js';
import { CHECKOUT_SIMULATOR } from '../../server/system/sim-machine.js';
import { newApplyId } from '../../server/apply/spool.js';
import { createProbes } from '../../server/system/probes.js';
import { cloudInitResultPath } from '../../server/auth/cloud-init-result.js';
import { loadOrCreateSetupCode, setupCodePath } from '../../server/auth/setup-code.js';
import { MARKER_DIR, writeMarker, writeStatus } from '../../server/cloud-init/state-files.js';
import { createResetCommand } from '../../server/commands/reset.js';
import type { CommandContext } from '../../server/commands/context.js';
import { validateDocument } from '../../server/config/validate.js';
import { EXIT, UsageError } from '../../server/exit-codes.js';
import { renderFragment } from '../../server/nix/render.js';
import { resetWizardFiles } from '../../server/reset/wizard-files.js';
import { DraftStore, draftPath } from '../../server/steps/draft.js';
import { wizardTlsDir } from '../../server/system/tls.js';
import { writeFileAtomic } from '../../server/system/atomic-file.js';
import { apply, cloneRoot, fixtureDoc, makeRoot, removeRoots, snapshot, testEnv, whichConfig } from '../apply/harness.js';

const OLD = fixtureDoc('old');
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBcwCHmfonosD9uU5lAXh1O8btwR2vJZqKYgq/jEX4Z2 ops@laptop';
const OLD_ADMIN = OLD.admin as { email: string; password_hash: string; console_password_hash: string };
const NEW = fixtureDoc('new');
let configured: string;

/** A root after a complete apply, with everything the wizard and cloud-init leave beside it. */
beforeAll(async () => {
  configured = await makeRoot();
  const r = await apply(configured, { ...OLD, admin: { ...OLD_ADMIN, ssh_authorized_keys: [KEY] }, domain: 'corp.example.com', tls: { mode: 'self-signed' } });
  expect(r.outcome, r.reason ?? '').toBe('applied');
  expect(r.handedOff).toBe(true);
  await loadOrCreateSetupCode(configured);
  await new DraftStore(draftPath(configured)).update((d) => {
    d.document = { ...(OLD as object), domain: 'corp.example.com' };
    d.entered = { admin: { values: { 'admin.email': 'x' }, errors: [] } };
    d.prefilledFrom = 'i-0123';
  });
  await writeStatus(configured, {
    instance_id: 'i-0123',
    status: 'prefilled',
    errors: [],
    prefill: { hostname: 'ctl-old', admin: { email: 'ops@example.com', password_hash: '$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHQ$aGFzaA' } },
  });
  await writeMarker(configured, {
    instance_id: 'i-0123',
    outcome: 'prefilled',
    source: 'file',
    user_data_sha256: 'a'.repeat(64),
    document_sha256: null,
    processed_at: new Date().toISOString(),
  });
  await writeFileAtomic(join(wizardTlsDir(configured), 'wizard.pem'), 'not checked here\n', { mode: 0o644, dirMode: 0o700 });
}, 60_000);

afterAll(() => removeRoots());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the reset command with the test environment; `typed` makes stdin a terminal that types it. */
async function reset(root: string, args: string[], opts: { typed?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const out = { stdout: '', stderr: '' };
  const input = Object.assign(new PassThrough(), { isTTY: opts.typed !== undefined });
  const output = new Writable({
    write(chunk, _enc, done) {
      out.stderr += String(chunk);
      done();
    },
  });
  if (opts.typed !== undefined) input.end(`${opts.typed}\n`);
  const command = createResetCommand(() => ({ input, output, env: testEnv(opts.env) }));
  const ctx: CommandContext = { root, simulate: true, args, stdout: (t) => (out.stdout += t), stderr: (t) => (out.stderr += t) };
  const code = await command.run(ctx);
  return { code, ...out };
}

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (!e.isDirectory()) out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  return out.sort();
}

function readOrNull(file: string): string | null {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

describe('reset --config', () => {
  it("keeps exactly hostname, domain, network and the admin's access; removes the other secrets and the hand-off; new setup code; draft prefilled", async () => {
    const root = cloneRoot(configured);
    const p = enginePaths(root);
    const codeBefore = readFileSync(setupCodePath(root), 'utf8');
    const before = await readFragmentSite(p.fragment);
    expect(before.kind === 'site' && before.site.admin !== null).toBe(true);

    // On a terminal it asks; typing the host name confirms.
    const r = await reset(root, [], { typed: 'ctl-old' });
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stderr).toContain('Type the host name (ctl-old) to confirm');
    expect(r.stdout).toMatch(/reset --config: done/);

    // The fragment is what the kept partial document renders, nothing more.
    // The static address was applied to the probed interface (decision 0641): it is kept too.
    const network = {
      interface: 'ens3',
      ipv4: { method: 'static', address: '192.168.122.10/24', gateway: '192.168.122.1' },
      ipv6: { method: 'auto' },
      dns: ['192.168.122.1'],
    };
    // The admin section stays with its hashes: the OS admin account keeps its SSH keys and
    // console password (docs/decisions/0523).
    const kept = { hostname: 'ctl-old', domain: 'corp.example.com', admin: { ...OLD_ADMIN, ssh_authorized_keys: [KEY] }, network };
    const checked = validateDocument(kept, 'any');
    if (!checked.ok) throw new Error('kept document invalid');
    expect(readFileSync(p.fragment, 'utf8')).toBe(renderFragment(checked.config));
    const after = await readFragmentSite(p.fragment);
    if (after.kind !== 'site' || before.kind !== 'site') throw new Error('no site');
    expect(after.site.hostname).toBe(before.site.hostname);
    expect(after.site.domain).toBe(before.site.domain);
    expect(after.site.network).toEqual(before.site.network);
    expect(after.site.admin).toEqual(before.site.admin);
    expect(after.site.admin).toEqual({
      email: 'ops@example.com',
      ssh_authorized_keys: [KEY],
      console_password_hash_file: '/var/lib/bowtie-setup/secrets/console-password-hash',
    });
    expect(after.site.enrollment).toBeNull();
    expect(after.site.tls.private_key_file).toBeNull();
    // What the simulated system activated: the admin account with its key and console password.
    const activated = JSON.parse(readFileSync(join(root, 'run/current-system/site.json'), 'utf8'));
    expect(activated.admin.ssh_authorized_keys).toEqual([KEY]);

    // The admin's hashes stay byte for byte; no other secret anywhere: not the files, not the
    // rollback copies; the controller's marker gone.
    expect(readFileSync(p.secrets.adminPasswordHash, 'utf8')).toBe(OLD_ADMIN.password_hash);
    expect(readFileSync(p.secrets.consolePasswordHash, 'utf8')).toBe(OLD_ADMIN.console_password_hash);
    for (const n of SECRET_NAMES.filter((x) => x !== 'adminPasswordHash' && x !== 'consolePasswordHash')) expect(existsSync(p.secrets[n]), n).toBe(false);
    expect(files(p.rollbackDir)).toEqual([]);
    expect(existsSync(p.handoffMarker)).toBe(false);

    // The wizard starts afresh: a new code, the draft holds the kept values only, no pre-claim.
    const codeAfter = readFileSync(setupCodePath(root), 'utf8');
    expect(codeAfter).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}\n$/);
    expect(codeAfter).not.toBe(codeBefore);
    const draft = JSON.parse(readFileSync(draftPath(root), 'utf8'));
    // The draft holds no secret: the admin's e-mail and keys, not the hashes.
    expect(draft).toEqual({ document: { ...kept, admin: { email: 'ops@example.com', ssh_authorized_keys: [KEY] } }, entered: {}, prefilledFrom: null });
    expect((statSync(draftPath(root)).mode & 0o777).toString(8)).toBe('600');
    expect(existsSync(cloudInitResultPath(root))).toBe(false);
    // cloud-init's once-per-instance marker stays: a reboot does not apply user data over the reset.
    expect(files(join(root, MARKER_DIR))).toEqual(['i-0123.json']);

    // The journal agrees with the files and the running system.
    const s = snapshot(root);
    expect(s.state?.setup).toBe('configured');
    expect(s.state?.apply).toBeNull();
    expect(s.state?.resetCleanup ?? null).toBeNull();
    expect(s.state?.last?.reset).toBe('config');
    expect(s.active).toBe(s.profile);
    expect(s.boot).toBe(s.profile);
    const site = JSON.parse(readFileSync(join(root, 'run/current-system/site.json'), 'utf8'));
    expect(site.enrollment).toBeNull();

    // Again: nothing to rebuild, but the wizard still starts afresh.
    const again = await reset(root, ['--config', '--yes']);
    expect(again.code, again.stderr).toBe(EXIT.ok);
    expect(again.stdout).toMatch(/already in this state/);
    expect(readFileSync(setupCodePath(root), 'utf8')).not.toBe(codeAfter);

    // And setup can be completed again.
    expect((await apply(root, NEW)).outcome).toBe('applied');
  });

  it('without --yes and without a terminal: exit 2, nothing changed', async () => {
    const root = cloneRoot(configured);
    const before = snapshot(root);
    const r = await reset(root, ['--config']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/add --yes/);
    expect(snapshot(root)).toEqual(before);
  });

  it('a wrong host name does not confirm: exit 1, nothing changed', async () => {
    const root = cloneRoot(configured);
    const before = snapshot(root);
    const r = await reset(root, ['--factory'], { typed: 'ctl-new' });
    expect(r.code).toBe(EXIT.invalid);
    expect(r.stderr).toMatch(/not confirmed: nothing was changed/);
    expect(snapshot(root)).toEqual(before);
  });

  it('usage errors: both modes, unknown arguments', async () => {
    await expect(reset(configured, ['--config', '--factory', '--yes'])).rejects.toThrow(UsageError);
    await expect(reset(configured, ['--everything'])).rejects.toThrow(/unknown argument "--everything"/);
  });
});

describe('reset --factory', () => {
  it('leaves a first-boot root: no fragment, no state, the base configuration active', async () => {
    const root = cloneRoot(configured);
    const p = enginePaths(root);
    const r = await reset(root, ['--factory', '--yes']);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/reset --factory: done/);

    expect(existsSync(p.fragment)).toBe(false);
    // Nothing setup wrote is left in the state directory: no journal, secrets, marker, draft,
    // setup code, certificate, cloud-init files or logs (directories stay, emptied).
    expect(files(p.stateDir)).toEqual([]);
    for (const f of [draftPath(root), setupCodePath(root), cloudInitResultPath(root)]) expect(existsSync(f), f).toBe(false);
    expect(files(wizardTlsDir(root))).toEqual([]);
    expect(files(join(root, MARKER_DIR))).toEqual([]);

    // The image's own system runs and is the boot default (the simulator's generation 1).
    const s = snapshot(root);
    const factory = s.profile;
    expect(factory).toBe(readlinkRel(root, join(p.profilesDir, 'system-1-link')));
    expect(s.active).toBe(factory);
    expect(s.boot).toBe(factory);
    expect(s.handedOff).toBe(false);
    // DHCP on the first interface again.
    expect(readFileSync(join(root, 'sys/class/net/ens3/simulated-addresses'), 'utf8')).toMatch(/^192\.168\.122\.10\/24 /);

    // Status reads as a first boot, and says how the reset went.
    const status = await readStatus(p);
    expect(status.setupComplete).toBe(false);
    expect(status.last?.reset).toBe('factory');

    // The next setup works like the first one.
    expect((await apply(root, OLD)).outcome).toBe('applied');
  });
});

function readlinkRel(root: string, link: string): string {
  return realpathSync(link).slice(realpathSync(root).length);
}

describe('reset safety', () => {
  it('a failing rebuild restores the previous state exactly (config and factory)', async () => {
    for (const [args, env] of [
      [['--config', '--yes'], { BOWTIE_SIM_FAIL: 'test:2' }],
      [['--factory', '--yes'], { BOWTIE_SIM_FAIL: 'switch:4' }],
      // A network without DHCP: the base configuration cannot pass the health gate.
      [['--factory', '--yes'], { BOWTIE_SIM_PROBE_FAIL: 'address' }],
    ] as const) {
      const root = cloneRoot(configured);
      const before = snapshot(root);
      const wizard = [setupCodePath(root), draftPath(root), cloudInitResultPath(root)].map(readOrNull);
      const r = await reset(root, [...args], { env: { ...env } });
      expect(r.code, `${args.join(' ')} ${JSON.stringify(env)}: ${r.stderr}`).toBe(EXIT.applyFailed);
      expect(r.stderr).toMatch(/the previous configuration was restored/);
      const after = snapshot(root);
      expect({ ...after, state: null }).toEqual({ ...before, state: null });
      expect(after.state?.active).toEqual(before.state?.active);
      expect(after.state?.setup).toBe('complete');
      expect(after.state?.last?.outcome).toBe('rolled-back');
      expect([setupCodePath(root), draftPath(root), cloudInitResultPath(root)].map(readOrNull)).toEqual(wizard);
      expect(files(join(root, MARKER_DIR))).toEqual(['i-0123.json']);
      if ('BOWTIE_SIM_PROBE_FAIL' in env) expect(r.stderr).toMatch(/reset --config, which keeps the network/);
    }
  }, 60_000);

  it('a reset while an apply runs gets the busy answer and changes nothing', async () => {
    const root = cloneRoot(configured);
    const p = enginePaths(root);
    const applying = apply(root, NEW, { BOWTIE_SIM_HANG: 'build' });
    const deadline = Date.now() + 20_000;
    while ((await readStatus(p)).phase !== 'build') {
      if (Date.now() > deadline) throw new Error('the apply never reached build');
      await new Promise((r) => setTimeout(r, 20));
    }
    const r = await reset(root, ['--factory', '--yes']);
    expect(r.code).toBe(EXIT.applyFailed);
    expect(r.stderr).toMatch(/another apply is running \(build\); nothing was changed/);
    expect(existsSync(p.fragment)).toBe(true);
    // End the hanging apply: its worker is killed, the next one rolls it back.
    const owner = await readLock(p.lock);
    if (owner) process.kill(owner.pid, 'SIGKILL');
    expect((await applying).outcome).toBe('rolled-back');
    expect(existsSync(setupCodePath(root))).toBe(true);
  });

  it("the engine refuses a reset from a ticket the worker's user did not write (the web process)", async () => {
    const root = cloneRoot(configured);
    const paths = enginePaths(root);
    const before = snapshot(root);
    const engine = new Engine({
      paths,
      rebuild: new RebuildAdapter(paths, CHECKOUT_SIMULATOR),
      probes: createProbes({ root, simulate: true }),
      timeouts: DEFAULT_TIMEOUTS,
      lock: null,
      resetWizardFiles: resetWizardFiles(root),
    });
    await engine.load();
    const result = await engine.run(
      { id: newApplyId(), createdAt: new Date().toISOString(), source: 'web', confirm: 'interactive', confirmWindowSeconds: 120, reset: 'factory' },
      { reset: false },
    );
    expect(result.outcome).toBe('invalid');
    expect(result.errors[0]?.path).toBe('(request)');
    expect({ ...snapshot(root), state: null }).toEqual({ ...before, state: null });
  });

  it('a crash in the clean-up after the commit is finished by the next worker', async () => {
    const root = cloneRoot(configured);
    const p = enginePaths(root);
    const codeBefore = readFileSync(setupCodePath(root), 'utf8');
    const r = await reset(root, ['--config', '--yes'], { env: { BOWTIE_SETUP_TEST_CRASH_AT: 'reset:backups' } });
    expect(r.code, r.stderr).toBe(EXIT.ok);
    // Committed, clean-up pending: the wizard's files are still the old ones.
    expect(snapshot(root).state?.resetCleanup?.mode).toBe('config');
    // The journaled clean-up holds what the draft will get: the admin's e-mail and keys, no hash.
    expect(snapshot(root).state?.resetCleanup?.kept?.admin).toEqual({ email: 'ops@example.com', ssh_authorized_keys: [KEY] });
    const journal = readFileSync(p.state, 'utf8');
    for (const secret of [OLD_ADMIN.password_hash, OLD_ADMIN.console_password_hash]) expect(journal).not.toContain(secret);
    expect(readFileSync(setupCodePath(root), 'utf8')).toBe(codeBefore);
    // The next worker (at boot, or the next apply's) finishes it.
    await runWorker({ root, simulate: true, env: testEnv(), resetWizardFiles: resetWizardFiles(root) });
    expect(snapshot(root).state?.resetCleanup ?? null).toBeNull();
    expect(readFileSync(setupCodePath(root), 'utf8')).not.toBe(codeBefore);
    expect(files(p.rollbackDir)).toEqual([]);
    expect(existsSync(cloudInitResultPath(root))).toBe(false);
  });
});

describe('reset under faults', () => {
  // The worker is killed (SIGKILL) at each named point of a reset --config; the next worker
  // must leave exactly the configuration before or exactly the reset one, the marker included.
  it('a killed worker leaves exactly the old or the reset configuration', async () => {
    const reference = cloneRoot(configured);
    const old = snapshot(reference);
    expect((await reset(reference, ['--config', '--yes'])).code).toBe(EXIT.ok);
    const done = snapshot(reference);
    const cases: [string, Record<string, string>, 'old' | 'new'][] = [
      ['write:handoff:removed', {}, 'old'],
      ['write:fragment:renamed', {}, 'old'],
      ['test:done', {}, 'old'],
      ['confirm:done', {}, 'old'],
      ['switch:done', {}, 'old'],
      // Killed while a failed reset puts the marker back: the next worker finishes the rollback.
      ['rollback:handoff:renamed', { BOWTIE_SIM_FAIL: 'test:2' }, 'old'],
      ['commit:done', {}, 'new'],
    ];
    for (const [at, env, ends] of cases) {
      const root = cloneRoot(configured);
      await reset(root, ['--config', '--yes'], { env: { BOWTIE_SETUP_TEST_CRASH_AT: at, ...env } });
      // A clean-up left pending by the kill is the next worker's (as at boot).
      await runWorker({ root, simulate: true, env: testEnv(), resetWizardFiles: resetWizardFiles(root) });
      expect(whichConfig(root, old, done), at).toBe(ends);
      expect(snapshot(root).state?.resetCleanup ?? null, at).toBeNull();
    }
  }, 120_000);
});
