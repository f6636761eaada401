import { fieldErrors } from './errors.js';
import { crossFieldErrors, documentSchema, isComplete, legacyHashDocumentSchema, normalize, type FieldError, type SiteConfig } from './schema.js';

export type Requirement = 'complete' | 'any';

export interface ValidateOptions {
  /** Also take a legacy argon2i `admin.password_hash`: only for the controller template's translation (docs/decisions/0305). */
  legacyPasswordHash?: boolean;
}

export type ValidationResult = { ok: true; config: SiteConfig; complete: boolean } | { ok: false; errors: FieldError[] };

/**
 * Validates a config document from any source. `complete` is what hand-off needs (admin and
 * enrollment); `any` also takes a partial document (no enrollment) for the console path and
 * for cloud-init prefill.
 */
export function validateDocument(input: unknown, requirement: Requirement, now: Date = new Date(), options: ValidateOptions = {}): ValidationResult {
  if (input === null || input === undefined) return { ok: false, errors: [{ path: '(document)', message: 'is empty' }] };
  // The issues carry the input so that messages can name its type; fieldErrors never quotes it.
  const schema = options.legacyPasswordHash ? legacyHashDocumentSchema : documentSchema;
  const parsed = schema.safeParse(input, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error.issues) };
  const config = normalize(parsed.data);
  const errors = crossFieldErrors(config, now);
  if (requirement === 'complete') {
    if (!config.admin) errors.push({ path: 'admin', message: 'is required to finish setup' });
    if (!config.enrollment) errors.push({ path: 'enrollment', message: 'is required to finish setup' });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config, complete: isComplete(config) };
}
