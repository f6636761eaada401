/** Exit codes of the CLI (DESIGN.md "CLI"). */
export const EXIT = {
  ok: 0,
  invalid: 1,
  usage: 2,
  applyFailed: 3,
} as const;

/** A mistake in how the command was called; the CLI prints the message and exits 2. */
export class UsageError extends Error {}
