import { resolve } from 'node:path';
import { UsageError } from '../exit-codes.js';
import { runUpdate } from '../update/run.js';
import { createUpdateSystem } from '../update/system.js';
import type { Command } from './context.js';

export const updateCommand: Command = {
  async run(ctx) {
    let check = false;
    let configFile: string | undefined;
    for (let i = 0; i < ctx.args.length; i++) {
      const arg = ctx.args[i]!;
      if (arg === '--check') check = true;
      else if (arg === '--config') {
        const file = ctx.args[++i];
        if (!file) throw new UsageError('--config needs a FILE');
        configFile = resolve(file);
      } else if (arg.startsWith('--config=')) configFile = resolve(arg.slice('--config='.length));
      else throw new UsageError(`update: unknown argument ${arg}`);
    }
    const system = createUpdateSystem({ root: ctx.root, simulate: ctx.simulate });
    return runUpdate({ root: ctx.root, configFile, check, stdout: ctx.stdout, stderr: ctx.stderr }, system);
  },
};
