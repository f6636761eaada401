/**
 * What a wizard step is: a page of fields that owns some sections of the config document.
 * Each step lives in its own folder (server/steps/<name>/index.ts + test), its template in
 * views/steps/<name>.ts; the routes that every step shares (show, submit, inline check) are in
 * wizard.ts. docs/adding-a-field.md walks through adding a field and a step.
 */
import type { FieldError } from '../config/schema.js';
import { validateDocument } from '../config/validate.js';
import type { SafeHtml } from '../web/html.js';
import type { Form } from '../web/form.js';
import type { DraftDocument } from './draft.js';
import type { FieldDef } from './fields.js';
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
  /** The control of a field of this step's table, with its value, errors and inline check. */
  field(name: string, override?: FieldOverride): SafeHtml;
}

/** What a view may decide per request on top of the table (a hint naming the hostname). */
export interface FieldOverride {
  hint?: SafeHtml | string;
  required?: boolean;
  options?: FieldDef['options'];
  /** Errors of neighbouring paths shown with this control (the section's own errors). */
  alsoErrorsOf?: readonly string[];
  after?: SafeHtml;
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
  /**
   * The fields on the page, in page order, declared once (server/steps/fields.ts): where errors
   * are placed (the longest name that prefixes a path), their labels and the review's rows.
   */
  fields: readonly FieldDef[];
  multipart?: boolean;
  /** One paragraph under the heading: what the step is for. */
  intro?: string;
  isDone(document: DraftDocument): boolean;
  /** The form values for what is stored (secrets never). */
  valuesOf(document: DraftDocument): Record<string, string>;
  view(v: StepView): SafeHtml | Promise<SafeHtml>;
  /**
   * Parses and validates a submission. With `only` (an inline check of one field) it must be
   * cheap: checks that are slow or concern other fields (argon2) are left to the full submit.
   */
  check(form: Form, document: DraftDocument, deps: WizardDeps, only?: string): Promise<CheckResult>;
  /** Work done once a valid submission is saved (hashing the admin password). */
  finish?(document: DraftDocument): Promise<DraftDocument>;
}

/** The field an error belongs to, and its message for that field. */
export function placeError(fields: readonly FieldDef[], error: FieldError): { field: string | null; message: string } {
  let best: string | null = null;
  for (const { name: f } of fields) {
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
