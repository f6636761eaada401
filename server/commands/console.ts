/**
 * `console`: the VM console menu (server/console/), on this process's terminal. The NixOS
 * module runs it on tty1 and on the image's serial console until hand-off (units
 * bowtie-setup-console@<tty>, docs/decisions/0524); over SSH it works the same. It takes no
 * arguments.
 */
import { runConsole } from '../console/index.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { ensureSimulatedMachine } from '../system/sim-machine.js';
import type { Command } from './context.js';

export const consoleCommand: Command = {
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError('console takes no arguments');
    // A fresh --simulate sandbox gets the made-up machine the worker would give it.
    if (ctx.simulate) await ensureSimulatedMachine(ctx.root);
    await runConsole({ input: process.stdin, output: process.stdout, root: ctx.root, simulate: ctx.simulate });
    return EXIT.ok;
  },
};
