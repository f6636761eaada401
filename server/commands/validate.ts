import { formatFieldErrors } from '../config/errors.js';
import { fqdnOf } from '../config/names.js';
import { validateDocument } from '../config/validate.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { imageHasUpdateSource, NO_UPDATE_SOURCE } from '../system/image-info.js';
import type { Command } from './context.js';
import { readDocumentFile } from './document-file.js';

export const validateCommand: Command = {
  async run(ctx) {
    const [file, ...rest] = ctx.args;
    if (!file || rest.length > 0) throw new UsageError('validate takes exactly one FILE');
    const read = await readDocumentFile(file);
    const result = read.ok ? validateDocument(read.value, 'any') : read;
    if (!result.ok) {
      ctx.stderr(formatFieldErrors(result.errors) + '\n');
      return EXIT.invalid;
    }
    const c = result.config;
    const what = result.complete ? 'complete document' : 'partial document (no enrollment: the wizard finishes setup)';
    ctx.stdout(`${file}: valid ${what} for ${fqdnOf(c.hostname, c.domain)}\n`);
    if (c.updates.enable && !(await imageHasUpdateSource(ctx.root))) ctx.stderr(`warning: ${NO_UPDATE_SOURCE}\n`);
    return EXIT.ok;
  },
};
