/**
 * bowtie-setup [--root DIR] [--simulate] <command> ...
 * Exit codes: 0 ok, 1 invalid input, 2 usage error, 3 apply failed and the previous
 * configuration was restored.
 */
import { resolve } from 'node:path';
import type { CommandContext, CommandEntry } from './commands/context.js';
import { EXIT, UsageError } from './exit-codes.js';
import { VERSION } from './version.js';
import { printable } from './system/boundary-file.js';

/**
 * Every command, in the order --help lists them. A command's module is loaded only when it runs:
 * `serve` should not pay for loading the engine, cloud-init and update code at start-up.
 */
export const COMMANDS: CommandEntry[] = [
  {
    name: 'validate',
    usage: 'validate FILE',
    summary: 'check a config document (YAML or JSON); print one line per problem',
    load: async () => (await import('./commands/validate.js')).validateCommand,
  },
  {
    name: 'render',
    usage: 'render FILE',
    summary: 'print the Nix fragment a config document produces',
    load: async () => (await import('./commands/render.js')).renderCommand,
  },
  {
    name: 'schema',
    usage: 'schema [--user-data]',
    summary: 'print the JSON Schema of a config document (or of cloud-init user data holding one)',
    load: async () => (await import('./commands/schema.js')).schemaCommand,
  },
  {
    name: 'apply',
    usage: 'apply FILE [--dry-run]',
    summary: 'activate a config document (test, health gate, switch; rolls back on failure)',
    load: async () => (await import('./commands/apply.js')).applyCommand,
  },
  {
    name: 'export',
    usage: 'export',
    summary: 'print the active configuration as cloud-init user data for the next appliance (secrets left out, marked to fill in)',
    load: async () => (await import('./commands/export.js')).exportCommand,
  },
  {
    name: 'status',
    usage: 'status [--json]',
    summary: 'setup phase, the running or last apply, and what to do next',
    load: async () => (await import('./commands/status.js')).statusCommand,
  },
  {
    name: 'update',
    usage: 'update [--check] [--config FILE]',
    summary: 'the scheduled update: fetch, copy from the signed cache, switch, check health, roll back on failure',
    load: async () => (await import('./commands/update.js')).updateCommand,
  },
  {
    name: 'cloud-init',
    usage: 'cloud-init [--user-data FILE] [--network-config FILE] [--imds URL] [--force]',
    summary: 'headless setup from cloud-init user data, once per instance (run by a unit at boot)',
    load: async () => (await import('./commands/cloud-init.js')).cloudInitCommand,
  },
  {
    name: 'reset',
    usage: 'reset [--config | --factory] [--yes] [--dry-run]',
    summary:
      "set up again keeping the network and the admin's SSH keys and console password (--config) or from factory (--factory); --dry-run shows what would change",
    load: async () => (await import('./commands/reset.js')).resetCommand,
  },
  {
    name: 'console',
    usage: 'console',
    summary: 'the VM and serial console menu: claim details, network without DHCP, status, reset, last apply log',
    load: async () => (await import('./commands/console.js')).consoleCommand,
  },
  {
    name: 'serve',
    usage: 'serve [--listen ADDR:PORT] [--redirect-port PORT|off] [--console PATH]',
    summary: 'run the web setup wizard (HTTPS; plain HTTP only redirects)',
    load: async () => (await import('./commands/serve.js')).serveCommand,
  },
];

function helpText(): string {
  return [
    `bowtie-setup ${VERSION}: first-boot setup of the Bowtie Controller appliance`,
    '',
    'Usage: bowtie-setup [--root DIR] [--simulate] <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`),
    '',
    'Global options:',
    '  --root DIR    act on the appliance tree under DIR instead of / (sandboxes, tests)',
    '  --simulate    use the built-in nixos-rebuild simulator and simulated system probes',
    '  --help        show this help; --version shows the version',
    '',
    'Exit codes: 0 ok, 1 invalid input, 2 usage error, 3 apply failed (previous configuration\n  restored) or busy, 4 update failed and so did its rollback (needs attention)',
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
    return await (await command.load()).run(ctx);
  } catch (e) {
    if (e instanceof UsageError) return usage(io, e.message);
    // Never a stack trace for an operator: one line per problem, in printable text. A bug
    // shows its stack only when asked for (BOWTIE_SETUP_DEBUG=1).
    const message = e instanceof Error ? e.message : String(e);
    for (const line of message.split('\n').filter((l) => l.trim() !== '')) io.stderr(`bowtie-setup ${name}: ${printable(line, 2000)}\n`);
    if (process.env.BOWTIE_SETUP_DEBUG === '1' && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
    // By name: importing the engine's errors here would load the engine for every command.
    return e instanceof Error && e.name === 'ApplyRefusedError' ? EXIT.applyFailed : EXIT.invalid;
  }
}

function usage(io: CliIO, message: string): number {
  io.stderr(`bowtie-setup: ${printable(message, 2000)}\nRun "bowtie-setup --help" for usage.\n`);
  return EXIT.usage;
}

/** Runs the CLI for this process: the entry point of bin/bowtie-setup.js. */
export async function run(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  });
}
