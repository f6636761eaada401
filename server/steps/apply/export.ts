/**
 * GET /export: the applied configuration as cloud-init user data, the same text `bowtie-setup
 * export` prints (server/export/active-site.ts), as a download. Behind an unlocked session like
 * every step route, and it stays after setup completes (app.ts AFTER_SETUP_ROUTES) so that the
 * completion page can offer it. It holds no secret: the fragment it is read from holds none.
 */
import { Router } from 'express';
import { HttpError } from '../../web/http-error.js';
import type { WizardDeps } from '../deps.js';

export function exportRoutes(deps: WizardDeps): Router {
  const router = Router();
  router.get('/export', async (_req, res) => {
    const read = deps.activeSite ? await deps.activeSite() : null;
    if (!read || read.kind === 'none')
      throw new HttpError(404, 'No configuration has been applied yet: there is nothing to download.', { title: 'Nothing to download' });
    if (read.kind === 'unreadable')
      throw new HttpError(503, `The applied configuration could not be read (${read.reason}). "bowtie-setup export" on the appliance says more.`, {
        title: 'Cannot read the configuration',
      });
    // The hostname is an RFC 1123 label (schema and fragment): safe in a header as it is.
    const name = /^[A-Za-z0-9-]{1,63}$/.test(read.site.hostname) ? read.site.hostname : 'appliance';
    res
      .status(200)
      .set({
        'Content-Type': 'text/cloud-config; charset=utf-8',
        'Content-Disposition': `attachment; filename="${name}-user-data.yaml"`,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      })
      .send(read.userData);
  });
  return router;
}
