/**
 * `reset [--config | --factory] [--yes] [--dry-run]`: run setup again keeping the network and
 * the admin's access (the default), or go back to the factory image; --dry-run prints what
 * would change and changes nothing. Without --yes it asks on a terminal (type the host name)
 * and refuses without one. Exit codes: 0 done, 1 cannot be done or not confirmed (nothing
 * changed), 2 usage, 3 failed and the previous configuration was restored (also when another
 * apply runs: nothing changed, as `apply` answers).
 */
import type { Readable, Writable } from 'node:stream';
import { ApplyBusyError } from '../apply/errors.js';
import type { ApplyStatus, ResetMode } from '../apply/types.js';
import { LineInput } from '../console/lines.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { formatFieldErrors } from '../config/errors.js';
import { planReset } from '../reset/plan.js';
import { applianceName, confirmsReset, describeReset, resetAppliance, resetSummary } from '../reset/index.js';
import type { Command, CommandContext } from './context.js';

export interface ResetTerminal {
  /** Where the confirmation is read; asked only when it is a terminal. */
  input: Readable & { isTTY?: boolean };
  /** Where the question and the typed answer's echo go (the terminal). */
  output: Writable;
  /** Environment of the worker (tests). */
  env?: NodeJS.ProcessEnv;
}

export function parseResetArgs(args: string[]): { mode: ResetMode; yes: boolean; dryRun: boolean } {
  let mode: ResetMode | null = null;
  let yes = false;
  let dryRun = false;
  for (const a of args) {
    if (a === '--config' || a === '--factory') {
      const m = a === '--config' ? 'config' : 'factory';
      if (mode !== null && mode !== m) throw new UsageError('reset takes --config or --factory, not both');
      mode = m;
    } else if (a === '--yes' || a === '-y') yes = true;
    else if (a === '--dry-run') dryRun = true;
    else throw new UsageError(`reset: unknown argument ${JSON.stringify(a)}`);
  }
  return { mode: mode ?? 'config', yes, dryRun };
}

export function createResetCommand(terminal: () => ResetTerminal): Command {
  return {
    async run(ctx: CommandContext) {
      const { mode, yes, dryRun } = parseResetArgs(ctx.args);
      if (dryRun) {
        // Changes nothing, so it asks nothing.
        const plan = await planReset(ctx.root, ctx.simulate, mode);
        if (!plan.ok) {
          ctx.stderr(`reset --${mode}: cannot be done; nothing would change\n${formatFieldErrors(plan.errors)}\n`);
          return EXIT.invalid;
        }
        ctx.stdout(`${plan.lines.join('\n')}\n`);
        return EXIT.ok;
      }
      const { input, output, env } = terminal();
      const name = await applianceName(ctx.root, ctx.simulate);
      if (!yes) {
        if (input.isTTY !== true) {
          ctx.stderr(`bowtie-setup: reset --${mode} asks for confirmation on a terminal; add --yes to reset without asking\n`);
          return EXIT.usage;
        }
        const lines = new LineInput(input, output, { terminal: true });
        let typed: string | null;
        try {
          output.write(`${resetSummary(mode, name).join('\n')}\n`);
          typed = await lines.ask(`Type the host name (${name.hostname}) to confirm: `);
        } finally {
          lines.close();
        }
        if (!confirmsReset(typed, name)) {
          ctx.stderr('not confirmed: nothing was changed\n');
          return EXIT.invalid;
        }
      }
      try {
        const result = await resetAppliance({ root: ctx.root, simulate: ctx.simulate, mode, source: 'cli', env, onStatus: (s) => ctx.stderr(progressLine(s)) });
        const { code, lines } = describeReset(mode, result);
        (code === EXIT.ok ? ctx.stdout : ctx.stderr)(`${lines.join('\n')}\n`);
        return code;
      } catch (e) {
        if (e instanceof ApplyBusyError) {
          ctx.stderr(`bowtie-setup: ${e.message}; nothing was changed. Try again when it has finished ("bowtie-setup status").\n`);
          return EXIT.applyFailed;
        }
        throw e;
      }
    },
  };
}

function progressLine(s: ApplyStatus): string {
  return s.phase === 'idle' || s.phase === 'queued' ? '' : `[${s.phase}]${s.progress.activity ? ` ${s.progress.activity}` : ''}\n`;
}

export const resetCommand = createResetCommand(() => ({ input: process.stdin, output: process.stderr }));
