/**
 * The engine's working memory and its journal (DESIGN.md "Activation"): the state as last
 * written to state.json, the live progress, the output log, and the few moves every phase
 * makes: journal a change durably, then publish the status; start a step; run a command and
 * log its lines; end an apply. The phases (./phases.ts), the rollback and recovery
 * (./recovery.ts) and the reset's clean-up (./reset.ts) act through one `ApplyRun`; the
 * Engine (./engine.ts) owns it and is all the worker sees.
 */
import type { SystemProbes } from '../system/probes.js';
import type { CrashPoint } from './files.js';
import type { KeptDocument } from './fragment-value.js';
import { type ApplyJournal, type EngineState, type JournalStep, writeState } from './journal.js';
import type { LockOwner } from './lock.js';
import { OutputLog } from './output-log.js';
import type { EnginePaths } from './paths.js';
import { emptyProgress } from './empty-progress.js';
import { NixProgress } from './progress.js';
import { type CommandResult, describeResult, type RebuildAdapter } from './rebuild.js';
import { removeConfirm, removeTicket } from './spool.js';
import { buildStatus, publishStatus } from './status.js';
import type { PhaseTimeouts } from './timeouts.js';
import type { ApplyPhase, ApplyProgress, ApplyResult, ResetMode } from './types.js';

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

/** A phase that failed: the rollback starts from `step` and says `message`. */
export class ApplyFailure extends Error {
  constructor(
    readonly step: JournalStep,
    message: string,
  ) {
    super(message);
  }
}

export function phaseOf(step: JournalStep): ApplyPhase {
  return step === 'backup' ? 'write' : step;
}

export class ApplyRun {
  state!: EngineState;
  progress: ApplyProgress = emptyProgress();
  log: OutputLog | null = null;
  private lastPublish = 0;
  private publishTimer: NodeJS.Timeout | null = null;
  firstCommandSeen = false;
  /** What a running reset keeps for the wizard's draft (hostname, domain, network, the admin's e-mail and keys; no secret). */
  resetKept: KeptDocument | null = null;
  /** The result of a factory reset this worker did, whose state.json is gone (see Engine.load()). */
  factoryResult: ApplyResult | null = null;
  readonly crash: CrashPoint;

  constructor(readonly d: EngineDeps) {
    this.crash = d.crash ?? (() => {});
  }

  get paths(): EnginePaths {
    return this.d.paths;
  }

  // ---- journal and status --------------------------------------------------------------------

  /** Applies `change` to the state, writes it durably, then publishes the status. */
  async journal(change: (s: EngineState) => void): Promise<void> {
    const next = structuredClone(this.state);
    change(next);
    await writeState(this.paths.state, next);
    this.state = next;
    await this.publish(true);
  }

  async step(step: JournalStep, extra: Partial<ApplyJournal> = {}): Promise<void> {
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

  note(line: string): void {
    this.log?.write(line);
  }

  openLog(id: string, secrets: string[]): void {
    this.log?.close();
    this.log = new OutputLog(this.paths.logsDir, id, this.paths.output, secrets);
  }

  closeLog(): void {
    this.log?.close();
    this.log = null;
  }

  // ---- commands --------------------------------------------------------------------------------

  async command(label: string, run: (onLine: (raw: string) => void) => Promise<CommandResult>): Promise<CommandResult> {
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

  rebuild(action: 'build' | 'test' | 'switch', timeoutMs: number): Promise<CommandResult> {
    return this.command(`nixos-rebuild ${action}`, (onLine) => this.d.rebuild.rebuild(action, { timeoutMs, onLine }));
  }

  async mustSucceed(step: JournalStep, r: CommandResult): Promise<void> {
    if (r.ok) return;
    throw new ApplyFailure(step, `${r.command} ${describeResult(r)}`);
  }

  // ---- the end of an apply -----------------------------------------------------------------------

  currentStep(): JournalStep {
    return this.state.apply?.step ?? 'write';
  }

  result(r: Partial<ApplyResult> & Pick<ApplyResult, 'outcome'>): ApplyResult {
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

  async cleanup(id: string): Promise<void> {
    this.closeLog();
    await removeConfirm(this.paths, id);
    await removeTicket(this.paths, id);
    await this.publish(true);
  }
}
