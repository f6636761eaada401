import { statusJson, statusReport, statusText } from '../apply/status-report.js';
import { EXIT, UsageError } from '../exit-codes.js';
import type { Command } from './context.js';

/** `bowtie-setup status [--json]`: what server/apply/status-report.ts reads, printed. */
export const statusCommand: Command = {
  async run(ctx) {
    const json = ctx.args.includes('--json');
    if (ctx.args.some((a) => a !== '--json')) throw new UsageError('status takes only --json');
    const report = await statusReport({ root: ctx.root, simulate: ctx.simulate });
    ctx.stdout(json ? statusJson(report) : statusText(report));
    return EXIT.ok;
  },
};
