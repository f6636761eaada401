/**
 * Starting the worker. Under --simulate (and for headless applies) it is a child process that
 * leads its own process group (`detached`); on the appliance the web process, which may not
 * run anything as root, starts the apply unit instead (allowed by a polkit rule).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/**
 * The CLI that runs the worker: the compiled entry beside this module in dist/ (the Nix
 * package), or the tsx launcher in a clone.
 */
export const CLI_ENTRY = import.meta.url.endsWith('.js')
  ? fileURLToPath(new URL('../main.js', import.meta.url))
  : fileURLToPath(new URL('../../bin/bowtie-setup.js', import.meta.url));
/** The systemd unit that runs `bowtie-setup apply --worker` as root (nix/modules/setup.nix). */
export const APPLY_UNIT = 'bowtie-setup-apply.service';

export function workerArgs(root: string, simulate: boolean, extra: string[] = []): string[] {
  return [CLI_ENTRY, '--root', root, ...(simulate ? ['--simulate'] : []), 'apply', '--worker', ...extra];
}

/** Spawns the worker as a detached child (its own process group). */
export function spawnWorker(root: string, simulate: boolean, env: NodeJS.ProcessEnv = process.env, extra: string[] = []): ChildProcess {
  return spawn(process.execPath, workerArgs(root, simulate, extra), { detached: true, stdio: 'ignore', env });
}

/** What the web process does: a child under --simulate, the apply unit on the appliance. */
export async function startWorkerFromWeb(root: string, simulate: boolean): Promise<void> {
  if (simulate) {
    const child = spawnWorker(root, simulate);
    child.on('error', () => {});
    child.unref();
    return;
  }
  await execa('systemctl', ['start', '--no-block', APPLY_UNIT], { env: { PATH: process.env.PATH ?? '' }, extendEnv: false });
}
