/**
 * `schema [--user-data]`: prints the JSON Schema of the config document (or, with --user-data,
 * of cloud-init user data holding it under `bowtie_setup`), for editors' completion and checks.
 */
import { KEY } from '../cloud-init/cloud-config.js';
import { documentJsonSchema, userDataJsonSchema } from '../config/json-schema.js';
import { EXIT, UsageError } from '../exit-codes.js';
import type { Command } from './context.js';

export const schemaCommand: Command = {
  async run(ctx) {
    let userData = false;
    for (const a of ctx.args) {
      if (a === '--user-data') userData = true;
      else throw new UsageError(`schema: unknown argument ${JSON.stringify(a)}`);
    }
    ctx.stdout(`${JSON.stringify(userData ? userDataJsonSchema(KEY) : documentJsonSchema(), null, 2)}\n`);
    return EXIT.ok;
  },
};
