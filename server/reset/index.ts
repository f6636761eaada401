/**
 * `reset --config | --factory`, shared by the CLI command and the console menu. The reset runs
 * through the apply engine like any headless apply (spool, worker, journal, atomic writes,
 * nixos-rebuild test, health gate, switch, rollback on failure, one at a time); what is new
 * is only what it activates (server/apply/engine.ts, docs/decisions/0520):
 *
 *   config   the active hostname, domain, network and admin section (the OS admin account's
 *            SSH keys and console password hash, and the admin's password hash: whoever
 *            reset over SSH stays in; docs/decisions/0523) as a partial document:
 *            enrollment, TLS, updates and their secrets go, bowtie_server stops (hand-off
 *            marker removed), the wizard starts again with a new setup code and a draft that
 *            holds the kept values without secrets; cloud-init markers stay.
 *   factory  no fragment: the image's base configuration (DHCP); everything setup wrote goes,
 *            and the next boot is a first boot.
 */
import { hostname as osHostname } from 'node:os';
import { readFragmentSite } from '../apply/fragment-value.js';
import { applyHeadless } from '../apply/headless.js';
import { enginePaths } from '../apply/paths.js';
import type { ApplyResult, ApplyStatus, ResetMode } from '../apply/types.js';
import { formatFieldErrors } from '../config/errors.js';
import { fqdnOf } from '../config/names.js';
import { EXIT } from '../exit-codes.js';

export interface ResetOptions {
  root: string;
  simulate: boolean;
  mode: ResetMode;
  source: 'cli' | 'console';
  onStatus?: (status: ApplyStatus) => void;
  /** Environment of the worker (tests: simulator delays and faults). */
  env?: NodeJS.ProcessEnv;
}

/** Runs the reset to its end. Rejects with ApplyBusyError when another apply runs. */
export function resetAppliance(opts: ResetOptions): Promise<ApplyResult> {
  return applyHeadless({
    root: opts.root,
    simulate: opts.simulate,
    document: undefined,
    reset: opts.mode,
    source: opts.source,
    onStatus: opts.onStatus,
    env: opts.env,
  });
}

/** The image's own host name (nix/controller.nix), which runs when no fragment does. */
export const FACTORY_HOSTNAME = 'bowtie';

export interface ApplianceName {
  hostname: string;
  fqdn: string;
  /** A fragment is active (false: the image's base configuration). */
  configured: boolean;
}

/** The name the appliance has now: the fragment's, else the image's. */
export async function applianceName(root: string, simulate: boolean): Promise<ApplianceName> {
  const read = await readFragmentSite(enginePaths(root).fragment);
  if (read.kind === 'site') return { hostname: read.site.hostname, fqdn: fqdnOf(read.site.hostname, read.site.domain), configured: true };
  const hostname = simulate ? FACTORY_HOSTNAME : osHostname().split('.')[0]!;
  return { hostname, fqdn: hostname, configured: false };
}

/** What a reset will do, for the confirmation question. */
export function resetSummary(mode: ResetMode, name: ApplianceName): string[] {
  if (mode === 'config') {
    return [
      `Reset the setup of ${name.fqdn}, keeping its network:`,
      `  kept:    hostname${name.fqdn !== name.hostname ? ' and domain' : ''}, network settings, and the admin`,
      "           account's SSH keys and console password (you stay able to log in)",
      '  removed: enrollment, TLS and update settings and their secrets;',
      '           the controller (bowtie_server) stops, and the setup wizard starts',
      '           again with a new setup code.',
    ];
  }
  return [
    `Factory reset of ${name.fqdn}:`,
    '  removed: the site configuration, every secret, the setup state, the draft,',
    '           the setup code, certificates, cloud-init markers and logs;',
    "  then:    the image's base configuration runs (DHCP on the first interface);",
    '           the next boot is a first boot (cloud-init user data applies again).',
  ];
}

/** Typing the host name confirms (what was typed is compared without case and spaces). */
export function confirmsReset(typed: string | null, name: ApplianceName): boolean {
  return typed !== null && typed.trim().toLowerCase() === name.hostname.toLowerCase();
}

/** The outcome in words and the CLI's exit code (0 ok, 1 invalid, 3 failed and restored). */
export function describeReset(mode: ResetMode, r: ApplyResult): { code: number; lines: string[] } {
  const what = mode === 'config' ? 'reset --config' : 'reset --factory';
  switch (r.outcome) {
    case 'applied':
    case 'unchanged': {
      const head =
        r.outcome === 'unchanged'
          ? `${what}: already in this state; nothing was rebuilt`
          : `${what}: done (generation ${r.generation ?? '?'} is active and the boot default)`;
      const tail =
        mode === 'config'
          ? ['The setup wizard runs again with the kept network and a new setup code:', 'it is shown on the VM console and by "bowtie-setup console".']
          : [
              "The image's base configuration runs; the next boot is a first boot",
              '(cloud-init user data applies again, or the wizard shows a new setup code).',
            ];
      return { code: EXIT.ok, lines: [head, ...tail] };
    }
    case 'invalid':
      return { code: EXIT.invalid, lines: [`${what}: cannot be done; nothing was changed`, formatFieldErrors(r.errors)] };
    case 'rolled-back':
      return {
        code: EXIT.applyFailed,
        lines: [
          `${what} failed in ${r.failedPhase ?? 'an unknown step'}: ${r.reason ?? 'unknown reason'}`,
          `the previous configuration was restored (generation ${r.generation ?? '?'})`,
          ...(mode === 'factory' && r.failedPhase === 'confirm'
            ? ["the image's base configuration takes its address by DHCP; on a network", 'without DHCP, use reset --config, which keeps the network']
            : []),
          ...(r.outputTail.length ? ['', `last ${r.outputTail.length} lines of output:`, ...r.outputTail.map((l) => `  ${l}`)] : []),
        ],
      };
  }
}
