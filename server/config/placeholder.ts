/**
 * The marks `bowtie-setup export` leaves where a secret was: a value that names what to fill in
 * and that every string field of the schema refuses (./schema.ts text()), so user data exported
 * from one appliance cannot be applied to the next one by accident before it is filled in; the
 * error then names the field by its document path.
 */
export const PLACEHOLDER_PREFIX = '<FILL IN: ';

/** The mark for one secret; `what` says what belongs there. */
export function placeholder(what: string): string {
  return `${PLACEHOLDER_PREFIX}${what}>`;
}

export function isPlaceholder(s: string): boolean {
  return s.startsWith(PLACEHOLDER_PREFIX);
}

export const PLACEHOLDER_MESSAGE = 'is still the placeholder from "bowtie-setup export": fill in the value';
