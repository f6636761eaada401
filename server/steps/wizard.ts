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
import type { SafeHtml } from '../web/html.js';
import { HttpError } from '../web/http-error.js';
import { sendPage } from '../web/render.js';
import { errorSummary } from '../../views/partials/errors.js';
import { stepPage } from '../../views/step-page.js';
import { field as fieldControl, radios, type FieldSpec } from '../../views/partials/field.js';
import { fieldDef, secretIsSet } from './fields.js';
import type { Draft, DraftDocument } from './draft.js';
import type { WizardDeps } from './deps.js';
import { neighbours, stepPath, STEP_ORDER, type StepName } from './order.js';
import { placeError, type FieldOverride, type FormStep, type StepView } from './step.js';

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
  const errorsFor = (f: string) => byField.get(f) ?? [];
  const checkUrl = (f: string) => `${stepPath(step.name)}/check?field=${encodeURIComponent(f)}`;
  const view: StepView = {
    values: state.values,
    document: state.draft.document,
    errorsFor,
    checkUrl,
    hints: state.hints ?? {},
    deps,
    // Called for every field of every page: built without spreading objects and arrays, which
    // made this the costliest line of a step page under load (docs/decisions/0690).
    field: (name: string, o: FieldOverride = {}) => {
      const def = fieldDef(step.fields, name);
      const errors = o.alsoErrorsOf ? errorsFor(name).concat(...o.alsoErrorsOf.map(errorsFor)) : errorsFor(name);
      const options = o.options ?? def.options ?? [];
      if (def.kind === 'radios') {
        return radios({ name, legend: def.label, value: state.values[name] ?? options[0]?.value ?? '', options, errors });
      }
      const set = def.secret ? secretIsSet(def, state.draft.document) : false;
      const spec: FieldSpec = {
        name,
        label: def.label,
        errors,
        hint: state.hints?.[name] ?? o.hint ?? def.hint,
        check: checkUrl(name),
        required: o.required ?? (def.required === true && !set),
        autocomplete: def.autocomplete,
        inputmode: def.inputmode,
        placeholder: def.placeholder,
        after: o.after,
      };
      if (def.kind === 'email' || def.kind === 'password' || def.kind === 'url') spec.type = def.kind;
      if (def.kind === 'lines') spec.lines = def.lines ?? 2;
      if (def.kind === 'select') spec.options = options;
      if (def.secret) spec.secret = { set };
      else spec.value = state.values[name] ?? '';
      return fieldControl(spec);
    },
  };
  const body = await step.view(view);
  const main = stepPage({
    index: STEP_ORDER.findIndex((s) => s.name === step.name) + 1,
    count: STEP_ORDER.length,
    title: step.title,
    intro: step.intro,
    summary: errorSummary(state.errors, step.fields),
    action: stepPath(step.name),
    multipart: step.multipart === true,
    csrf: state.csrf,
    body,
    canGoBack: neighbours(step.name).previous !== null,
  });
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
          d.entered = Object.fromEntries(Object.entries(d.entered).filter(([name]) => name !== step.name));
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
      // One field's check: only that field's problems (the page's other fields are untouched
      // by the swap, and their errors would fill the summary before the person reaches them).
      const only = typeof req.query.field === 'string' && step.fields.some((f) => f.name === req.query.field) ? req.query.field : undefined;
      const result = await step.check(form(req), draft.document, deps, only);
      const errors = only === undefined ? result.errors : result.errors.filter((e) => placeError(step.fields, e).field === only);
      sendPage(res, 200, await renderStep(step, deps, { draft, ...result, errors, csrf: csrf(res), steps }));
    });
  }
  return router;
}
