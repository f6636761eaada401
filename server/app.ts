/**
 * The wizard as an express app, without listening: `serve` puts it behind HTTPS, tests call it
 * in-process. Every request passes, in order: Host allowlist -> security headers -> static
 * assets -> setup-complete gate (410) -> form parsing -> session -> CSRF -> unlock -> session
 * required -> the steps' routes (loaded after the rest, see loadSteps) -> one error handler.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Claim } from './auth/claim.js';
import type { CloudInitResult } from './auth/cloud-init-result.js';
import { unlockRateLimit } from './auth/rate-limit.js';
import { controllerUrl } from '../views/steps/apply.js';
import type { WizardDeps } from './steps/deps.js';
import { unlockRoutes } from './steps/unlock/index.js';
import { checkCsrf } from './web/csrf.js';
import { errorHandler } from './web/error-handler.js';
import { parseForm } from './web/form.js';
import { checkHost, type HostAllowlist } from './web/host-allowlist.js';
import { HttpError } from './web/http-error.js';
import { securityHeaders } from './web/security-headers.js';
import { SessionStore } from './web/session.js';

type StepsModule = typeof import('./steps/routes.js');
let steps: Promise<StepsModule> | null = null;

/**
 * The steps and their routes (server/steps/routes.ts): the config schema, zod and every step's
 * view, which the unlock page does not need. Loaded on first use, or earlier: `serve` calls this
 * right after it listens, so the unlock page is up sooner and the first form submission finds
 * them loaded (docs/decisions/0540). A failed load stays failed: every caller gets its error.
 */
export function loadSteps(): Promise<StepsModule> {
  return (steps ??= import('./steps/routes.js'));
}

/**
 * What still answers once setup is complete: the apply page's reads and its event stream (its
 * completion state), Confirm (its POST), the applied configuration's download that the
 * completion state offers, and reset (docs/decisions/0525-reset-from-the-browser).
 */
export const AFTER_SETUP_ROUTES = new Set(['/apply', '/apply/status', '/apply/log', '/apply/events', '/apply/confirm', '/export', '/reset']);
const AFTER_SETUP_POSTS = new Set(['/apply/confirm', '/reset']);

export interface AppDeps extends WizardDeps {
  claim: Claim;
  cloudInit: CloudInitResult | null;
  allowlist: HostAllowlist;
  sessions?: SessionStore;
  rateLimit?: Parameters<typeof unlockRateLimit>[0];
  /** Whether setup is complete; default: the engine's status. serve reads the published file directly. */
  setupComplete?: () => Promise<boolean>;
  /** Where errors are written (a 500's stack); never a secret. */
  log?: (line: string) => void;
}

const require = createRequire(import.meta.url);
export const ASSETS = {
  '/assets/htmx.min.js': require.resolve('htmx.org/dist/htmx.min.js'),
  '/assets/app.css': fileURLToPath(new URL('../views/assets/app.css', import.meta.url)),
  '/assets/apply-events.js': fileURLToPath(new URL('../views/assets/apply-events.js', import.meta.url)),
} as const;

/**
 * Whether setup is complete, from the engine's published status. Read at most once a second:
 * it is a file read, and every request asks.
 */
function setupCompleteProbe(read: () => Promise<boolean>): () => boolean | Promise<boolean> {
  let value = false;
  let readAt = -Infinity;
  // The answer itself while it is fresh, a promise only when the file is read: no promise per request.
  return () => {
    if (value) return true; // completion is final for this process
    if (Date.now() - readAt < 1000) return value;
    readAt = Date.now();
    return read()
      .catch(() => false)
      .then((v) => (value = v));
  };
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  const sessions = deps.sessions ?? new SessionStore();
  const setupComplete = setupCompleteProbe(deps.setupComplete ?? (async () => (await deps.apply.status()).setupComplete));
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', false);

  app.use(checkHost(deps.allowlist));
  app.use(securityHeaders());
  for (const [path, file] of Object.entries(ASSETS)) {
    app.get(path, (_req, res) => res.sendFile(file, { maxAge: '1d', headers: { 'X-Content-Type-Options': 'nosniff' } }));
  }
  app.use((req: Request, _res: Response, next: NextFunction): void | Promise<void> => {
    // Sessions stay: the admin's browser may still be showing the final apply status.
    const allowed = AFTER_SETUP_ROUTES.has(req.path) && (req.method === 'GET' || req.method === 'HEAD' || AFTER_SETUP_POSTS.has(req.path));
    if (allowed) return next();
    const gone = () => new HttpError(410, `Setup is complete. The controller's interface is at ${controllerUrl(req)}`, { title: 'Setup is complete' });
    const complete = setupComplete();
    if (complete === false) return next();
    if (complete === true) throw gone();
    return complete.then((done) => {
      if (done) throw gone();
      next();
    });
  });
  app.use(parseForm);
  app.use((req: Request, res: Response, next: NextFunction) => {
    req.session = sessions.load(req) ?? undefined;
    res.locals.csrf = sessions.csrfToken(req, res, req.method === 'GET');
    next();
  });
  app.use(checkCsrf);

  app.use(
    unlockRoutes({
      claim: deps.claim,
      cloudInit: deps.cloudInit,
      sessions,
      rateLimit: unlockRateLimit(deps.rateLimit),
      firstOpenStep: async () => (await loadSteps()).firstOpenStep(deps),
    }),
  );
  // Everything below needs an unlocked session.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.session) {
      next();
      return;
    }
    if (req.method === 'GET' && req.headers['hx-request'] !== 'true') {
      res.redirect(303, '/unlock');
      return;
    }
    throw new HttpError(401, 'Unlock the wizard first: your session has ended or was never started.', { title: 'Unlock first' });
  });
  // The steps' routes, mounted on first use once their module is loaded (loadSteps): a request
  // that comes before then waits for the load; a failed load answers 500 with its error logged.
  const stepRouter = express.Router();
  let mounted: Promise<void> | null = null;
  let ready = false;
  app.use((_req: Request, _res: Response, next: NextFunction): void | Promise<void> => {
    if (ready) return next();
    return (mounted ??= loadSteps().then((m) => {
      stepRouter.use(m.stepRoutes(deps, sessions));
      ready = true;
    })).then(() => next());
  });
  app.use(stepRouter);
  app.use(() => {
    throw new HttpError(404, 'There is no such page in the setup wizard.', { title: 'Not found' });
  });
  app.use(errorHandler(deps.log ?? ((line) => process.stderr.write(`${line}\n`))));
  return app;
}
