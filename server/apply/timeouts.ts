/**
 * How long the engine waits, in one place: each phase's timeout (DEFAULT_TIMEOUTS, overridden
 * for tests through BOWTIE_SETUP_APPLY_TIMEOUTS), and the interactive confirm window: what the
 * web asks for by default and the bounds the worker accepts whatever a ticket says.
 */

export interface PhaseTimeouts {
  build: number;
  test: number;
  switch: number;
  rollback: number;
  /** Headless confirm: how long the health gate may take to pass after `test`. */
  gate: number;
  /** After `switch`. */
  health: number;
  /** Overrides the interactive confirm window (tests); null = the request's. */
  confirm: number | null;
  /** Between health-gate rounds and confirm-file checks. */
  interval: number;
}

export const DEFAULT_TIMEOUTS: PhaseTimeouts = {
  build: 60 * 60_000,
  test: 10 * 60_000,
  switch: 10 * 60_000,
  rollback: 10 * 60_000,
  gate: 2 * 60_000,
  health: 2 * 60_000,
  confirm: null,
  interval: 1000,
};

/** BOWTIE_SETUP_APPLY_TIMEOUTS="build=5000,confirm=1000,interval=50" (milliseconds). */
export function timeoutsFromEnv(spec: string | undefined): PhaseTimeouts {
  const t = { ...DEFAULT_TIMEOUTS };
  for (const part of (spec ?? '').split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    if (k && v && k in t && /^\d+$/.test(v)) (t as Record<string, number | null>)[k] = Number(v);
  }
  return t;
}

/** The confirm window the web asks for when the caller names none; headless applies use it for the health gate's ticket. */
export const DEFAULT_CONFIRM_WINDOW_SECONDS = 120;

/** The interactive confirm window the worker accepts, whatever a ticket asks. */
export const CONFIRM_WINDOW_MIN_SECONDS = 30;
export const CONFIRM_WINDOW_MAX_SECONDS = 900;
