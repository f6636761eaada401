/**
 * `export`: the active site configuration as cloud-init user data for the next appliance, with
 * the secrets left out and marked (server/apply/fragment-document.ts). Read from the fragment,
 * which holds no secret: nothing secret is read, so nothing secret can be printed. The wizard's
 * GET /export serves the same text (server/export/active-site.ts).
 * Exit codes: 0 printed, 1 nothing to export or the fragment cannot be read, 2 usage.
 */
import { EXIT, UsageError } from '../exit-codes.js';
import { readActiveSite } from '../export/active-site.js';
import type { Command } from './context.js';

export const exportCommand: Command = {
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`export: unknown argument ${JSON.stringify(ctx.args[0])}`);
    const read = await readActiveSite(ctx.root);
    if (read.kind === 'none') {
      ctx.stderr("bowtie-setup export: no site configuration is active (the image's base configuration runs); nothing to export\n");
      return EXIT.invalid;
    }
    if (read.kind === 'unreadable') {
      ctx.stderr(`bowtie-setup export: the active fragment could not be read: ${read.reason}; nothing was exported\n`);
      return EXIT.invalid;
    }
    ctx.stdout(read.userData);
    return EXIT.ok;
  },
};
