/**
 * Reset from the browser through the real engine (the nixos-rebuild simulator): the wizard's
 * /reset queues the password, the worker checks it against the admin's hash and only then runs
 * reset --config, ending exactly where `bowtie-setup reset --config` ends. A wrong password, a
 * factory reset asked with a password, and a password without a reset change nothing; the
 * password is in no file afterwards (docs/decisions/0525).
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApplyClient } from '../../server/apply/client.js';
import { enginePaths } from '../../server/apply/paths.js';
import { createTicket, newApplyId } from '../../server/apply/spool.js';
import { readStatus } from '../../server/apply/status-reader.js';
import { runWorker } from '../../server/apply/worker.js';
import { loadOrCreateSetupCode, setupCodePath } from '../../server/auth/setup-code.js';
import { createResetCommand } from '../../server/commands/reset.js';
import { EXIT } from '../../server/exit-codes.js';
import { resetWizardFiles } from '../../server/reset/wizard-files.js';
import { DraftStore, draftPath } from '../../server/steps/draft.js';
import { PassThrough } from 'node:stream';
import {
  cloneRoot,
  fixtureDoc,
  apply,
  makeRoot,
  oneWorkerAtATime,
  removeRoots,
  snapshot,
  testEnv,
  until,
  workerGone,
  type Snapshot,
} from '../apply/harness.js';
import { createWizard, type Wizard } from '../helpers/wizard.js';
import { secretValues } from '../helpers/secrets.js';

const PASSWORD = 'Reset-me-from-the-browser-7291';
const WRONG = 'Not-the-admin-password-5518';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBcwCHmfonosD9uU5lAXh1O8btwR2vJZqKYgq/jEX4Z2 ops@laptop';
const OLD = fixtureDoc('old') as { hostname: string; admin: { email: string; console_password_hash: string }; network: unknown };
/** A configured appliance the wizard still serves (no enrollment: not handed off), with an admin and update settings a reset removes. */
const CONFIGURED = {
  hostname: OLD.hostname,
  domain: 'corp.example.com',
  admin: { email: OLD.admin.email, password: PASSWORD, console_password_hash: OLD.admin.console_password_hash, ssh_authorized_keys: [KEY] },
  network: OLD.network,
  updates: { schedule: 'Sat *-*-* 04:00:00' },
};

let template: string;
const wizards: Wizard[] = [];

beforeAll(async () => {
  template = await makeRoot();
  const r = await apply(template, CONFIGURED);
  expect(r.outcome, r.reason ?? '').toBe('applied');
  expect(r.handedOff).toBe(false);
  await loadOrCreateSetupCode(template);
  await new DraftStore(draftPath(template)).update((d) => {
    d.document = { hostname: OLD.hostname, updates: { schedule: 'Sat *-*-* 04:00:00' } };
  });
}, 120_000);

afterAll(() => {
  for (const w of wizards) w.close();
  removeRoots();
});

/** The wizard serving `root`, with the real engine client (the worker a child process, as under --simulate). */
async function wizardFor(root: string) {
  const client = createApplyClient({ root, simulate: true, startWorker: oneWorkerAtATime(root, testEnv()) });
  const w = createWizard({ deps: { apply: client } });
  wizards.push(w);
  const c = await w.unlocked();
  await c.get('/reset');
  return { client, c };
}

/** What makes up the configuration, without the record of the last request. */
function configuration(root: string) {
  const s: Snapshot = snapshot(root);
  // The active record less the request's own id and time (two resets never share them).
  const { id: _id, appliedAt: _at, ...activeRecord } = s.state?.active ?? { id: '', appliedAt: '' };
  return {
    fragment: s.fragment,
    secrets: s.secrets,
    active: s.active,
    profile: s.profile,
    boot: s.boot,
    handedOff: s.handedOff,
    activeRecord,
    setup: s.state?.setup ?? null,
  };
}

function readOrNull(file: string): string | null {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/** Every regular file under `dir` holding `needle` (links are not followed). */
function filesHolding(dir: string, needle: string): string[] {
  const hits: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = join(e.parentPath, e.name);
    if (!lstatSync(full).isFile()) continue;
    if (readFileSync(full).includes(needle)) hits.push(full);
  }
  return hits;
}

const roots: string[] = [];

describe('reset from the browser', () => {
  it('a wrong password is refused by the worker on the form, and nothing changes', async () => {
    const root = cloneRoot(template);
    roots.push(root);
    const before = configuration(root);
    const code = readFileSync(setupCodePath(root), 'utf8');
    const draft = readFileSync(draftPath(root), 'utf8');
    const { c } = await wizardFor(root);
    const res = await c.post('/reset', { password: WRONG });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Admin password: is not the admin password');
    expect(res.text).not.toContain(WRONG);
    await workerGone(root);
    expect(configuration(root)).toEqual(before);
    expect(readFileSync(setupCodePath(root), 'utf8')).toBe(code);
    expect(readFileSync(draftPath(root), 'utf8')).toBe(draft);
    const s = await readStatus(enginePaths(root));
    expect(s.last).toMatchObject({ outcome: 'invalid', errors: [{ path: 'admin.password' }] });
    expect(existsSync(enginePaths(root).request)).toBe(false);
  }, 120_000);

  it('the right password resets exactly as `bowtie-setup reset --config` does', async () => {
    const web = cloneRoot(template);
    const cli = cloneRoot(template);
    roots.push(web, cli);
    const codeBefore = readFileSync(setupCodePath(web), 'utf8');

    const { client, c } = await wizardFor(web);
    const res = await c.post('/reset', { password: PASSWORD });
    expect(res.status, res.text.slice(0, 400)).toBe(303);
    expect(res.headers.location).toBe('/apply');
    const done = await until(client, (s) => s.phase === 'idle' && s.last?.reset === 'config');
    expect(done.last?.outcome, done.last?.reason ?? '').toBe('applied');
    expect(done.last?.source).toBe('web');
    await workerGone(web);

    const input = Object.assign(new PassThrough(), { isTTY: false });
    const command = createResetCommand(() => ({ input, output: new PassThrough(), env: testEnv() }));
    const code = await command.run({ root: cli, simulate: true, args: ['--config', '--yes'], stdout: () => {}, stderr: () => {} });
    expect(code).toBe(EXIT.ok);
    await workerGone(cli);

    const a = configuration(web);
    const b = configuration(cli);
    expect(a).toEqual(b);
    expect(a.fragment).not.toBe(configuration(template).fragment);
    expect(a.fragment).not.toContain('04:00:00');
    // The admin's access stays: the same hash, the keys in the fragment.
    expect(a.secrets.adminPasswordHash).toBe(configuration(template).secrets.adminPasswordHash);
    expect(a.fragment).toContain('ops@laptop');
    // The wizard's side too: a draft with the kept values (no secret), a new setup code.
    expect(JSON.parse(readOrNull(draftPath(web))!).document).toEqual(JSON.parse(readOrNull(draftPath(cli))!).document);
    expect(readFileSync(setupCodePath(web), 'utf8')).not.toBe(codeBefore);
  }, 240_000);

  it('a ticket with a password asking for a factory reset, or with no reset at all, changes nothing', async () => {
    const root = cloneRoot(template);
    roots.push(root);
    const p = enginePaths(root);
    const before = configuration(root);
    const draft = readFileSync(draftPath(root), 'utf8');
    const base = { createdAt: new Date().toISOString(), source: 'web' as const, confirm: 'health-gate' as const, confirmWindowSeconds: 120 };

    expect(await createTicket(p, { ...base, id: newApplyId(), reset: 'factory', password: PASSWORD })).toBe(true);
    const factory = await runWorker({ root, simulate: true, env: testEnv(), resetWizardFiles: resetWizardFiles(root) });
    expect(factory.results).toHaveLength(1);
    expect(factory.results[0]).toMatchObject({ outcome: 'invalid', errors: [{ path: 'reset' }] });
    expect(factory.results[0]!.errors[0]!.message).toMatch(/not offered in the browser/);
    expect(configuration(root)).toEqual(before);
    expect(readFileSync(draftPath(root), 'utf8')).toBe(draft);

    // A password only rides with a reset: with a document the ticket is refused whole.
    expect(await createTicket(p, { ...base, id: newApplyId(), document: CONFIGURED, password: PASSWORD })).toBe(true);
    const stray = await runWorker({ root, simulate: true, env: testEnv(), resetWizardFiles: resetWizardFiles(root) });
    expect(stray.results).toHaveLength(0);
    expect((await readStatus(p)).refusal?.reason).toMatch(/password/);
    expect(configuration(root)).toEqual(before);
    expect(existsSync(p.request)).toBe(false);
  }, 120_000);

  it('leaves the password in no file of any root it went through', () => {
    expect(roots.length).toBeGreaterThanOrEqual(4);
    const needles = [...secretValues({ admin: { password: PASSWORD } }), WRONG];
    expect(needles).toContain(PASSWORD);
    for (const root of roots) for (const needle of needles) expect(filesHolding(root, needle), `${root}: ${needle}`).toEqual([]);
    for (const w of wizards) for (const needle of needles) expect(filesHolding(w.root, needle)).toEqual([]);
  });
});
