/**
 * Step 6, review: every value as the steps' field tables label it (secrets only as "set"),
 * what is still missing with a link to its field, and the exact Nix fragment that apply will
 * write. The Apply button posts to the apply step. The page is views/steps/review.ts.
 */
import { Router } from 'express';
import type { FieldError } from '../../config/schema.js';
import { validateDocument, type ValidationResult } from '../../config/validate.js';
import { renderFragment } from '../../nix/render.js';
import { FRAGMENT_PATH } from '../../nix/paths.js';
import { reviewView } from '../../../views/steps/review.js';
import { sendPage } from '../../web/render.js';
import type { DraftDocument } from '../draft.js';
import type { WizardDeps } from '../deps.js';
import { STEP_ORDER } from '../order.js';
import { placeError, type FormStep } from '../step.js';
import { doneSteps } from '../wizard.js';

/** The step that asks for a document path. */
export function stepOfPath(path: string, steps: readonly FormStep[]): FormStep | null {
  return steps.find((s) => placeError(s.fields, { path, message: '' }).field !== null) ?? steps.find((s) => path === s.name) ?? null;
}

/**
 * Everything that stands between the draft and an apply. The schema stops at the first layer
 * of problems (no hostname: no cross-field rules, no "complete" check), so sections that are
 * missing altogether are named too: the person sees the whole list at once.
 */
export function reviewErrors(doc: DraftDocument, result: ValidationResult): FieldError[] {
  if (result.ok) return [];
  const errors = [...result.errors];
  for (const section of ['admin', 'enrollment'] as const) {
    if (doc[section] === undefined && !errors.some((e) => e.path === section)) errors.push({ path: section, message: 'is required to finish setup' });
  }
  return errors;
}

export async function reviewPage(doc: DraftDocument, csrf: string, steps: readonly FormStep[], deps: WizardDeps, extraErrors: readonly FieldError[] = []) {
  const result = validateDocument(doc, 'complete', deps.now());
  const errors = [...reviewErrors(doc, result), ...extraErrors];
  const main = reviewView({
    index: STEP_ORDER.findIndex((s) => s.name === 'review') + 1,
    count: STEP_ORDER.length,
    errors,
    document: doc,
    steps,
    fragment: result.ok ? { text: renderFragment(result.config), path: FRAGMENT_PATH } : null,
    csrf,
  });
  return { title: 'Review', main, step: 'review' as const, done: doneSteps(steps, doc) };
}

export function reviewRoutes(steps: readonly FormStep[], deps: WizardDeps): Router {
  const router = Router();
  router.get('/review', async (_req, res) => {
    const draft = await deps.drafts.get();
    sendPage(res, 200, await reviewPage(draft.document, res.locals.csrf as string, steps, deps));
  });
  return router;
}
