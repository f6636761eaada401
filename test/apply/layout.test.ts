/**
 * The state layout (docs/decisions/0500) in a sandbox: the mode of every file and directory a
 * cloud-init prefill, a wizard start, a web apply with its confirm and a failed apply leave
 * behind; and the worker refusing a journal, backups or a ticket planted in the web user's
 * reach. Ownership needs root to be seen: as root (the appliance's case) the worker's check of
 * owners is exercised too; its logic is tested for any uid in server/system/state-layout.test.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApplyClient } from '../../server/apply/client.js';
import { applyHeadless } from '../../server/apply/headless.js';
import { sha256, type EngineState } from '../../server/apply/journal.js';
import { enginePaths } from '../../server/apply/paths.js';
import { runCloudInit } from '../../server/cloud-init/index.js';
import { EXIT } from '../../server/exit-codes.js';
import { WEB_DIR } from '../../server/nix/paths.js';
import { apply, cloneRoot, fixtureDoc, makeRoot, removeRoots, testEnv, until, workerGone, oneWorkerAtATime } from './harness.js';

const REPO = new URL('../..', import.meta.url).pathname;
const OLD = fixtureDoc('old');
const NEW = fixtureDoc('new');
const USER_DATA = `#cloud-config
bowtie_setup:
  hostname: ctl-layout
  admin: { email: lab@example.com, password: correct-horse-battery-staple }
  network: { ipv4: { method: dhcp } }
`;

let root: string;
let scratch: string;

/** `bowtie-setup --simulate serve` until it listens, then stopped: what a wizard start writes. */
async function startAndStopWizard(): Promise<void> {
  const consoleFile = join(scratch, 'console');
  writeFileSync(consoleFile, '');
  const child = spawn(
    process.execPath,
    ['bin/bowtie-setup.js', '--simulate', '--root', root, 'serve', '--listen', '127.0.0.1:0', '--redirect-port', 'off', '--console', consoleFile],
    { cwd: REPO, env: testEnv() },
  );
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const deadline = Date.now() + 20_000;
  while (!/listening on/.test(err)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serve did not start:\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((resolve) => {
    child.on('exit', resolve);
    child.kill('SIGTERM');
  });
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'bowtie-layout-scratch-'));
  root = await makeRoot();
  writeFileSync(join(scratch, 'user-data'), USER_DATA);
  // 1. cloud-init applies the partial user data (its host name) and leaves it as the wizard's prefill.
  const code = await runCloudInit({
    root,
    simulate: true,
    userDataFile: join(scratch, 'user-data'),
    force: false,
    apply: (o) => applyHeadless({ ...o, env: testEnv() }),
    print: () => {},
  });
  expect(code).toBe(EXIT.ok);
  // 2. The wizard starts: setup code, certificate, the draft with the prefill.
  await startAndStopWizard();
  // 3. An apply from the web, confirmed; 4. a failed one, rolled back (the backups are full).
  const c = createApplyClient({ root, simulate: true, startWorker: oneWorkerAtATime(root) });
  const { id } = await c.start({ document: OLD, source: 'web', confirm: 'interactive' });
  await until(c, (s) => s.phase === 'confirm');
  await c.confirm(id);
  expect((await until(c, (s) => s.phase === 'idle' && s.last?.id === id)).last?.outcome).toBe('applied');
  await workerGone(root);
  expect((await apply(root, NEW, { BOWTIE_SIM_FAIL: 'switch:4' })).outcome).toBe('rolled-back');
}, 120_000);

afterAll(() => {
  if (!process.env.KEEP_ROOTS) {
    removeRoots();
    rmSync(scratch, { recursive: true, force: true });
  }
});

/** Every entry below `dir`, relative to the root, with its mode (links say so). */
function walk(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (p: string) => {
    const st = lstatSync(p);
    const rel = relative(root, p);
    if (st.isSymbolicLink()) out.set(rel, 'link');
    else if (st.isDirectory()) {
      out.set(`${rel}/`, (st.mode & 0o7777).toString(8).padStart(4, '0'));
      for (const n of readdirSync(p)) visit(join(p, n));
    } else out.set(rel, (st.mode & 0o7777).toString(8).padStart(4, '0'));
  };
  visit(dir);
  return out;
}

/** The layout's modes, by pattern: every entry must match one, and the ones without `?` must be there. */
const EXPECTED: [RegExp, string, boolean?][] = [
  [/^var\/lib\/bowtie-setup\/$/, '0711'],
  [/^var\/lib\/bowtie-setup\/state\.json$/, '0600'],
  [/^var\/lib\/bowtie-setup\/handed-off$/, '0644'],
  [/^var\/lib\/bowtie-setup\/(secrets|logs|rollback|rollback\/secrets|build|applied)\/$/, '0700'],
  [/^var\/lib\/bowtie-setup\/secrets\/(admin-password-hash|console-password-hash|enrollment-token)$/, '0600'],
  [/^var\/lib\/bowtie-setup\/rollback\/(site\.nix|secrets\/(adminPasswordHash|consolePasswordHash|enrollmentToken))$/, '0600'],
  [/^var\/lib\/bowtie-setup\/logs\/apply-[\w-]+\.log$/, '0600'],
  // nixos-rebuild build leaves its `result` link in its working directory.
  [/^var\/lib\/bowtie-setup\/build\/result$/, 'link', true],
  [/^var\/lib\/bowtie-setup\/applied\/iid-[\w.-]+\.json$/, '0600', true],
  [/^var\/lib\/bowtie-setup\/applied\/[\w.-]+\.json$/, '0600'],
  [/^var\/lib\/bowtie-setup\/shared\/$/, '2750'],
  // Gone after the hand-off (docs/decisions/0600); their mode while they exist.
  [/^var\/lib\/bowtie-setup\/shared\/cloud-init\.json$/, '0640', true],
  [/^var\/lib\/bowtie-setup\/web\/$/, '0700'],
  [/^var\/lib\/bowtie-setup\/web\/(setup-code|draft\.json)$/, '0600', true],
  [/^var\/lib\/bowtie-setup\/web\/tls\/$/, '0700'],
  [/^var\/lib\/bowtie-setup\/web\/tls\/wizard\.key$/, '0600'],
  [/^var\/lib\/bowtie-setup\/web\/tls\/wizard\.pem$/, '0644'],
  [/^run\/bowtie-setup\/$/, '0755'],
  [/^run\/bowtie-setup\/spool\/$/, '0700'],
  [/^run\/bowtie-setup\/status\/$/, '0755'],
  [/^run\/bowtie-setup\/status\/(status\.json|output\.log)$/, '0644'],
  [/^etc\/nixos\/bowtie\/$/, '0755'],
  [/^etc\/nixos\/bowtie\/site\.nix$/, '0644'],
];

describe('the layout after a cloud-init prefill, a wizard start, a confirmed web apply and a failed apply', () => {
  it('has every file and directory with its mode, and nothing else', () => {
    const entries = new Map([...walk(join(root, 'var/lib/bowtie-setup')), ...walk(join(root, 'run/bowtie-setup')), ...walk(join(root, 'etc/nixos/bowtie'))]);
    const problems: string[] = [];
    for (const [path, mode] of entries) {
      const rule = EXPECTED.find(([re]) => re.test(path));
      if (!rule) problems.push(`unexpected ${path} (${mode})`);
      else if (rule[1] !== mode) problems.push(`${path}: ${mode}, want ${rule[1]}`);
    }
    for (const [re, , optional] of EXPECTED) if (!optional && ![...entries.keys()].some((p) => re.test(p))) problems.push(`missing ${re.source}`);
    expect(problems, [...entries].map(([p, m]) => `${m} ${p}`).join('\n')).toEqual([]);
  });

  it("keeps the web process to web/ and the spool: nothing of root's is there, nothing of its own elsewhere", () => {
    const web = [...walk(join(root, WEB_DIR)).keys()];
    expect(web.some((p) => /state\.json|rollback|secrets|apply\.lock/.test(p))).toBe(false);
    expect(existsSync(join(root, 'var/lib/bowtie-setup/setup-code'))).toBe(false);
    expect(existsSync(join(root, 'var/lib/bowtie-setup/draft.json'))).toBe(false);
    // The hand-off took what the wizard held with it: its draft (which held the prefill), its
    // setup code and cloud-init's prefill (docs/decisions/0600).
    for (const f of ['web/draft.json', 'web/setup-code', 'shared/cloud-init.json']) expect(existsSync(join(root, 'var/lib/bowtie-setup', f)), f).toBe(false);
  });
});

// ---- the worker trusts nothing the web user can write -------------------------------------

const FORGED_FRAGMENT = '{ ... }: { systemd.services.pwned.script = "id > /root/pwned"; }\n';

/** Runs `apply --worker` as the apply unit would; returns its exit code and stderr. */
function runWorkerProcess(r: string): { status: number | null; stderr: string } {
  const out = spawnSync(process.execPath, ['bin/bowtie-setup.js', '--simulate', '--root', r, 'apply', '--worker'], {
    cwd: REPO,
    env: testEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: out.status, stderr: out.stderr };
}

/** A journal saying a rollback is under way to `fragment`: what a forger would plant. */
function forgedJournal(r: string, fragment: string): EngineState {
  const state = JSON.parse(readFileSync(enginePaths(r).state, 'utf8')) as EngineState;
  const now = new Date().toISOString();
  state.apply = {
    id: 'forged',
    source: 'web',
    confirmMode: 'interactive',
    confirmWindowSeconds: 120,
    step: 'rollback',
    startedAt: now,
    stepStartedAt: now,
    bootId: '',
    prev: {
      fragment: sha256(fragment),
      secrets: {
        adminPasswordHash: null,
        consolePasswordHash: null,
        enrollmentToken: null,
        tlsPrivateKey: null,
        proxyCredentials: null,
        ssoClientSecret: null,
      },
      generation: null,
      system: null,
      handedOff: true,
    },
    next: null,
    confirmDeadline: null,
    confirmedAt: null,
    rollback: { from: 'write', reason: 'forged' },
  };
  return state;
}

describe('the worker refuses what the web user could have planted', () => {
  it('a journal that is a link into web/: refused with a clear message, nothing restored', () => {
    const r = cloneRoot(root);
    const p = enginePaths(r);
    const before = readFileSync(p.fragment, 'utf8');
    writeFileSync(join(r, WEB_DIR, 'state.json'), JSON.stringify(forgedJournal(r, FORGED_FRAGMENT)));
    mkdirSync(join(r, WEB_DIR, 'rollback'));
    writeFileSync(join(r, WEB_DIR, 'rollback/site.nix'), FORGED_FRAGMENT);
    renameSync(p.state, `${p.state}.real`);
    symlinkSync(join(r, WEB_DIR, 'state.json'), p.state);
    const out = runWorkerProcess(r);
    expect(out.status).toBe(EXIT.applyFailed);
    expect(out.stderr).toMatch(/refusing to use \S+\/var\/lib\/bowtie-setup\/state\.json: it is a symbolic link/);
    expect(out.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(readFileSync(p.fragment, 'utf8')).toBe(before);
    expect(readdirSync(p.logsDir).some((n) => n === 'worker.log')).toBe(false);
  }, 60_000);

  it('backups that are a link into web/: refused, the forged fragment never restored', () => {
    const r = cloneRoot(root);
    const p = enginePaths(r);
    const before = readFileSync(p.fragment, 'utf8');
    // The journal is root's own (as the web user cannot write it) and says: roll back.
    writeFileSync(p.state, JSON.stringify(forgedJournal(r, FORGED_FRAGMENT)), { mode: 0o600 });
    mkdirSync(join(r, WEB_DIR, 'rollback'));
    writeFileSync(join(r, WEB_DIR, 'rollback/site.nix'), FORGED_FRAGMENT);
    rmSync(p.rollbackDir, { recursive: true });
    symlinkSync(join(r, WEB_DIR, 'rollback'), p.rollbackDir);
    const out = runWorkerProcess(r);
    expect(out.status).toBe(EXIT.applyFailed);
    expect(out.stderr).toMatch(/refusing to use \S+\/var\/lib\/bowtie-setup\/rollback: it is a symbolic link/);
    expect(readFileSync(p.fragment, 'utf8')).toBe(before);
    expect(readFileSync(p.fragment, 'utf8')).not.toContain('pwned');
  }, 60_000);

  it('a ticket that is a link in the spool: dropped, not applied', () => {
    const r = cloneRoot(root);
    const p = enginePaths(r);
    const before = readFileSync(p.fragment, 'utf8');
    const lastBefore = (JSON.parse(readFileSync(p.state, 'utf8')) as EngineState).last?.id;
    writeFileSync(
      join(r, WEB_DIR, 'request.json'),
      JSON.stringify({ id: 'linked', createdAt: new Date().toISOString(), source: 'web', confirm: 'health-gate', confirmWindowSeconds: 120, document: NEW }),
    );
    symlinkSync(join(r, WEB_DIR, 'request.json'), p.request);
    const out = runWorkerProcess(r);
    expect(out.status).toBe(EXIT.ok);
    expect(existsSync(p.request)).toBe(false);
    expect(readFileSync(p.fragment, 'utf8')).toBe(before);
    expect((JSON.parse(readFileSync(p.state, 'utf8')) as EngineState).last?.id).toBe(lastBefore);
  }, 60_000);

  const asRoot = process.getuid?.() === 0;
  if (!asRoot) console.log('layout.test.ts: the owner checks need root to chown; run as root to exercise them (their logic is unit-tested for any uid)');
  it.skipIf(!asRoot)(
    'as root: a state directory the web user owns (the old layout), or backups others may write, are refused',
    () => {
      const r = cloneRoot(root);
      const p = enginePaths(r);
      chownSync(p.stateDir, 65534, 65534);
      let out = runWorkerProcess(r);
      expect(out.status).toBe(EXIT.applyFailed);
      expect(out.stderr).toContain('var/lib/bowtie-setup: it is owned by uid 65534, not 0');
      chownSync(p.stateDir, 0, 0);
      chmodSync(p.rollbackDir, 0o777);
      out = runWorkerProcess(r);
      expect(out.stderr).toMatch(/rollback: it is writable by its group \(mode 0777\)/);
      chmodSync(p.rollbackDir, 0o700);
      chownSync(p.state, 65534, 65534);
      out = runWorkerProcess(r);
      expect(out.stderr).toContain('state.json: it is owned by uid 65534, not 0');
      chownSync(p.state, 0, 0);
      expect(runWorkerProcess(r).status).toBe(EXIT.ok);
    },
    60_000,
  );
});
