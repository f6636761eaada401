/** Exit codes of the CLI (DESIGN.md "CLI", amended by docs/decisions/0510). */
export const EXIT = {
  ok: 0,
  invalid: 1,
  usage: 2,
  applyFailed: 3,
  /** `update` only: the update failed and so did its rollback; the appliance needs attention. */
  rollbackFailed: 4,
} as const;

/** A mistake in how the command was called; the CLI prints the message and exits 2. */
export class UsageError extends Error {}
