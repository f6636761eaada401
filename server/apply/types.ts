/** Types of the apply engine's public interface (re-exported by index.ts, documented there). */
import type { FieldError } from '../config/schema.js';
import type { ServiceChange } from './restarts.js';

export type ApplySource = 'web' | 'cli' | 'cloud-init' | 'console';

/**
 * The engine's reset operations (`bowtie-setup reset`), run like an apply:
 * - `config`: the active hostname, domain, network and admin section (SSH keys, console and
 *   admin password hashes: docs/decisions/0523) become the whole (partial) document;
 *   enrollment, TLS, updates and their secrets go, the hand-off marker goes, and the wizard
 *   starts again (new setup code, draft holding the kept values without secrets);
 * - `factory`: no fragment at all (the image's base configuration), and everything setup
 *   wrote is removed.
 */
export type ResetMode = 'config' | 'factory';

/**
 * How the new configuration is confirmed after `nixos-rebuild test`:
 * - `interactive`: the admin presses Confirm in the browser within the window (web);
 * - `health-gate`: the automatic health gate (link up, address configured, gateway and DNS
 *   answer) confirms it (CLI, cloud-init). Never "skip".
 */
export type ConfirmMode = 'interactive' | 'health-gate';

/** Where an apply is. `idle` = none running; the rest are the journaled steps. */
export type ApplyPhase =
  | 'idle'
  | 'queued' //       request in the spool, worker starting
  | 'validate' //     re-validating and hashing
  | 'write' //        backing up and writing secrets and the fragment
  | 'build' //        nixos-rebuild build
  | 'test' //         nixos-rebuild test (activates without touching the bootloader)
  | 'confirm' //      waiting for Confirm (interactive) or the health gate (headless)
  | 'switch' //       nixos-rebuild switch (boot default)
  | 'health' //       health gate after switch (bowtie_server active when complete)
  | 'rollback'; //    restoring the previous fragment, secrets and generation

export interface ApplyRequest {
  /**
   * The raw document as the user gave it (parsed YAML/JSON or the form's object); a plaintext
   * `admin.password` is allowed. The worker validates it with validateDocument(..., 'any').
   */
  document: unknown;
  source: ApplySource;
  confirm: ConfirmMode;
  /** Interactive confirm window in seconds; default 120 (30..900). */
  confirmWindowSeconds?: number;
}

/** Progress of the nix commands, from `--log-format internal-json`. */
export interface ApplyProgress {
  /** Current activity in words, e.g. "building nixos-system-ctl-sfo-01", "activating". */
  activity: string | null;
  buildsDone: number;
  buildsTotal: number;
  pathsDone: number; //  store paths fetched/copied
  pathsTotal: number;
  bytesDone: number; //  bytes fetched/copied
  bytesTotal: number;
}

/** How an apply ended. */
export type ApplyOutcome =
  | 'applied' //     the new configuration runs and is the boot default
  | 'unchanged' //   identical to the active configuration: nothing rebuilt
  | 'rolled-back' // failed, timed out, crashed or not confirmed; the previous configuration runs
  | 'invalid'; //    the document did not validate; nothing was changed

export interface ApplyResult {
  id: string;
  outcome: ApplyOutcome;
  source: ApplySource;
  finishedAt: string; // ISO 8601
  /** Which step failed and why, in words (no secrets); null when applied/unchanged. */
  reason: string | null;
  /** The step that failed (for rolled-back), else null. */
  failedPhase: ApplyPhase | null;
  /** Field errors when outcome is `invalid`. */
  errors: FieldError[];
  /** The last 50 lines of command output (rolled-back), for the error page and the CLI. */
  outputTail: string[];
  /** The profile generation running afterwards. */
  generation: number | null;
  /** True when this apply handed the appliance off (complete document applied). */
  handedOff: boolean;
  /** Set when this was a reset rather than the apply of a document. */
  reset?: ResetMode;
}

export interface ApplyStatus {
  /** The current step; `idle` when nothing runs (see `last` for the previous apply). */
  phase: ApplyPhase;
  /** The running apply's id, null when idle. */
  id: string | null;
  source: ApplySource | null;
  confirmMode: ConfirmMode | null;
  startedAt: string | null;
  /** When the current phase began (for elapsed-time displays). */
  phaseStartedAt: string | null;
  progress: ApplyProgress;
  /**
   * Interactive confirm: when the window closes (ISO 8601) and the seconds left at the time
   * the status was read; both null outside the confirm phase.
   */
  confirmDeadline: string | null;
  confirmSecondsLeft: number | null;
  /**
   * Where the wizard will be reachable after activation when the address changes
   * (e.g. "https://10.0.0.5/"), known before the apply starts; null when it stays the same.
   */
  newUrl: string | null;
  /** How the last finished apply ended (null before the first). */
  last: ApplyResult | null;
  /** Setup is complete and handed off: the wizard should stand down (the CLI stays). */
  setupComplete: boolean;
  /** The profile generation currently the boot default. */
  generation: number | null;
  /** An apply was interrupted (worker gone) and recovery is starting or pending. */
  interrupted: boolean;
  /**
   * The last request the worker refused (a ticket it could not accept, an unsafe layout), newer
   * than the last apply; null otherwise.
   */
  refusal: { at: string; reason: string } | null;
  /** Human hint: what to do next (also printed by `bowtie-setup status`). */
  next: string;
}

/** What `--dry-run` and the review page show: what would change; changes nothing. */
export interface ApplyPlan {
  ok: boolean;
  /** Field errors when the document is invalid (ok = false). */
  errors: FieldError[];
  complete: boolean;
  /** Identical to the active configuration: apply would do no rebuild. */
  unchanged: boolean;
  /** Unified diff of the fragment (old -> new); empty when unchanged. */
  fragmentDiff: string;
  /** The whole fragment that would be written ('' for none: the image's base configuration). */
  fragment: string;
  /** The services the switch would start, restart or stop, and why (server/apply/restarts.ts). */
  services: ServiceChange[];
  /** Secret files that would be written or removed, by appliance path (never their values). */
  secrets: { path: string; action: 'write' | 'remove' | 'keep' }[];
  /** The commands that would run, in order, as display strings. */
  commands: string[];
  /** See ApplyStatus.newUrl. */
  newUrl: string | null;
}

/** A piece of the output log (ApplyClient.logChunk): `file` (`<inode>-<birth ms>`) says which log, `size` how long it was. */
export interface LogChunk {
  bytes: Buffer;
  file: string;
  size: number;
}

/** What the unprivileged web process holds. */
export interface ApplyClient {
  /**
   * Queues the request and starts the worker. Resolves once the request is in the spool and
   * the worker has been started (not when the apply ends: poll `status()`). A document that
   * fails validation rejects with ApplyInvalidError (checked here for quick feedback; the
   * worker checks again). Another apply running or queued rejects with ApplyBusyError.
   */
  start(req: ApplyRequest): Promise<{ id: string }>;
  /** The published status; cheap (one small file read), fine to poll every second. */
  status(): Promise<ApplyStatus>;
  /**
   * Confirms the tested configuration of apply `id`. Resolves when the worker has recorded
   * the confirmation; rejects with ApplyConfirmError when `id` is not waiting for confirmation
   * (finished, rolled back, window closed).
   */
  confirm(id: string): Promise<void>;
  /** The last `lines` lines of raw command output of the current or last apply ("details"). */
  logTail(lines: number): Promise<string[]>;
  /**
   * Raw bytes of the output log from `offset` (at most `maxBytes`), with the file's identity, for
   * the progress stream; null when there is no log (or it cannot be read as one).
   */
  logChunk(offset: number, maxBytes: number): Promise<LogChunk | null>;
  /**
   * Queues `reset --config` on behalf of the browser, carrying the admin password that the worker
   * checks against the admin's hash before it does anything (docs/decisions/0525). Resolves with
   * the request's id once the worker has decided: `refused` holds its field errors (a wrong
   * password: nothing was changed), or null when the reset runs or has run. Rejects with
   * ApplyBusyError like start().
   */
  resetConfig(password: string): Promise<{ id: string; refused: FieldError[] | null }>;
  /** Dry run: what applying `document` would change. */
  plan(document: unknown): Promise<ApplyPlan>;
}

export interface ApplyOptions {
  /** The appliance root (--root); "/" on a real appliance. */
  root: string;
  /** --simulate: the built-in nixos-rebuild simulator and simulated probes. */
  simulate: boolean;
}
