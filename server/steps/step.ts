/**
 * What a wizard step is: a page of fields that owns some sections of the config document.
 * Each step lives in its own folder (server/steps/<name>/index.ts + view + test); the
 * routes that every step shares (show, submit, inline check) are in wizard.ts.
 */
import type { FieldError } from '../config/schema.js';
import { validateDocument } from '../config/validate.js';
import type { SafeHtml } from '../web/html.js';
import type { Form } from '../web/form.js';
import type { DraftDocument } from './draft.js';
import type { StepName } from './order.js';
import type { WizardDeps } from './deps.js';

export interface StepView {
  values: Readonly<Record<string, string>>;
  document: DraftDocument;
  /** The messages for one field (errors on list entries are prefixed "line N: "). */
  errorsFor(field: string): string[];
  /** The inline validation URL of a field. */
  checkUrl(field: string): string;
  /** Transient notes derived from the submission (a password's strength), never stored. */
  hints: Readonly<Record<string, string>>;
  deps: WizardDeps;
}

export interface CheckResult {
  /** The document with this step's sections replaced by the submission (secrets in plain). */
  document: DraftDocument;
  errors: FieldError[];
  /** What to show back: the submission without its secrets. */
  values: Record<string, string>;
  hints?: Record<string, string>;
}

export interface FormStep {
  name: StepName;
  title: string;
  /** The fields on the page: where errors are placed (the longest name that prefixes a path). */
  fields: readonly string[];
  multipart?: boolean;
  intro?: SafeHtml;
  isDone(document: DraftDocument): boolean;
  /** The form values for what is stored (secrets never). */
  valuesOf(document: DraftDocument): Record<string, string>;
  view(v: StepView): SafeHtml | Promise<SafeHtml>;
  /** Parses and validates a submission; cheap (runs on every inline check). */
  check(form: Form, document: DraftDocument, deps: WizardDeps): Promise<CheckResult>;
  /** Work done once a valid submission is saved (hashing the admin password). */
  finish?(document: DraftDocument): Promise<DraftDocument>;
}

/** The field an error belongs to, and its message for that field. */
export function placeError(fields: readonly string[], error: FieldError): { field: string | null; message: string } {
  let best: string | null = null;
  for (const f of fields) {
    if ((error.path === f || error.path.startsWith(`${f}.`)) && (best === null || f.length > best.length)) best = f;
  }
  if (best === null) return { field: null, message: error.message };
  const rest = error.path.slice(best.length + 1);
  return { field: best, message: /^\d+$/.test(rest) ? `line ${Number(rest) + 1}: ${error.message}` : error.message };
}

/**
 * Validates the draft with one step's sections filled in and keeps the errors under
 * `prefixes`. The hostname is entered on a later step than the admin, so until it is known a
 * stand-in is used: "localhost" cannot collide with any rule (a password has at least 12
 * characters) and errors about the hostname itself are not this step's.
 */
export function stepErrors(document: DraftDocument, prefixes: readonly string[], now: Date = new Date()): FieldError[] {
  const result = validateDocument({ ...document, hostname: document.hostname ?? 'localhost' }, 'any', now);
  if (result.ok) return [];
  return result.errors.filter((e) => prefixes.some((p) => e.path === p || e.path.startsWith(`${p}.`)));
}

/** Omits keys whose value is undefined or an empty list: an empty form field means "not set". */
export function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))) as T;
}
