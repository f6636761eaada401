/**
 * bowtie-setup [--root DIR] [--simulate] <command> ...
 * Exit codes: 0 ok, 1 invalid input, 2 usage error, 3 apply failed and the previous
 * configuration was restored.
 */
import { resolve } from 'node:path';
import { applyCommand } from './commands/apply.js';
import { cloudInitCommand } from './commands/cloud-init.js';
import type { Command, CommandContext } from './commands/context.js';
import { renderCommand } from './commands/render.js';
import { serveCommand } from './commands/serve.js';
import { statusCommand } from './commands/status.js';
import { updateCommand } from './commands/update.js';
import { validateCommand } from './commands/validate.js';
import { EXIT, UsageError } from './exit-codes.js';
import { VERSION } from './version.js';

export const COMMANDS: Command[] = [validateCommand, renderCommand, applyCommand, statusCommand, updateCommand, cloudInitCommand, serveCommand];

function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return [
    `bowtie-setup ${VERSION}: first-boot setup of the Bowtie Controller appliance`,
    '',
    'Usage: bowtie-setup [--root DIR] [--simulate] <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    '  --root DIR    act on the appliance tree under DIR instead of / (sandboxes, tests)',
    '  --simulate    use the built-in nixos-rebuild simulator and simulated system probes',
    '  --help        show this help; --version shows the version',
    '',
    'Exit codes: 0 ok, 1 invalid input, 2 usage error, 3 apply failed (previous configuration restored)',
    '',
  ].join('\n');
}

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  let root = '/';
  let simulate = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--root') {
      const dir = argv[++i];
      if (!dir) return usage(io, '--root needs a directory');
      root = resolve(dir);
    } else if (arg.startsWith('--root=')) {
      root = resolve(arg.slice('--root='.length));
    } else if (arg === '--simulate') {
      simulate = true;
    } else if (arg === '--help' || arg === '-h') {
      io.stdout(helpText());
      return EXIT.ok;
    } else if (arg === '--version') {
      io.stdout(`${VERSION}\n`);
      return EXIT.ok;
    } else if (arg.startsWith('-')) {
      return usage(io, `unknown option ${arg}`);
    } else {
      break;
    }
  }
  const name = argv[i];
  if (!name) return usage(io, 'no command given');
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return usage(io, `unknown command "${name}"`);
  const args = argv.slice(i + 1);
  if (args.includes('--help')) {
    io.stdout(`Usage: bowtie-setup [--root DIR] [--simulate] ${command.usage}\n  ${command.summary}\n`);
    return EXIT.ok;
  }
  const ctx: CommandContext = { root, simulate, args, stdout: io.stdout, stderr: io.stderr };
  try {
    return await command.run(ctx);
  } catch (e) {
    if (e instanceof UsageError) return usage(io, e.message);
    throw e;
  }
}

function usage(io: CliIO, message: string): number {
  io.stderr(`bowtie-setup: ${message}\nRun "bowtie-setup --help" for usage.\n`);
  return EXIT.usage;
}

/** Runs the CLI for this process: the entry point of bin/bowtie-setup.js. */
export async function run(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  });
}
