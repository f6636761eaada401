/**
 * A wizard field, declared once. Each step lists its fields in one table (its `fields`); the
 * form control, the inline check, the error summary's labels and links, the review page and
 * the console's prompts all read that table, so a label or hint is written in one place.
 *
 * `name` is both the form field's name and the document path its errors are placed under
 * (the longest name that prefixes an error's path wins, see placeError in step.ts). A `group`
 * is a path that only collects errors (`network.ipv4` for "gateway not in the subnet" on the
 * whole section); it has no control of its own.
 */
import type { DraftDocument } from './draft.js';

export type FieldKind = 'text' | 'email' | 'password' | 'url' | 'lines' | 'select' | 'radios' | 'group';

export interface FieldOption {
  value: string;
  label: string;
  hint?: string;
}

export interface FieldDef {
  name: string;
  label: string;
  kind: FieldKind;
  hint?: string;
  /** The browser's autofill token (`email`, `new-password`, `off`, ...). */
  autocomplete?: string;
  inputmode?: string;
  placeholder?: string;
  /** Marked required on the form (a step may still decide per request, e.g. a secret already set). */
  required?: boolean;
  /**
   * A secret: never shown back, on the form or on the review page. It is "set" when the
   * document has a value at `storedAs` (default: `name`), e.g. the password's hash.
   */
  secret?: boolean;
  storedAs?: string;
  /** Rows of a `lines` field (one entry per line). */
  lines?: number;
  options?: readonly FieldOption[];
  /** The review page: leave the field out (a confirmation, a preset that another row shows). */
  review?: false;
  /** The review page: what an empty value means ("from DHCP", "none: a new cluster"). */
  emptyText?: string;
  /** The review page: show only when the step's values say the field applies (a static address). */
  shownWhen?: (values: Readonly<Record<string, string>>) => boolean;
}

/** The field of `defs` named `name`; a programming error when there is none. */
export function fieldDef(defs: readonly FieldDef[], name: string): FieldDef {
  const def = defs.find((d) => d.name === name);
  if (!def) throw new Error(`no field ${name} in this step's table`);
  return def;
}

/** Whether a secret field has a stored value (so an empty input keeps it). */
export function secretIsSet(def: FieldDef, document: DraftDocument): boolean {
  let node: unknown = document;
  for (const key of (def.storedAs ?? def.name).split('.')) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<string, unknown>)[key];
  }
  return node !== undefined;
}

/** What a value reads as for a person: an option's label, not its internal value. */
export function displayValue(def: FieldDef, value: string): string {
  if (def.options) return def.options.find((o) => o.value === value)?.label ?? value;
  if (def.kind === 'lines')
    return value
      .split('\n')
      .filter((l) => l.trim() !== '')
      .join(', ');
  return value;
}
