/**
 * --simulate's machine and its nixos-rebuild: both belong to the simulator, a program of its own
 * in the source checkout (sim/nixos-rebuild/, docs/decisions/0660) that the package does not
 * ship. The product only runs it, found by path: BOWTIE_SETUP_SIMULATOR when set (a bundle
 * outside the checkout: its tests, the bench), else the checkout's copy beside these sources.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the simulator is in a source checkout, relative to this module. */
export const CHECKOUT_SIMULATOR = fileURLToPath(new URL('../../sim/nixos-rebuild/nixos-rebuild-sim.mjs', import.meta.url));

/** The simulator's file name, whatever directory it is run from (the log calls it nixos-rebuild). */
export const SIMULATOR_NAME = 'nixos-rebuild-sim.mjs';

export class SimulatorMissingError extends Error {
  constructor(file: string) {
    super(
      `--simulate needs the nixos-rebuild simulator, which this build does not include (looked for ${file}): run from a source checkout, or set BOWTIE_SETUP_SIMULATOR to its sim/nixos-rebuild/${SIMULATOR_NAME}`,
    );
    this.name = 'SimulatorMissingError';
  }
}

/** The simulator's executable; throws SimulatorMissingError when it is not there. */
export function simulatorExecutable(env: NodeJS.ProcessEnv = process.env): string {
  const file = env.BOWTIE_SETUP_SIMULATOR || CHECKOUT_SIMULATOR;
  if (!existsSync(file)) throw new SimulatorMissingError(file);
  return file;
}

/**
 * Gives a sandbox root the simulated machine (its NICs under <root>/sys/class/net) when it has
 * none, by asking the simulator, which owns its one definition. A root that has a machine is
 * left alone: activation may have moved its addresses since.
 */
export async function ensureSimulatedMachine(root: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const nics = await readdir(join(root, 'sys/class/net')).catch(() => []);
  if (nics.length > 0) return;
  // execa is loaded only here: `serve` imports this module before it listens, and loading execa
  // costs more than the usual call (a root that has its machine) does (docs/decisions/0690).
  const { execa } = await import('execa');
  await execa(process.execPath, [simulatorExecutable(env), '--simulated-machine'], {
    env: { PATH: env.PATH ?? '', BOWTIE_SETUP_ROOT: root },
    extendEnv: false,
    stdin: 'ignore',
  });
}
