/**
 * The routes every form step shares:
 *   GET  /<step>         the page, with the stored values (or the last invalid submission)
 *   POST /<step>         save and go on (303), or 422 with the errors beside their fields
 *   POST /<step>/check   inline validation on change (htmx): the page with errors, of which
 *                        the browser swaps in only the changed field; saves nothing
 * A "Back" button submits too, so nothing typed is lost in either direction.
 */
import { Router, type Request, type Response } from 'express';
import type { FieldError } from '../config/schema.js';
import { html, type SafeHtml } from '../web/html.js';
import { HttpError } from '../web/http-error.js';
import { sendPage } from '../web/render.js';
import { CSRF_FIELD } from '../web/csrf.js';
import { errorSummary } from '../views/partials/errors.js';
import type { Draft, DraftDocument } from './draft.js';
import type { WizardDeps } from './deps.js';
import { neighbours, stepPath, STEP_ORDER, type StepName } from './order.js';
import { placeError, type FormStep } from './step.js';

export function doneSteps(steps: readonly FormStep[], document: DraftDocument): Set<StepName> {
  return new Set(steps.filter((s) => s.isDone(document)).map((s) => s.name));
}

export async function renderStep(
  step: FormStep,
  deps: WizardDeps,
  state: {
    draft: Draft;
    values: Record<string, string>;
    errors: readonly FieldError[];
    hints?: Record<string, string>;
    csrf: string;
    steps: readonly FormStep[];
  },
): Promise<{ title: string; main: SafeHtml; step: StepName; done: Set<StepName> }> {
  const byField = new Map<string, string[]>();
  for (const e of state.errors) {
    const placed = placeError(step.fields, e);
    if (placed.field) byField.set(placed.field, [...(byField.get(placed.field) ?? []), placed.message]);
  }
  const body = await step.view({
    values: state.values,
    document: state.draft.document,
    errorsFor: (f) => byField.get(f) ?? [],
    checkUrl: (f) => `${stepPath(step.name)}/check?field=${encodeURIComponent(f)}`,
    hints: state.hints ?? {},
    deps,
  });
  const { previous } = neighbours(step.name);
  const index = STEP_ORDER.findIndex((s) => s.name === step.name) + 1;
  const main = html`<h1><span class="step-no">Step ${index} of ${STEP_ORDER.length}:</span> ${step.title}</h1>
${step.intro ?? ''}
${errorSummary(state.errors, (p) => placeError(step.fields, { path: p, message: '' }).field)}
<form method="post" action="${stepPath(step.name)}" novalidate${step.multipart ? html` enctype="multipart/form-data"` : ''}>
<input type="hidden" name="${CSRF_FIELD}" value="${state.csrf}">
${body}
<div class="actions">
<button type="submit" name="nav" value="next" class="primary">Save and continue</button>
${previous ? html`<button type="submit" name="nav" value="back" formnovalidate>Back</button>` : ''}
</div>
</form>`;
  return { title: step.title, main, step: step.name, done: doneSteps(state.steps, state.draft.document) };
}

export function formStepRoutes(steps: readonly FormStep[], deps: WizardDeps): Router {
  const router = Router();
  for (const step of steps) {
    const path = stepPath(step.name);
    const { previous, next } = neighbours(step.name);
    const csrf = (res: Response) => res.locals.csrf as string;
    const form = (req: Request) => {
      if (!req.form) throw new HttpError(400, 'The form could not be read.');
      return req.form;
    };

    router.get(path, async (_req, res) => {
      const draft = await deps.drafts.get();
      const entered = draft.entered[step.name];
      const page = await renderStep(step, deps, {
        draft,
        values: entered?.values ?? step.valuesOf(draft.document),
        errors: entered?.errors ?? [],
        csrf: csrf(res),
        steps,
      });
      sendPage(res, 200, page);
    });

    router.post(path, async (req, res) => {
      const draft = await deps.drafts.get();
      const result = await step.check(form(req), draft.document, deps);
      const back = form(req).text('nav') === 'back';
      if (result.errors.length === 0) {
        const document = step.finish ? await step.finish(result.document) : result.document;
        await deps.drafts.update((d) => {
          d.document = document;
          delete d.entered[step.name];
        });
        res.redirect(303, stepPath((back ? previous : next) ?? step.name));
        return;
      }
      const saved = await deps.drafts.update((d) => {
        d.entered[step.name] = { values: result.values, errors: result.errors };
      });
      if (back && previous) {
        res.redirect(303, stepPath(previous));
        return;
      }
      sendPage(res, 422, await renderStep(step, deps, { draft: saved, ...result, csrf: csrf(res), steps }));
    });

    router.post(`${path}/check`, async (req, res) => {
      const draft = await deps.drafts.get();
      const result = await step.check(form(req), draft.document, deps);
      sendPage(res, 200, await renderStep(step, deps, { draft, ...result, csrf: csrf(res), steps }));
    });
  }
  return router;
}
