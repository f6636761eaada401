/**
 * Headless applies (`apply FILE`, cloud-init) and dry runs. A headless apply goes through the
 * same spool and worker as the web, with health-gate confirm; this process waits for the
 * worker and, should the worker die, starts another one to recover, so that the caller always
 * learns how it ended.
 */
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { verifyPassword } from '../config/hash-password.js';
import { validateDocument } from '../config/validate.js';
import { FRAGMENT_PATH, SECRET_FILES } from '../nix/paths.js';
import { renderFragment } from '../nix/render.js';
import { pinStaticInterface } from './interface-pin.js';
import { createProbes } from '../system/probes.js';
import { computeNewUrl } from './engine.js';
import { ApplyBusyError, ApplyRefusedError } from './errors.js';
import { readStatus } from './status-reader.js';
import { unifiedDiff } from './diff.js';
import { serviceChanges } from './restarts.js';
import { sha256 } from './journal.js';
import { lockAlive, readLock } from './lock.js';
import { spawnWorker } from './launch.js';
import { enginePaths, SECRET_NAMES, type SecretName } from './paths.js';
import { rebuildExecutable } from './rebuild.js';
import { createTicket, newApplyId, removeTicket } from './spool.js';
import { readUpdateActivity } from './update-lock.js';
import type { ApplyOptions, ApplyPlan, ApplyResult, ApplyStatus, ResetMode } from './types.js';

export interface HeadlessApplyOptions extends ApplyOptions {
  /** The document to apply; ignored when `reset` is given. */
  document: unknown;
  /** A reset instead of a document (see ResetMode): same spool, worker, journal and health gate. */
  reset?: ResetMode;
  source: 'cli' | 'cloud-init' | 'console';
  /** The document was translated from the controller template: a legacy argon2i admin hash is taken. */
  legacyPasswordHash?: boolean;
  /** Called with each status change while the apply runs (progress display). */
  onStatus?: (status: ApplyStatus) => void;
  /** Environment of the first worker (tests inject faults here); recovery workers get none of the test hooks. */
  env?: NodeJS.ProcessEnv;
}

/** Runs one apply to the end with health-gate confirm. Rejects with ApplyBusyError when busy (an apply or an update). */
export async function applyHeadless(opts: HeadlessApplyOptions): Promise<ApplyResult> {
  const p = enginePaths(opts.root);
  const checked = opts.reset ? null : validateDocument(opts.document, 'any', undefined, { legacyPasswordHash: opts.legacyPasswordHash === true });
  if (checked && !checked.ok) {
    return { id: '', outcome: 'invalid', source: opts.source, finishedAt: new Date().toISOString(), reason: 'the document is not valid', failedPhase: 'validate', errors: checked.errors, outputTail: [], generation: null, handedOff: false };
  }
  let before = await readStatus(p);
  if (before.interrupted || (before.phase === 'queued' && !before.workerAlive && !lockAlive(await readLock(p.lock)))) {
    // A dead worker left something behind: let a worker finish it first.
    await waitExit(spawnWorker(opts.root, opts.simulate, withoutTestHooks(opts.env ?? process.env)));
    before = await readStatus(p);
  }
  if (before.phase !== 'idle') throw new ApplyBusyError(strip(before));
  if (before.update) throw new ApplyBusyError(strip(before), before.update);
  const id = newApplyId();
  const what = opts.reset ? { reset: opts.reset } : { document: opts.document, ...(opts.legacyPasswordHash ? { legacyPasswordHash: true as const } : {}) };
  const createdAt = new Date().toISOString();
  const queued = await createTicket(p, { id, createdAt, source: opts.source, confirm: 'health-gate', confirmWindowSeconds: 120, ...what });
  if (!queued) throw new ApplyBusyError(strip(await readStatus(p)));
  // An update that took the lock meanwhile: it looks for tickets after publishing itself, so
  // one of us sees the other (update-lock.ts).
  const raced = await readUpdateActivity(p);
  if (raced) {
    await removeTicket(p, id);
    throw new ApplyBusyError(strip(await readStatus(p)), raced);
  }

  const env = opts.env ?? process.env;
  let lastSeen = '';
  for (let attempt = 0; attempt < 4; attempt++) {
    const child = spawnWorker(opts.root, opts.simulate, attempt === 0 ? env : withoutTestHooks(env));
    // Set when the child exits, which the checker cannot see from here: a box, not a plain `let`.
    const worker = { exited: false };
    void waitExit(child).then(() => (worker.exited = true));
    for (;;) {
      const s = await readStatus(p);
      const key = `${s.phase}|${s.progress.buildsDone}|${s.progress.pathsDone}|${s.progress.activity ?? ''}|${s.last?.id ?? ''}`;
      if (key !== lastSeen) {
        lastSeen = key;
        opts.onStatus?.(strip(s));
      }
      if (s.last?.id === id && s.phase === 'idle') {
        // Let our worker finish (it releases the lock), so that the next apply gets its own.
        // unref: once the worker is gone this timer must not keep the CLI alive for 10 s.
        await Promise.race([waitExit(child), new Promise((r) => setTimeout(r, 10_000).unref())]);
        return s.last;
      }
      // A worker that refused to run (an unsafe layout) said why: say it, do not retry.
      if (s.refusal && Date.parse(s.refusal.at) >= Date.parse(createdAt) && s.phase === 'idle') {
        await removeTicket(p, id);
        throw new ApplyRefusedError(s.refusal.reason);
      }
      // Our worker may have found the lock taken: then the holder runs our request.
      if (worker.exited && !lockAlive(await readLock(p.lock))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const s = await readStatus(p);
    if (s.last?.id === id && s.phase === 'idle') return s.last;
  }
  throw new Error(`apply ${id}: the worker stopped repeatedly; see ${p.logsDir}`);
}

function waitExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.on('exit', () => resolve());
    child.on('error', () => resolve());
  });
}

/** Recovery workers must not inherit the fault-injection suite's crash point. */
function withoutTestHooks(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'BOWTIE_SETUP_TEST_CRASH_AT'));
}

function strip(s: ApplyStatus & { workerAlive?: boolean; update?: unknown; queuedForMs?: number }): ApplyStatus {
  const { workerAlive: _w, update: _u, queuedForMs: _q, ...rest } = s;
  return rest;
}

/** What applying `document` would change (--dry-run, the review page); changes nothing. */
/**
 * `document` null plans the image's base configuration (no fragment: a factory reset, or a
 * reset --config with nothing configured); `pinInterface: false` plans as the worker runs a
 * reset, which activates the kept network as it is.
 */
export async function planApply(opts: ApplyOptions & { document: unknown; pinInterface?: boolean }): Promise<ApplyPlan> {
  const checked = opts.document === null ? ({ ok: true, config: null, complete: false } as const) : validateDocument(opts.document, 'any');
  const commandsFor = (exe: string) => [
    `${exe} build --log-format internal-json -v`,
    `${exe} test --log-format internal-json -v`,
    'confirm: Confirm in the wizard, or the health gate (link, address, gateway, DNS) for headless applies',
    `${exe} switch --log-format internal-json -v`,
    'health gate (bowtie_server.service active when setup is complete)',
  ];
  if (!checked.ok) return { ok: false, errors: checked.errors, complete: false, unchanged: false, fragmentDiff: '', fragment: '', services: [], secrets: [], commands: [], newUrl: null };
  // The same interface the worker will pin (the dry run and the review show what is applied).
  const config = checked.config && opts.pinInterface !== false ? await pinStaticInterface(checked.config, createProbes({ root: opts.root, simulate: opts.simulate })) : checked.config;
  const p = enginePaths(opts.root);
  const fragment = config ? renderFragment(config) : '';
  const currentFragment = await readFile(p.fragment, 'utf8').catch(() => '');
  const wanted: Record<SecretName, string | null> = {
    adminPasswordHash: config?.admin?.password_hash ?? null,
    consolePasswordHash: config?.admin?.console_password_hash ?? null,
    enrollmentToken: config?.enrollment?.token ?? null,
    tlsPrivateKey: config?.tls.private_key ?? null,
    proxyCredentials: config?.network.proxy?.credentials ?? null,
    ssoClientSecret: config?.sso?.client_secret ?? null,
  };
  const secrets: ApplyPlan['secrets'] = [];
  let secretsSame = true;
  for (const n of SECRET_NAMES) {
    const existing = await readFile(p.secrets[n], 'utf8').catch(() => null);
    let action: 'write' | 'remove' | 'keep' | null;
    if (n === 'adminPasswordHash' && config?.admin?.password) {
      action = existing !== null && (await verifyPassword(existing, config.admin.password)) ? 'keep' : 'write';
    } else if (wanted[n] !== null) {
      action = existing !== null && sha256(existing) === sha256(wanted[n]) ? 'keep' : 'write';
    } else {
      action = existing !== null || currentFragment.includes(SECRET_FILES[n]) ? 'remove' : null;
    }
    if (action !== 'keep' && action !== null) secretsSame = false;
    if (action) secrets.push({ path: SECRET_FILES[n], action });
  }
  const exe = opts.simulate && !process.env.BOWTIE_SETUP_NIXOS_REBUILD ? 'nixos-rebuild' : rebuildExecutable(opts.simulate);
  const unchanged = currentFragment === fragment && secretsSame;
  return {
    ok: true,
    errors: [],
    complete: checked.complete,
    unchanged,
    fragmentDiff: unifiedDiff(currentFragment, fragment, currentFragment ? `a${FRAGMENT_PATH}` : '/dev/null', fragment ? `b${FRAGMENT_PATH}` : '/dev/null'),
    fragment,
    services: unchanged ? [] : serviceChanges(currentFragment, fragment),
    secrets,
    commands: unchanged ? [] : commandsFor(exe),
    newUrl: config ? await computeNewUrl(config, createProbes({ root: opts.root, simulate: opts.simulate })) : null,
  };
}
