/**
 * Step 6, review: every value as the steps' field tables label it (secrets only as "set"),
 * what is still missing with a link to its field, the controller's certificate, the update
 * schedule in words with its next runs, and what applying will do as the engine plans it
 * (deps.apply.plan, the planApply of `apply --dry-run`): services, secret files, the address,
 * the fragment's diff and the exact fragment. The Apply button posts to the apply step. The
 * page is views/steps/review.ts.
 */
import { Router } from 'express';
import type { FieldError } from '../../config/schema.js';
import { validateDocument, type ValidationResult } from '../../config/validate.js';
import { fqdnOf } from '../../config/names.js';
import { FRAGMENT_PATH } from '../../nix/paths.js';
import { applianceTimeZone, scheduleBlock } from '../../../views/partials/schedule.js';
import { certificateBlock, reviewView } from '../../../views/steps/review.js';
import { sendPage } from '../../web/render.js';
import type { DraftDocument } from '../draft.js';
import type { WizardDeps } from '../deps.js';
import { STEP_ORDER } from '../order.js';
import type { FormStep } from '../step.js';
import { doneSteps } from '../wizard.js';

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
  // The engine plans what applying does (the same planApply as `apply --dry-run`), so what is
  // reviewed is what is applied; only a document that could be applied is planned.
  const plan = result.ok && errors.length === 0 ? await deps.apply.plan(doc) : null;
  const config = result.ok ? result.config : null;
  const zone = deps.timeZone?.() ?? applianceTimeZone();
  const main = reviewView({
    index: STEP_ORDER.findIndex((s) => s.name === 'review') + 1,
    count: STEP_ORDER.length,
    errors: plan && !plan.ok ? [...errors, ...plan.errors] : errors,
    document: doc,
    steps,
    plan: plan?.ok ? plan : null,
    fragmentPath: FRAGMENT_PATH,
    certificate: config ? certificateBlock(config.tls, fqdnOf(config.hostname, config.domain), deps.now()) : null,
    schedule: config
      ? scheduleBlock({ enable: config.updates.enable, schedule: config.updates.schedule, randomizedDelay: config.updates.randomized_delay }, deps.now(), zone)
      : null,
    dhcp: config?.network.ipv4.method === 'dhcp',
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
