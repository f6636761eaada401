/**
 * state.json: the appliance's setup phase, the active configuration, the last apply's result,
 * and the journal of the apply in flight. Every step is written here (atomically, fsynced)
 * before it is acted on, so that after a crash `recover()` knows exactly what may have
 * changed. Holds hashes and generation numbers only, never a secret.
 */
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../system/atomic-file.js';
import { readTrusted } from '../system/state-layout.js';
import type { z } from 'zod';
import { engineStateSchema, journalIssues } from './journal-schema.js';
import type { SecretName } from './paths.js';
import type { ApplyPhase, ApplyResult, ApplySource, ConfirmMode, ResetMode } from './types.js';

/** The journaled steps, in order. `backup` sits between validate and write. */
export type JournalStep = Exclude<ApplyPhase, 'idle' | 'queued'> | 'backup';

/** sha256 of each managed file's bytes; null = the file does not exist. */
export interface FilesSnapshot {
  fragment: string | null;
  secrets: Record<SecretName, string | null>;
}

export interface ApplyJournal {
  id: string;
  source: ApplySource;
  confirmMode: ConfirmMode;
  confirmWindowSeconds: number;
  step: JournalStep;
  startedAt: string;
  stepStartedAt: string;
  bootId: string;
  /** What ran before: set in `backup`, before anything is written. */
  prev: (FilesSnapshot & { generation: number | null; system: string | null; handedOff: boolean }) | null;
  /** What this apply writes: set in `backup`. */
  next: (FilesSnapshot & { documentHash: string; complete: boolean; newUrl: string | null }) | null;
  confirmDeadline: string | null;
  confirmedAt: string | null;
  /** Set when rolling back: from which step and why. */
  rollback: { from: JournalStep; reason: string } | null;
  /** Set when the request is a reset (absent in journals written before resets existed). */
  reset?: ResetMode | null;
}

/**
 * A reset that has committed but whose clean-up (wizard files, backups, logs, and for a
 * factory reset state.json itself) may not have finished: recorded in the commit's state
 * write, done after it, and done again by the next worker after a crash (every part is
 * idempotent). `kept` is what the wizard's draft starts from (no secrets in it).
 */
export interface PendingReset {
  id: string;
  mode: ResetMode;
  kept: Record<string, unknown> | null;
}

export type SetupPhase = 'unconfigured' | 'configured' | 'complete';

export interface ActiveConfig extends FilesSnapshot {
  id: string;
  documentHash: string;
  complete: boolean;
  generation: number | null;
  appliedAt: string;
}

export interface EngineState {
  version: 1;
  setup: SetupPhase;
  active: ActiveConfig | null;
  apply: ApplyJournal | null;
  last: ApplyResult | null;
  resetCleanup?: PendingReset | null;
  /** The last ticket or run the worker refused, and why (no content of the ticket). */
  refusal?: Refusal | null;
}

/** Why the worker would not act: a ticket it could not accept, or a layout it cannot trust. */
export interface Refusal {
  at: string;
  reason: string;
}

export function emptyState(): EngineState {
  return { version: 1, setup: 'unconfigured', active: null, apply: null, last: null };
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The schema, held to the type the engine works with. */
const stateSchema: z.ZodType<EngineState> = engineStateSchema;

/** Root's journal: never through a link, and (as root) only root's file (docs/decisions/0500). */
export async function readState(file: string): Promise<EngineState> {
  const bytes = await readTrusted(file);
  if (bytes === null) return emptyState();
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error(`${file}: not valid JSON`);
  }
  const version = raw && typeof raw === 'object' && 'version' in raw ? raw.version : undefined;
  if (version !== 1) throw new Error(`${file}: unknown state version ${typeof version === 'number' ? String(version) : '(none)'}`);
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file}: not in the expected form (${journalIssues(parsed.error)})`);
  return parsed.data;
}

export async function writeState(file: string, state: EngineState): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600, dirMode: 0o700 });
}
