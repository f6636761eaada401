/**
 * Every form step, and the routes behind an unlocked session. The app loads this module only
 * after the server listens (server/app.ts, docs/decisions/0540): it brings in the config schema
 * (zod) and every step's view, none of which the unlock page needs.
 */
import { Router } from 'express';
import type { SessionStore } from '../web/session.js';
import { adminStep } from './admin/index.js';
import { applyRoutes } from './apply/index.js';
import { exportRoutes } from './apply/export.js';
import type { WizardDeps } from './deps.js';
import { enrollmentStep } from './enrollment/index.js';
import { networkStep } from './network/index.js';
import type { StepName } from './order.js';
import { resetRoutes } from './reset/index.js';
import { reviewRoutes } from './review/index.js';
import type { FormStep } from './step.js';
import { tlsStep } from './tls/index.js';
import { updatesStep } from './updates/index.js';
import { formStepRoutes } from './wizard.js';

export const FORM_STEPS: readonly FormStep[] = [adminStep, networkStep, enrollmentStep, tlsStep, updatesStep];

/** Where unlocking (and `/`) leads: the first step without a saved value, else the review. */
export async function firstOpenStep(deps: WizardDeps): Promise<StepName> {
  const doc = (await deps.drafts.get()).document;
  return FORM_STEPS.find((s) => !s.isDone(doc))?.name ?? 'review';
}

export function stepRoutes(deps: WizardDeps, sessions: SessionStore): Router {
  const router = Router();
  router.use(formStepRoutes(FORM_STEPS, deps));
  router.use(reviewRoutes(FORM_STEPS, deps));
  router.use(applyRoutes(FORM_STEPS, deps, sessions));
  router.use(exportRoutes(deps));
  router.use(resetRoutes(deps));
  return router;
}
