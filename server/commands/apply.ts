/**
 * `apply FILE [--dry-run]` and `apply --worker`: two commands under one name, each in its own
 * module and loaded only when it runs (the worker starts with every apply: docs/decisions/0690).
 */
import { UsageError } from '../exit-codes.js';
import type { Command } from './context.js';

export const applyCommand: Command = {
  async run(ctx) {
    if (ctx.args.includes('--worker')) {
      if (ctx.args.length !== 1) throw new UsageError('apply --worker takes no other arguments');
      return (await import('./apply-worker.js')).worker(ctx);
    }
    return (await import('./apply-file.js')).applyFile(ctx);
  },
};
