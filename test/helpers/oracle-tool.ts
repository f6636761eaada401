/**
 * Whether a reference program the oracle tests ask is on this machine: false on a developer's
 * machine without it (the tests then return early), an error naming its Debian package under CI,
 * where a missing tool must fail the run rather than skip it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function oracleTool(command: string, versionArgs: string[], debianPackage: string): Promise<boolean> {
  const present = await run(command, versionArgs).then(
    () => true,
    () => false,
  );
  if (!present && process.env.CI) throw new Error(`${command} is missing (Debian package ${debianPackage}): the oracle tests cannot run`);
  return present;
}
