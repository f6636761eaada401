/**
 * `export`: the active site configuration as cloud-init user data for the next appliance, with
 * the secrets left out and marked (server/apply/fragment-document.ts). Read from the fragment,
 * which holds no secret: nothing secret is read, so nothing secret can be printed.
 * Exit codes: 0 printed, 1 nothing to export or the fragment cannot be read, 2 usage.
 */
import { documentFromFragment, readFragmentDocument } from '../apply/fragment-document.js';
import { enginePaths } from '../apply/paths.js';
import { KEY } from '../cloud-init/cloud-config.js';
import { fqdnOf } from '../config/names.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { exportUserData } from '../export/user-data.js';
import type { Command } from './context.js';

export const exportCommand: Command = {
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`export: unknown argument ${JSON.stringify(ctx.args[0])}`);
    const read = await readFragmentDocument(enginePaths(ctx.root).fragment);
    if (read.kind === 'none') {
      ctx.stderr('bowtie-setup export: no site configuration is active (the image\'s base configuration runs); nothing to export\n');
      return EXIT.invalid;
    }
    if (read.kind === 'unreadable') {
      ctx.stderr(`bowtie-setup export: the active fragment could not be read: ${read.reason}; nothing was exported\n`);
      return EXIT.invalid;
    }
    const { document, secrets } = documentFromFragment(read.site);
    ctx.stdout(exportUserData(document, secrets, fqdnOf(read.site.hostname, read.site.domain), KEY));
    return EXIT.ok;
  },
};
