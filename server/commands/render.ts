import { formatFieldErrors } from '../config/errors.js';
import { validateDocument } from '../config/validate.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { renderFragment } from '../nix/render.js';
import type { Command } from './context.js';
import { readDocumentFile } from './document-file.js';

export const renderCommand: Command = {
  async run(ctx) {
    const [file, ...rest] = ctx.args;
    if (!file || rest.length > 0) throw new UsageError('render takes exactly one FILE');
    const read = await readDocumentFile(file);
    const result = read.ok ? validateDocument(read.value, 'any') : read;
    if (!result.ok) {
      ctx.stderr(formatFieldErrors(result.errors) + '\n');
      return EXIT.invalid;
    }
    ctx.stdout(renderFragment(result.config));
    return EXIT.ok;
  },
};
