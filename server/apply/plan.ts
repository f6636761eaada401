/**
 * The plan: what an apply would change (the fragment's diff, each secret file written, kept or
 * removed, the commands, the wizard's next address), for `apply --dry-run`, `reset --dry-run`
 * and the review page. Reads only; computes what the worker will compute.
 */
import { readFile } from 'node:fs/promises';
import { verifyPassword } from '../config/hash-password.js';
import type { SiteConfig } from '../config/schema.js';
import { validateDocument } from '../config/validate.js';
import { FRAGMENT_PATH } from '../nix/paths.js';
import { renderFragment } from '../nix/render.js';
import { defaultInterface } from '../system/interfaces.js';
import { createProbes, type SystemProbes } from '../system/probes.js';
import { unifiedDiff } from './diff.js';
import { pinStaticInterface } from './interface-pin.js';
import { sha256 } from './journal.js';
import { enginePaths } from './paths.js';
import { rebuildExecutable } from './rebuild.js';
import { serviceChanges } from './restarts.js';
import { secretFiles } from './secret-files.js';
import type { ApplyOptions, ApplyPlan } from './types.js';

/**
 * What applying `document` would change (--dry-run, the review page); changes nothing.
 * `document` null plans the image's base configuration (no fragment: a factory reset, or a
 * reset --config with nothing configured); `pinInterface: false` plans as the worker runs a
 * reset, which activates the kept network as it is.
 */
export async function planApply(opts: ApplyOptions & { document: unknown; pinInterface?: boolean }): Promise<ApplyPlan> {
  const checked = opts.document === null ? ({ ok: true, config: null, complete: false } as const) : validateDocument(opts.document, 'any');
  const commandsFor = (exe: string) => [
    `${exe} build --log-format internal-json -v`,
    `${exe} test --log-format internal-json -v`,
    'confirm: Confirm in the wizard, or the health gate (link, address, gateway, DNS) for headless applies',
    `${exe} switch --log-format internal-json -v`,
    'health gate (bowtie_server.service active when setup is complete)',
  ];
  if (!checked.ok)
    return {
      ok: false,
      errors: checked.errors,
      complete: false,
      unchanged: false,
      fragmentDiff: '',
      fragment: '',
      services: [],
      secrets: [],
      commands: [],
      newUrl: null,
    };
  // The same interface the worker will pin (the dry run and the review show what is applied).
  const config =
    checked.config && opts.pinInterface !== false
      ? await pinStaticInterface(checked.config, createProbes({ root: opts.root, simulate: opts.simulate }))
      : checked.config;
  const p = enginePaths(opts.root);
  const fragment = config ? renderFragment(config) : '';
  const currentFragment = await readFile(p.fragment, 'utf8').catch(() => '');
  const secrets: ApplyPlan['secrets'] = [];
  let secretsSame = true;
  for (const f of secretFiles(config)) {
    const existing = await readFile(p.secrets[f.name], 'utf8').catch(() => null);
    let action: 'write' | 'remove' | 'keep' | null;
    if (f.password) {
      action = existing !== null && (await verifyPassword(existing, f.password)) ? 'keep' : 'write';
    } else if (f.content !== null) {
      action = existing !== null && sha256(existing) === sha256(f.content) ? 'keep' : 'write';
    } else {
      action = existing !== null || currentFragment.includes(f.path) ? 'remove' : null;
    }
    if (action !== 'keep' && action !== null) secretsSame = false;
    if (action) secrets.push({ path: f.path, action });
  }
  const exe = opts.simulate && !process.env.BOWTIE_SETUP_NIXOS_REBUILD ? 'nixos-rebuild' : rebuildExecutable(opts.simulate);
  const unchanged = currentFragment === fragment && secretsSame;
  return {
    ok: true,
    errors: [],
    complete: checked.complete,
    unchanged,
    fragmentDiff: unifiedDiff(currentFragment, fragment, currentFragment ? `a${FRAGMENT_PATH}` : '/dev/null', fragment ? `b${FRAGMENT_PATH}` : '/dev/null'),
    fragment,
    services: unchanged ? [] : serviceChanges(currentFragment, fragment),
    secrets,
    commands: unchanged ? [] : commandsFor(exe),
    newUrl: config ? await computeNewUrl(config, createProbes({ root: opts.root, simulate: opts.simulate })) : null,
  };
}

/** Where the wizard will be after activation, when the address changes. */
export async function computeNewUrl(config: SiteConfig, probes: SystemProbes): Promise<string | null> {
  if (config.network.ipv4.method !== 'static') return null;
  const address = config.network.ipv4.address.split('/')[0]!;
  const list = await probes.interfaces();
  const chosen = config.network.interface ? list.find((i) => i.name === config.network.interface) : defaultInterface(list);
  if (chosen?.addresses.some((a) => a.split('/')[0] === address)) return null;
  return `https://${address}/`;
}
