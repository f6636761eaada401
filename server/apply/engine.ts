/**
 * The apply engine (DESIGN.md "Activation"): runs in the privileged worker, one apply at a
 * time, under the lock. Each step is written to the journal in state.json before it is acted
 * on; `recover()` reads the journal after a crash and rolls back (or, for a confirm window
 * still open, resumes), so that the system always ends in exactly the old or exactly the new
 * configuration: fragment bytes, secret files, profile generation and state.json agreeing.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fqdnOf } from '../config/names.js';
import type { FieldError, SiteConfig } from '../config/schema.js';
import { validateDocument } from '../config/validate.js';
import { documentHash, renderFragment } from '../nix/render.js';
import type { SystemProbes } from '../system/probes.js';
import { fsyncDirectory } from '../system/atomic-file.js';
import { type CrashPoint, type FileContents, readContents, removeManaged, restoreFiles, sameSnapshot, snapshotOf, sweepTemps, wipeDirectory, writeBackup, writeManaged, writeNew } from './files.js';
import { type KeptDocument, readFragmentSite } from './fragment-value.js';
import { resetConfigDocument } from './reset-target.js';
import { pinStaticInterface } from './interface-pin.js';
import { describeHealth, waitHealthy } from './health.js';
import { type ApplyJournal, emptyState, type EngineState, type JournalStep, readState, writeState } from './journal.js';
import type { LockOwner } from './lock.js';
import { OutputLog } from './output-log.js';
import type { EnginePaths, SecretName } from './paths.js';
import { emptyProgress, NixProgress } from './progress.js';
import { type CommandResult, describeResult, type RebuildAdapter } from './rebuild.js';
import { computeNewUrl } from './plan.js';
import { noSecrets, secretFiles, secretValues } from './secret-files.js';
import { hashPassword, verifyPassword } from '../config/hash-password.js';
import type { PhaseTimeouts } from './timeouts.js';
import { hasConfirm, markTaken, removeConfirm, removeTicket, type SpoolRequest } from './spool.js';
import { buildStatus, publishStatus } from './status.js';
import type { ApplyPhase, ApplyProgress, ApplyResult, ResetMode } from './types.js';
import { networkSection } from '../config/schema.js';

export interface EngineDeps {
  paths: EnginePaths;
  rebuild: RebuildAdapter;
  probes: SystemProbes;
  timeouts: PhaseTimeouts;
  lock: LockOwner | null;
  /** Test hook: the fault-injection suite kills the worker at these named points. */
  crash?: CrashPoint;
  /** Called when the first nixos-rebuild command starts (the bench's end mark). */
  onFirstCommand?: () => void;
  /** Starts the wizard's unit again after a rollback (on the appliance; nothing in --simulate). */
  startWizard?: () => Promise<void>;
  /**
   * After a reset has committed: clears what the wizard and cloud-init keep outside the engine
   * (draft, setup code, their status files; for `factory` also certificate and markers).
   * Supplied by the command layer, since the engine knows nothing of the wizard; a worker
   * without it leaves the clean-up pending for one that has it (docs/decisions/0520).
   */
  resetWizardFiles?: (mode: ResetMode, kept: KeptDocument | null) => Promise<void>;
  /** After a reset: the wizard and its console menu start again (on the appliance; nothing in --simulate). */
  restartWizard?: () => Promise<void>;
}

/** What a reset request turns into: the document to activate (null: no fragment) and what the draft keeps. */
type ResetTarget = { ok: true; config: SiteConfig | null; kept: KeptDocument | null } | { ok: false; errors: FieldError[] };

const STEP_ORDER: JournalStep[] = ['validate', 'backup', 'write', 'build', 'test', 'confirm', 'switch', 'health', 'rollback'];
const activated = (s: JournalStep) => STEP_ORDER.indexOf(s) >= STEP_ORDER.indexOf('test') && s !== 'rollback';

class ApplyFailure extends Error {
  constructor(
    readonly step: JournalStep,
    message: string,
  ) {
    super(message);
  }
}

export class Engine {
  private state!: EngineState;
  private progress: ApplyProgress = emptyProgress();
  private log: OutputLog | null = null;
  private lastPublish = 0;
  private publishTimer: NodeJS.Timeout | null = null;
  private firstCommandSeen = false;
  /** What a running reset keeps for the wizard's draft (hostname, domain, network, the admin's e-mail and keys; no secret). */
  private resetKept: KeptDocument | null = null;
  /** The result of a factory reset this worker did, whose state.json is gone (see load()). */
  private factoryResult: ApplyResult | null = null;
  private readonly crash: CrashPoint;

  constructor(private readonly d: EngineDeps) {
    this.crash = d.crash ?? (() => {});
  }

  get paths(): EnginePaths {
    return this.d.paths;
  }

  async load(): Promise<EngineState> {
    this.state = await readState(this.paths.state);
    // A factory reset removed state.json with its record of the reset: the published status
    // keeps it for the rest of this worker's life (the caller learns the outcome from it).
    if (this.factoryResult && !this.state.last && !this.state.active && !this.state.apply) this.state = { ...this.state, last: this.factoryResult };
    return this.state;
  }

  // ---- journal and status --------------------------------------------------------------------

  /** Applies `change` to the state, writes it durably, then publishes the status. */
  private async journal(change: (s: EngineState) => void): Promise<void> {
    const next = structuredClone(this.state);
    change(next);
    await writeState(this.paths.state, next);
    this.state = next;
    await this.publish(true);
  }

  private async step(step: JournalStep, extra: Partial<ApplyJournal> = {}): Promise<void> {
    this.progress = emptyProgress();
    await this.journal((s) => {
      if (!s.apply) throw new Error('no apply in progress');
      Object.assign(s.apply, extra, { step, stepStartedAt: new Date().toISOString() });
    });
    this.note(`== ${new Date().toISOString()} ${step}`);
  }

  async publish(force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - this.lastPublish < 250) {
      this.publishTimer ??= setTimeout(() => {
        this.publishTimer = null;
        void this.publish(true).catch(() => {});
      }, 250);
      return;
    }
    this.lastPublish = now;
    const status = buildStatus(this.state, { progress: this.progress, generation: await this.d.rebuild.currentGeneration(), worker: this.d.lock });
    await publishStatus(this.paths.status, status);
  }

  private note(line: string): void {
    this.log?.write(line);
  }

  // ---- commands --------------------------------------------------------------------------------

  private async command(label: string, run: (onLine: (raw: string) => void) => Promise<CommandResult>): Promise<CommandResult> {
    const parser = new NixProgress();
    if (!this.firstCommandSeen) {
      this.firstCommandSeen = true;
      this.d.onFirstCommand?.();
    }
    const r = await run((raw) => {
      const line = parser.line(raw);
      if (line !== null) this.note(line);
      this.progress = parser.snapshot();
      void this.publish().catch(() => {});
    });
    this.note(`-- ${label}: ${describeResult(r)}`);
    return r;
  }

  private rebuild(action: 'build' | 'test' | 'switch', timeoutMs: number): Promise<CommandResult> {
    return this.command(`nixos-rebuild ${action}`, (onLine) => this.d.rebuild.rebuild(action, { timeoutMs, onLine }));
  }

  // ---- the apply -------------------------------------------------------------------------------

  /**
   * Runs one request to its end; returns the result (also recorded as state.last). A reset
   * request is refused unless `trust.reset` (the worker checks who wrote the ticket).
   */
  async run(req: SpoolRequest, trust: { reset: boolean } = { reset: true }): Promise<ApplyResult> {
    if (this.state.apply) throw new Error('recover() must run before a new apply');
    const now = new Date().toISOString();
    this.firstCommandSeen = false;
    await mkdir(this.paths.buildDir, { recursive: true, mode: 0o700 });
    await this.journal((s) => {
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
    this.crash('validate:journaled');
    await markTaken(this.paths, req);
    this.crash('validate:taken');

    const reset = req.reset ?? null;
    const target: ResetTarget | ReturnType<typeof validateDocument> = reset
      ? trust.reset
        ? await this.resetTarget(reset)
        : { ok: false, errors: [{ path: '(request)', message: 'a reset must be requested by the user the worker runs as' }] }
      : validateDocument(req.document, 'any');
    if (!target.ok) {
      this.openLog(req.id, []);
      for (const e of target.errors) this.note(`invalid: ${e.path}: ${e.message}`);
      return this.finish({ outcome: 'invalid', errors: target.errors, reason: reset ? 'the reset cannot be done' : 'the document is not valid', failedPhase: 'validate' });
    }
    // A reset to no fragment (factory, or nothing was configured) activates the image's base
    // configuration, which the health gates check as DHCP on the default interface.
    const config = target.config && !reset ? await pinStaticInterface(target.config, this.d.probes) : target.config;
    const checkAs = config ?? baseConfig();
    const complete = 'complete' in target ? target.complete : false;
    this.resetKept = 'kept' in target ? target.kept : null;
    const current = await readContents(this.paths);
    // A reset --config keeps the admin's hashes (./reset-target.ts); everything else goes.
    const secrets = config ? await secretContents(config, current.secrets) : noSecrets();
    this.openLog(req.id, secretValues(config, { ...current.secrets, ...nonNull(secrets) }));
    if (reset) this.note(`reset --${reset} ${req.id} from ${req.source}: ${config ? `keeping ${fqdnOf(config.hostname, config.domain)}, its network${config.admin ? " and the admin's access" : ''}` : "activating the image's base configuration"}`);
    else this.note(`apply ${req.id} from ${req.source} (${req.confirm} confirm) for ${fqdnOf(checkAs.hostname, checkAs.domain)}`);
    const next: FileContents = { fragment: config ? renderFragment(config) : null, secrets };
    const prevSnap = snapshotOf(current);
    const nextSnap = snapshotOf(next);
    const generation = await this.d.rebuild.currentGeneration();
    const system = await this.d.rebuild.activeSystem();
    const active = this.state.active;
    if (
      active &&
      sameSnapshot(prevSnap, nextSnap) &&
      sameSnapshot(active, nextSnap) &&
      active.generation === generation &&
      generation !== null &&
      system === (await this.d.rebuild.generationSystem(generation)) &&
      !(reset && existsSync(this.paths.handoffMarker))
    ) {
      this.note('identical to the active configuration: nothing to rebuild');
      return this.finish({ outcome: 'unchanged' });
    }
    const bootId = await this.d.probes.bootId();
    const newUrl = config ? await this.newUrl(config) : null;

    await this.step('backup', {
      bootId,
      prev: { ...prevSnap, generation, system, handedOff: existsSync(this.paths.handoffMarker) },
      next: { ...nextSnap, documentHash: config ? documentHash(config) : NO_DOCUMENT, complete, newUrl },
    });
    this.crash('backup:journaled');
    await writeBackup(this.paths, current, this.crash);
    this.crash('backup:done');

    try {
      await this.step('write');
      this.crash('write:journaled');
      await writeNew(this.paths, next, this.crash);
      // A reset takes the hand-off back: bowtie_server leaves with the complete site, and the
      // wizard's units may start again (docs/decisions/0403).
      if (reset) await removeManaged(this.paths.handoffMarker, 'write:handoff', this.crash);
      this.crash('write:done');

      await this.step('build');
      this.crash('build:journaled');
      await this.mustSucceed('build', await this.rebuild('build', this.d.timeouts.build));
      this.crash('build:done');

      await this.step('test');
      this.crash('test:journaled');
      await this.mustSucceed('test', await this.rebuild('test', this.d.timeouts.test));
      this.crash('test:done');

      await this.confirmPhase(checkAs);
      return await this.switchPhase(checkAs);
    } catch (e) {
      if (!(e instanceof ApplyFailure)) {
        this.note(`error: ${(e as Error).message}`);
        return this.rollback(this.currentStep(), `internal error: ${(e as Error).message}`);
      }
      return this.rollback(e.step, e.message);
    }
  }

  private async confirmPhase(config: SiteConfig): Promise<void> {
    const j = this.state.apply!;
    if (j.confirmMode === 'interactive') {
      const windowMs = this.d.timeouts.confirm ?? j.confirmWindowSeconds * 1000;
      const deadline = j.confirmDeadline ?? new Date(Date.now() + windowMs).toISOString();
      if (j.step !== 'confirm') await this.step('confirm', { confirmDeadline: deadline });
      this.crash('confirm:journaled');
      if (!j.confirmedAt) {
        this.note(`waiting for Confirm until ${deadline}`);
        for (;;) {
          if (await hasConfirm(this.paths, j.id)) break;
          if (Date.now() >= Date.parse(deadline)) {
            throw new ApplyFailure('confirm', `not confirmed within the window (until ${deadline})`);
          }
          await new Promise((r) => setTimeout(r, Math.min(this.d.timeouts.interval, 200)));
          await this.publish().catch(() => {});
        }
      }
    } else {
      if (j.step !== 'confirm') await this.step('confirm', { confirmDeadline: new Date(Date.now() + this.d.timeouts.gate).toISOString() });
      this.crash('confirm:journaled');
      const report = await waitHealthy(config, this.d.probes, false, this.d.timeouts.gate, this.d.timeouts.interval);
      this.note(`health gate: ${describeHealth(report)}`);
      if (!report.ok) throw new ApplyFailure('confirm', `the health gate did not pass: ${report.checks.filter((c) => !c.ok).map((c) => `${c.name} (${c.detail})`).join(', ')}`);
    }
    if (!j.confirmedAt) {
      await this.journal((s) => {
        s.apply!.confirmedAt = new Date().toISOString();
      });
    }
    await removeConfirm(this.paths, j.id);
    this.crash('confirm:done');
    // Hand-off (docs/decisions/0403): bowtie_server starts when the marker appears, which stops
    // the wizard. Written after the confirm and before switch; a rollback takes it away again.
    if (j.next?.complete && !existsSync(this.paths.handoffMarker)) {
      await writeManaged(this.paths.handoffMarker, `${j.id}\n`, 0o644, 0o700, 'handoff', this.crash);
      this.note('hand-off marker written: the controller takes over from the wizard');
    }
  }

  private async switchPhase(config: SiteConfig): Promise<ApplyResult> {
    await this.step('switch');
    this.crash('switch:journaled');
    await this.mustSucceed('switch', await this.rebuild('switch', this.d.timeouts.switch));
    this.crash('switch:done');

    const complete = this.state.apply!.next!.complete;
    await this.step('health');
    this.crash('health:journaled');
    const report = await waitHealthy(config, this.d.probes, complete, this.d.timeouts.health, this.d.timeouts.interval);
    this.note(`health gate: ${describeHealth(report)}`);
    if (!report.ok) throw new ApplyFailure('health', `the health check after switch did not pass: ${report.checks.filter((c) => !c.ok).map((c) => `${c.name} (${c.detail})`).join(', ')}`);
    this.crash('health:done');
    return this.commit();
  }

  private async mustSucceed(step: JournalStep, r: CommandResult): Promise<void> {
    if (r.ok) return;
    throw new ApplyFailure(step, `${r.command} ${describeResult(r)}`);
  }

  /** The new configuration runs and is the boot default: one state write makes it so. */
  private async commit(): Promise<ApplyResult> {
    const j = this.state.apply!;
    const generation = await this.d.rebuild.currentGeneration();
    const next = j.next!;
    const reset = j.reset ?? null;
    const result = this.result({ outcome: 'applied', generation, handedOff: next.complete });
    // The ticket goes first: a crash between the two leaves an open journal (recovered), never
    // a finished apply whose ticket blocks the next one.
    await removeTicket(this.paths, j.id);
    await this.journal((s) => {
      s.active = { id: j.id, documentHash: next.documentHash, fragment: next.fragment, secrets: next.secrets, complete: next.complete, generation, appliedAt: result.finishedAt };
      s.setup = reset ? (next.fragment ? 'configured' : 'unconfigured') : next.complete ? 'complete' : s.setup === 'complete' ? 'complete' : 'configured';
      s.last = result;
      s.apply = null;
      if (reset) s.resetCleanup = { id: j.id, mode: reset, kept: this.resetKept };
    });
    this.crash('commit:done');
    this.note(`applied: generation ${generation ?? '?'} is active and the boot default${next.complete ? '; setup is complete' : ''}`);
    await this.finishReset();
    await this.cleanup(j.id);
    return result;
  }

  /**
   * The clean-up after a committed reset (state.resetCleanup): the rollback copies (they hold
   * the previous secrets), the wizard's and cloud-init's files, and for a factory reset
   * everything else in the state directory, state.json last. Idempotent; the next worker
   * finishes it after a crash.
   */
  private async finishReset(): Promise<void> {
    const pending = this.state.resetCleanup;
    if (!pending) return;
    if (!this.d.resetWizardFiles) {
      this.note('the reset\'s clean-up is left for a worker that knows the wizard\'s files');
      return;
    }
    this.note(`reset --${pending.mode}: removing the previous secrets' backups and the wizard's files`);
    await rm(this.paths.rollbackDir, { recursive: true, force: true });
    this.crash('reset:backups');
    if (pending.mode === 'factory') {
      // The log goes with the logs directory: it holds nothing the next first boot needs.
      this.log?.close();
      this.log = null;
      await this.d.resetWizardFiles('factory', null);
      this.crash('reset:wizard');
      await wipeDirectory(this.paths.stateDir, [this.paths.lock, this.paths.state]);
      this.crash('reset:wiped');
      // state.json goes last: until then a crash leaves the clean-up journaled.
      await rm(this.paths.state, { force: true });
      await fsyncDirectory(dirname(this.paths.state)).catch(() => {});
      this.factoryResult = this.state.last;
      this.state = { ...emptyState(), last: this.factoryResult };
    } else {
      await this.d.resetWizardFiles('config', pending.kept as KeptDocument | null);
      this.crash('reset:wizard');
      await this.journal((s) => {
        s.resetCleanup = null;
      });
    }
    this.crash('reset:done');
    await this.d.restartWizard?.().catch((e: unknown) => this.note(`warning: could not restart the wizard: ${e instanceof Error ? e.message : String(e)}`));
  }

  /** What a reset activates: for `config` the active hostname, domain, network and admin's access as a partial document. */
  private async resetTarget(mode: ResetMode): Promise<ResetTarget> {
    if (mode === 'factory') return { ok: true, config: null, kept: null };
    const target = await resetConfigDocument(this.paths);
    if (target.kind === 'none') return { ok: true, config: null, kept: null };
    if (target.kind === 'invalid') return { ok: false, errors: target.errors };
    const checked = validateDocument(target.document, 'any');
    if (!checked.ok) return { ok: false, errors: checked.errors };
    return { ok: true, config: checked.config, kept: target.kept };
  }

  // ---- rollback and recovery -------------------------------------------------------------------

  /**
   * Restores the previous fragment and secrets and re-activates the previous generation
   * (switching the profile back when `switch` got as far as changing it). Idempotent: the
   * recovery of a crash during rollback runs it again.
   */
  private async rollback(from: JournalStep, reason: string): Promise<ApplyResult> {
    const j = this.state.apply!;
    const origin = j.rollback ?? { from, reason };
    this.note(`rolling back (${origin.from}): ${origin.reason}`);
    await this.step('rollback', { rollback: origin });
    this.crash('rollback:journaled');
    if (j.prev) {
      await sweepTemps(this.paths);
      await restoreFiles(this.paths, j.prev, this.crash);
      if (!j.prev.handedOff) await removeManaged(this.paths.handoffMarker, 'rollback:handoff', this.crash);
      // A reset took the marker away: the controller had the appliance before, and has it again.
      else if (!existsSync(this.paths.handoffMarker)) await writeManaged(this.paths.handoffMarker, `${this.state.active?.id ?? j.id}\n`, 0o644, 0o700, 'rollback:handoff', this.crash);
      this.crash('rollback:restored');
      const prevGen = j.prev.generation;
      if (prevGen !== null) {
        const current = await this.d.rebuild.currentGeneration();
        const activeSystem = await this.d.rebuild.activeSystem();
        const prevSystem = await this.d.rebuild.generationSystem(prevGen);
        const profileMoved = current !== prevGen;
        const wasActivated = activated(origin.from) || profileMoved || activeSystem !== prevSystem;
        if (profileMoved) {
          await this.d.rebuild.setProfileGeneration(prevGen);
          this.crash('rollback:profile');
        }
        if (wasActivated) {
          const verb = profileMoved || origin.from === 'switch' || origin.from === 'health' ? 'switch' : 'test';
          const r = await this.command(`switch-to-configuration ${verb} (generation ${prevGen})`, (onLine) =>
            this.d.rebuild.switchToConfiguration(prevGen, verb, { timeoutMs: this.d.timeouts.rollback, onLine }),
          );
          // Exit 4 (some units failed) still leaves the previous generation active.
          if (!r.ok && r.exitCode !== 4) this.note(`warning: re-activating generation ${prevGen} reported ${describeResult(r)}`);
          this.crash('rollback:reactivated');
        }
      }
    }
    // The switch back does not restart the wizard (its unit did not change): start it.
    if (j.prev && !j.prev.handedOff) await this.d.startWizard?.().catch((e: unknown) => this.note(`warning: could not start the wizard again: ${e instanceof Error ? e.message : String(e)}`));
    const result = this.result({ outcome: 'rolled-back', reason: origin.reason, failedPhase: phaseOf(origin.from), generation: j.prev?.generation ?? null });
    await removeTicket(this.paths, j.id);
    await this.journal((s) => {
      s.last = result;
      s.apply = null;
    });
    this.crash('rollback:done');
    this.note(`rolled back: ${origin.reason}`);
    await this.cleanup(j.id);
    return result;
  }

  /**
   * After a crash: finishes the interrupted apply. An open confirm window on the same boot is
   * resumed (the admin may still confirm); everything else is rolled back. Returns null when
   * there was nothing to recover.
   */
  /** Records (and publishes) why a request was not run; nothing else changes. */
  async refuse(reason: string): Promise<void> {
    await this.journal((s) => {
      s.refusal = { at: new Date().toISOString(), reason };
    });
  }

  async recover(): Promise<ApplyResult | null> {
    const j = this.state.apply;
    if (!j) {
      const pending = this.state.resetCleanup;
      if (pending && this.d.resetWizardFiles) {
        this.openLog(pending.id, []);
        this.note(`finishing the clean-up of reset ${pending.id}`);
        await this.finishReset();
        this.log?.close();
        this.log = null;
        await this.publish(true);
      }
      return null;
    }
    this.openLog(j.id, []);
    this.note(`recovering apply ${j.id}, interrupted in ${j.step}`);
    await sweepTemps(this.paths);
    const sameBoot = j.bootId !== '' && j.bootId === (await this.d.probes.bootId());
    if (j.step === 'rollback') return this.rollback(j.rollback?.from ?? 'write', j.rollback?.reason ?? 'interrupted');
    if (j.step === 'confirm' && sameBoot && j.confirmMode === 'interactive' && j.next && (j.confirmedAt || (j.confirmDeadline && Date.parse(j.confirmDeadline) > Date.now()))) {
      const config = await this.configFromFiles();
      if (config) {
        this.note('resuming the confirm window');
        try {
          await this.confirmPhase(config);
          return await this.switchPhase(config);
        } catch (e) {
          return this.rollback(e instanceof ApplyFailure ? e.step : 'confirm', (e as Error).message);
        }
      }
    }
    const why = sameBoot || j.bootId === '' ? `the apply was interrupted in ${j.step} (the worker stopped)` : `the appliance restarted during ${j.step}`;
    return this.rollback(j.step, why);
  }

  /**
   * The network as written to disk (for a resumed confirm's health gate), re-validated with
   * the schema. The fragment's path goes to the evaluator as an argument, never pasted into an
   * expression (a root whose path holds a space or a quote must not change its meaning).
   */
  private async configFromFiles(): Promise<SiteConfig | null> {
    const read = await readFragmentSite(this.paths.fragment);
    if (read.kind !== 'site') return null;
    const parsed = networkSection.safeParse(withoutNulls(read.site.network));
    if (!parsed.success) return null;
    const network = parsed.data;
    return { network: { ...network, dns: network.dns ?? [] } } as SiteConfig;
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private currentStep(): JournalStep {
    return this.state.apply?.step ?? 'write';
  }

  private openLog(id: string, secrets: string[]): void {
    this.log?.close();
    this.log = new OutputLog(this.paths.logsDir, id, this.paths.output, secrets);
  }

  private result(r: Partial<ApplyResult> & Pick<ApplyResult, 'outcome'>): ApplyResult {
    const j = this.state.apply!;
    return {
      id: j.id,
      source: j.source,
      finishedAt: new Date().toISOString(),
      reason: null,
      failedPhase: null,
      errors: [],
      outputTail: r.outcome === 'rolled-back' ? (this.log?.tail(50) ?? []) : [],
      generation: null,
      handedOff: false,
      ...(j.reset ? { reset: j.reset } : {}),
      ...r,
    };
  }

  /** Ends an apply that changed nothing (invalid, unchanged). */
  private async finish(r: Partial<ApplyResult> & Pick<ApplyResult, 'outcome'>): Promise<ApplyResult> {
    const j = this.state.apply!;
    const result = this.result({ generation: await this.d.rebuild.currentGeneration(), handedOff: false, ...r });
    const reset = r.outcome === 'unchanged' ? (j.reset ?? null) : null;
    if (r.outcome === 'unchanged') result.handedOff = !reset && this.state.setup === 'complete';
    await removeTicket(this.paths, j.id);
    await this.journal((s) => {
      s.last = result;
      s.apply = null;
      // Resetting an appliance that is already in the reset state still starts the wizard afresh.
      if (reset) {
        s.setup = s.active?.fragment ? 'configured' : 'unconfigured';
        s.resetCleanup = { id: j.id, mode: reset, kept: this.resetKept };
      }
    });
    await this.finishReset();
    await this.cleanup(j.id);
    return result;
  }

  private async cleanup(id: string): Promise<void> {
    this.log?.close();
    this.log = null;
    await removeConfirm(this.paths, id);
    await removeTicket(this.paths, id);
    await this.publish(true);
  }

  /** Where the wizard will be after activation, when the address changes. */
  private async newUrl(config: SiteConfig): Promise<string | null> {
    return computeNewUrl(config, this.d.probes);
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
 * The secret files' contents. A plaintext password that the current hash already matches keeps
 * that hash, so re-applying the same document changes nothing.
 */
export async function secretContents(config: SiteConfig, current: Record<SecretName, string | null>): Promise<Record<SecretName, string | null>> {
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

function phaseOf(step: JournalStep): ApplyPhase {
  return step === 'backup' ? 'write' : step;
}

/** The fragment writes absent optional values as null; the schema knows them as absent. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
  return value;
}
