/**
 * What an apply id may be, in one place: ids come from tickets the other side of the privilege
 * boundary writes, and become parts of file names (the output log, the confirm mark), so only
 * this pattern ever reaches a path (docs/decisions/0600). No zod here: the web process loads
 * this before it listens (the ticket's schema in spool.ts uses the pattern; docs/decisions/0690).
 */
/** `newApplyId()`'s shape: base-36 time, a hyphen, hex. */
export const APPLY_ID_PATTERN = /^[a-z0-9]{1,16}-[0-9a-f]{1,16}$/;

export function isApplyId(value: unknown): value is string {
  return typeof value === 'string' && APPLY_ID_PATTERN.test(value);
}

/** Throws unless `id` is an apply id: the last guard before an id becomes part of a path. */
export function assertApplyId(id: string): string {
  if (!APPLY_ID_PATTERN.test(id)) throw new Error('refusing an apply id that is not of the expected form');
  return id;
}
