/**
 * The apply engine (DESIGN.md "Activation"): runs in the privileged worker, one apply at a
 * time, under the lock. Each step is written to the journal in state.json before it is acted
 * on; `recover()` reads the journal after a crash and rolls back (or, for a confirm window
 * still open, resumes), so that the system always ends in exactly the old or exactly the new
 * configuration: fragment bytes, secret files, profile generation and state.json agreeing.
 *
 * The engine in parts: this file is the state machine's entry (validate, backup, write,
 * build, test, then the phases); ./run.ts the journal and working memory; ./phases.ts
 * confirm, switch, health and commit; ./recovery.ts rollback and recovery; ./reset.ts the
 * reset's target and clean-up; ./secret-files.ts which secret files a configuration has;
 * ./timeouts.ts how long each phase may take; ./plan.ts what an apply would change.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hashPassword, verifyPassword } from '../config/hash-password.js';
import { fqdnOf } from '../config/names.js';
import type { FieldError, SiteConfig } from '../config/schema.js';
import { validateDocument } from '../config/validate.js';
import { documentHash, renderFragment } from '../nix/render.js';
import { type FileContents, readContents, removeManaged, sameSnapshot, snapshotOf, writeBackup, writeNew } from './files.js';
import { pinStaticInterface } from './interface-pin.js';
import { type EngineState, readState } from './journal.js';
import type { EnginePaths, SecretName } from './paths.js';
import { confirmPhase, finish, switchPhase } from './phases.js';
import { computeNewUrl } from './plan.js';
import { recover, rollback } from './recovery.js';
import { resetTarget, type ResetTarget } from './reset.js';
import { ApplyFailure, ApplyRun, type EngineDeps } from './run.js';
import { noSecrets, secretFiles, secretValues } from './secret-files.js';
import { markTaken, type SpoolRequest } from './spool.js';
import type { ApplyResult } from './types.js';

export type { EngineDeps } from './run.js';

export class Engine {
  private readonly r: ApplyRun;

  constructor(d: EngineDeps) {
    this.r = new ApplyRun(d);
  }

  get paths(): EnginePaths {
    return this.r.paths;
  }

  async load(): Promise<EngineState> {
    const r = this.r;
    r.state = await readState(r.paths.state);
    // A factory reset removed state.json with its record of the reset: the published status
    // keeps it for the rest of this worker's life (the caller learns the outcome from it).
    if (r.factoryResult && !r.state.last && !r.state.active && !r.state.apply) r.state = { ...r.state, last: r.factoryResult };
    return r.state;
  }

  async publish(force = false): Promise<void> {
    await this.r.publish(force);
  }

  /** Records (and publishes) why a request was not run; nothing else changes. */
  async refuse(reason: string): Promise<void> {
    await this.r.journal((s) => {
      s.refusal = { at: new Date().toISOString(), reason };
    });
  }

  /** After a crash: finishes the interrupted apply (./recovery.ts); null when there was none. */
  recover(): Promise<ApplyResult | null> {
    return recover(this.r);
  }

  /**
   * Runs one request to its end; returns the result (also recorded as state.last). A reset
   * request is refused unless `trust.reset` (the worker checks who wrote the ticket).
   */
  async run(req: SpoolRequest, trust: { reset: boolean; refusal?: FieldError } = { reset: true }): Promise<ApplyResult> {
    const r = this.r;
    if (r.state.apply) throw new Error('recover() must run before a new apply');
    const now = new Date().toISOString();
    r.firstCommandSeen = false;
    await mkdir(r.paths.buildDir, { recursive: true, mode: 0o700 });
    await r.journal((s) => {
      delete s.refusal;
      s.apply = {
        id: req.id,
        source: req.source,
        confirmMode: req.confirm,
        confirmWindowSeconds: req.confirmWindowSeconds,
        step: 'validate',
        startedAt: now,
        stepStartedAt: now,
        bootId: '',
        prev: null,
        next: null,
        confirmDeadline: null,
        confirmedAt: null,
        rollback: null,
        reset: req.reset ?? null,
      };
      // A reset's clean-up that no worker could finish (none knew the wizard's files) must not
      // run later over what this apply writes.
      s.resetCleanup = null;
    });
    r.crash('validate:journaled');
    await markTaken(r.paths, req);
    r.crash('validate:taken');

    const reset = req.reset ?? null;
    const target: ResetTarget | ReturnType<typeof validateDocument> = reset
      ? trust.reset
        ? await resetTarget(r.paths, reset)
        : { ok: false, errors: [trust.refusal ?? { path: '(request)', message: 'a reset must be requested by the user the worker runs as' }] }
      : // A legacy hash only from the controller template, in a ticket the worker's own user wrote.
        validateDocument(req.document, 'any', undefined, { legacyPasswordHash: trust.reset && req.legacyPasswordHash === true });
    if (!target.ok) {
      r.openLog(req.id, []);
      for (const e of target.errors) r.note(`invalid: ${e.path}: ${e.message}`);
      return finish(r, {
        outcome: 'invalid',
        errors: target.errors,
        reason: reset ? 'the reset cannot be done' : 'the document is not valid',
        failedPhase: 'validate',
      });
    }
    // A reset to no fragment (factory, or nothing was configured) activates the image's base
    // configuration, which the health gates check as DHCP on the default interface.
    const config = target.config && !reset ? await pinStaticInterface(target.config, r.d.probes) : target.config;
    const checkAs = config ?? baseConfig();
    const complete = 'complete' in target ? target.complete : false;
    r.resetKept = 'kept' in target ? target.kept : null;
    const current = await readContents(r.paths);
    // A reset --config keeps the admin's hashes (./reset-target.ts); everything else goes.
    const secrets = config ? await secretContents(config, current.secrets) : noSecrets();
    r.openLog(req.id, secretValues(config, { ...current.secrets, ...nonNull(secrets) }));
    if (reset)
      r.note(
        `reset --${reset} ${req.id} from ${req.source}: ${config ? `keeping ${fqdnOf(config.hostname, config.domain)}, its network${config.admin ? " and the admin's access" : ''}` : "activating the image's base configuration"}`,
      );
    else r.note(`apply ${req.id} from ${req.source} (${req.confirm} confirm) for ${fqdnOf(checkAs.hostname, checkAs.domain)}`);
    const next: FileContents = { fragment: config ? renderFragment(config) : null, secrets };
    const prevSnap = snapshotOf(current);
    const nextSnap = snapshotOf(next);
    const generation = await r.d.rebuild.currentGeneration();
    const system = await r.d.rebuild.activeSystem();
    const active = r.state.active;
    if (
      active &&
      sameSnapshot(prevSnap, nextSnap) &&
      sameSnapshot(active, nextSnap) &&
      active.generation === generation &&
      generation !== null &&
      system === (await r.d.rebuild.generationSystem(generation)) &&
      !(reset && existsSync(r.paths.handoffMarker))
    ) {
      r.note('identical to the active configuration: nothing to rebuild');
      return finish(r, { outcome: 'unchanged' });
    }
    const bootId = await r.d.probes.bootId();
    const newUrl = config ? await computeNewUrl(config, r.d.probes) : null;

    await r.step('backup', {
      bootId,
      prev: { ...prevSnap, generation, system, handedOff: existsSync(r.paths.handoffMarker) },
      next: { ...nextSnap, documentHash: config ? documentHash(config) : NO_DOCUMENT, complete, newUrl },
    });
    r.crash('backup:journaled');
    await writeBackup(r.paths, current, r.crash);
    r.crash('backup:done');

    try {
      await r.step('write');
      r.crash('write:journaled');
      await writeNew(r.paths, next, r.crash);
      // A reset takes the hand-off back: bowtie_server leaves with the complete site, and the
      // wizard's units may start again (docs/decisions/0403).
      if (reset) await removeManaged(r.paths.handoffMarker, 'write:handoff', r.crash);
      r.crash('write:done');

      await r.step('build');
      r.crash('build:journaled');
      await r.mustSucceed('build', await r.rebuild('build', r.d.timeouts.build));
      r.crash('build:done');

      await r.step('test');
      r.crash('test:journaled');
      await r.mustSucceed('test', await r.rebuild('test', r.d.timeouts.test));
      r.crash('test:done');

      await confirmPhase(r, checkAs);
      return await switchPhase(r, checkAs);
    } catch (e) {
      if (!(e instanceof ApplyFailure)) {
        r.note(`error: ${(e as Error).message}`);
        return rollback(r, r.currentStep(), `internal error: ${(e as Error).message}`);
      }
      return rollback(r, e.step, e.message);
    }
  }
}

/** The journaled document hash of "no fragment". */
const NO_DOCUMENT = 'none';

/** What the health gates check when no fragment is active: the image's DHCP on the default interface. */
function baseConfig(): SiteConfig {
  const checked = validateDocument({ hostname: 'bowtie' }, 'any');
  if (!checked.ok) throw new Error('the base configuration does not validate');
  return checked.config;
}

/**
 * The secret files' contents (./secret-files.ts). A plaintext password that the current hash
 * already matches keeps that hash, so re-applying the same document changes nothing.
 */
async function secretContents(config: SiteConfig, current: Record<SecretName, string | null>): Promise<Record<SecretName, string | null>> {
  const out = noSecrets();
  for (const f of secretFiles(config)) {
    if (f.content !== null || f.password === null) out[f.name] = f.content;
    else {
      const existing = current[f.name];
      out[f.name] = existing && (await verifyPassword(existing, f.password)) ? existing : await hashPassword(f.password);
    }
  }
  return out;
}

function nonNull(r: Record<SecretName, string | null>): Partial<Record<SecretName, string>> {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null));
}
