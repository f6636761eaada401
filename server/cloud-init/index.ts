/**
 * Headless setup from cloud-init user data (`bowtie-setup cloud-init`), once per instance.
 *
 * find the user data (sources.ts) -> skip when this instance already processed it (marker) ->
 * read our `bowtie_setup` document out of it (formats.ts) -> validate it like every other
 * source -> complete: apply through the engine with the health gate; partial: apply what it
 * sets beyond the defaults the same way (partial.ts, docs/decisions/0512), then prefill and
 * pre-claim the wizard; invalid: report every problem and change nothing.
 *
 * Everything printed goes to the VM console. It names fields and parts, never a value from
 * the user data: the document carries the admin password and the enrollment token.
 *
 * A little over ~300 lines: the command's whole decision (find, skip, read, validate, apply,
 * prefill) reads top to bottom here; each step's detail is in its own module.
 */
import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readState } from '../apply/journal.js';
import { enginePaths } from '../apply/paths.js';
import type { ApplyResult } from '../apply/types.js';
import { hashPassword } from '../config/hash-password.js';
import { legacyArgon2iParams } from '../config/password-hash.js';
import { fqdnOf } from '../config/names.js';
import type { FieldError, SiteConfig } from '../config/schema.js';
import { validateDocument } from '../config/validate.js';
import { EXIT } from '../exit-codes.js';
import { FRAGMENT_PATH } from '../nix/paths.js';
import { documentHash } from '../nix/render.js';
import { KEY } from './cloud-config.js';
import { parseUserData } from './formats.js';
import type { ImdsOptions } from './imds.js';
import { findUserData, userDataHash, type SourceName } from './sources.js';
import { partialConfigures } from './partial.js';
import { hasAppliedMarker, readMarker, writeMarker, writeStatus, type CloudInitActivation, type Marker, type MarkerOutcome } from './state-files.js';
import { imageHasUpdateSource, NO_UPDATE_SOURCE } from '../system/image-info.js';
import { listInterfaces } from '../system/interfaces.js';
import { withNetworkConfig, type NetworkInput } from './network-config/combine.js';
import { findNetworkConfig } from './network-config/find.js';
import { errorAtOrigin } from './network-config/translate.js';

/** The engine's headless entry point, as cloud-init calls it (apply-adapter.ts wires the real one). */
export type HeadlessApply = (opts: {
  root: string;
  simulate: boolean;
  document: unknown;
  source: 'cloud-init';
  legacyPasswordHash?: boolean;
}) => Promise<ApplyResult>;

export interface CloudInitOptions {
  root: string;
  simulate: boolean;
  userDataFile?: string | undefined;
  /** A network-config file to read instead of looking in the seeds (network-config/find.ts). */
  networkConfigFile?: string | undefined;
  imdsUrl?: string | undefined;
  /** Process the user data even when this instance already did (and over a hand-made setup). */
  force: boolean;
  apply: HeadlessApply;
  /** One line for the console (no newline). */
  print: (line: string) => void;
  imds?: ImdsOptions;
}

const PREFIX = 'bowtie-setup cloud-init:';

export async function runCloudInit(opts: CloudInitOptions): Promise<number> {
  const { root, print } = opts;
  const say = (line: string) => print(`${PREFIX} ${line}`);

  let found = await findUserData({ root, userDataFile: opts.userDataFile, imdsUrl: opts.imdsUrl, imds: opts.imds ?? {} });
  // A network configuration beside the user data (or alone: docs/decisions/0310).
  const seedDir = found.kind === 'found' && (found.source === 'nocloud' || found.source === 'cidata') ? dirname(found.location) : null;
  const netSource = await findNetworkConfig({ root, file: opts.networkConfigFile, seedDir });
  const network: NetworkInput | null = netSource ? { source: netSource, interfaces: await listInterfaces(root, opts.simulate) } : null;
  if (found.kind === 'none' && netSource) {
    // No user data anywhere (a config drive, a seed without user-data): the network configuration alone.
    found = { kind: 'found', source: 'network-config', location: netSource.location, instanceId: netSource.instanceId ?? 'nocloud', userData: Buffer.alloc(0) };
  }
  if (found.kind === 'none') {
    say(`no user data (looked at ${found.looked.join(', ')}); set up in the browser with the setup code.`);
    return EXIT.ok;
  }
  if (found.kind === 'error') {
    const errors = [{ path: '(user data)', message: `could not be read: ${found.reason}` }];
    say(`user data could not be read: ${found.reason}.`);
    say('Nothing was changed; it is tried again at the next boot. Setup in the browser works meanwhile.');
    // No marker: a failed read is not this instance's answer. An unconfigured appliance's
    // wizard says why it is still waiting.
    if (!(await exists(join(root, FRAGMENT_PATH)))) {
      await writeStatus(root, { instance_id: found.instanceId ?? 'unknown', status: 'rejected', errors, prefill: null });
    }
    return EXIT.invalid;
  }

  const { instanceId, source, userData } = found;
  const userDataSha = userDataHash(userData);
  const mark = (outcome: MarkerOutcome, documentSha: string | null) =>
    writeMarker(root, {
      instance_id: instanceId,
      outcome,
      source,
      user_data_sha256: userDataSha,
      document_sha256: documentSha,
      processed_at: new Date().toISOString(),
    } satisfies Marker);

  if (!opts.force) {
    const read = await readMarker(root, instanceId);
    // A marker that does not parse says nothing about this instance: it is reported and the
    // user data is read as if there were none (the set-up guard below still holds).
    if (read.kind === 'refused') say(`${read.reason}; it is not trusted, and the user data is read as if this instance had no marker.`);
    const marker = read.kind === 'ok' ? read.marker : null;
    const changed = marker !== null && marker.user_data_sha256 !== userDataSha;
    if (marker && (!changed || marker.outcome === 'applied' || marker.outcome === 'unchanged')) {
      say(`user data of instance ${instanceId} was already processed (${marker.outcome}, ${marker.processed_at}); nothing to do.`);
      if (changed) say('The user data has changed since; it is not applied again on the same instance (bowtie-setup cloud-init --force does).');
      return EXIT.ok;
    }
    // Nothing from user data was applied on this instance yet, and the user data is new.
    if (marker) say(`the user data has changed since it was last read on this instance (${marker.outcome}); reading it again.`);
    const configured = await exists(join(root, FRAGMENT_PATH));
    const applied = configured ? await hasAppliedMarker(root) : { applied: false, refused: [] };
    const others = applied.refused.filter((r) => read.kind !== 'refused' || r !== read.reason);
    for (const reason of others.slice(0, 5)) say(`${reason}; it is not trusted.`);
    if (configured && !applied.applied) {
      // Set up in the wizard or with the CLI, never from user data: a new instance id alone is
      // no reason to overwrite that.
      say(
        'this appliance was set up in the browser or with the CLI, not from user data; user data is not applied over that (bowtie-setup cloud-init --force does).',
      );
      await mark('skipped-configured', null);
      return EXIT.ok;
    }
  }

  say(`reading user data from ${describeSource(source, found.location)} (instance ${instanceId}).`);
  if (netSource) say(`reading the network configuration from ${netSource.location}.`);
  const it = await interpretUserData(userData, new Date(), network);
  for (const line of it.notes) say(line);
  for (const line of it.ignored) say(line);

  const reject = async (errors: FieldError[]): Promise<number> => {
    say(netSource ? 'user data and network configuration were rejected:' : 'user data was rejected:');
    for (const e of errors) print(`  ${e.path}: ${e.message}`);
    say('Nothing was changed. Correct the user data and boot again, or set up in the browser with the setup code.');
    if (netSource && !(await exists(join(root, FRAGMENT_PATH)))) {
      say('The network stays as the image sets it (DHCP on every Ethernet interface): the wizard is reachable where the network has DHCP.');
    }
    await writeStatus(root, { instance_id: instanceId, status: 'rejected', errors, prefill: null });
    await mark('rejected', null);
    return EXIT.invalid;
  };

  if (it.kind === 'none') {
    say(`no ${KEY} key in the user data; set up in the browser with the setup code.`);
    await mark('no-document', null);
    return EXIT.ok;
  }
  if (it.kind === 'rejected') return reject(it.errors);
  const { config, document } = it;
  const fqdn = fqdnOf(config.hostname, config.domain);
  if (config.updates.enable && !(await imageHasUpdateSource(root))) say(`warning: ${NO_UPDATE_SOURCE}`);

  if (it.kind === 'partial' && it.networkOnly) {
    say(
      `no ${KEY} key in the user data: the network configuration from ${it.where} is applied as a partial document (network only); the wizard does the rest.`,
    );
  }
  if (it.kind === 'partial') {
    const prefill = await prefillDocument(document as Record<string, unknown>);
    const configures = partialConfigures(config);
    let activation: CloudInitActivation | null = null;
    let code: number = EXIT.ok;
    if (configures.length > 0 && (await setupComplete(root))) {
      say(`setup of this appliance is already complete; the partial document (${configures.join(', ')}) is not applied over it.`);
    } else if (configures.length > 0) {
      say(`applying what the document sets for ${fqdn} (${configures.join(', ')}); the health gate confirms it. Setup is finished in the browser.`);
      // The prefill carries the admin's hash instead of the plaintext password: the engine
      // keeps it, so the wizard's final apply finds the same hash and the pre-claim checks it.
      activation = await applyPartial(opts, prefill, configures, it.legacyPasswordHash);
      code = activation.outcome === 'applied' || activation.outcome === 'unchanged' ? EXIT.ok : EXIT.applyFailed;
    }
    await writeStatus(root, { instance_id: instanceId, status: 'prefilled', errors: [], prefill, activation });
    if (activation?.outcome === 'applied' || activation?.outcome === 'unchanged') await mark(activation.outcome, documentHash(config));
    else if (activation?.outcome === 'rolled-back') await mark('apply-failed', documentHash(config));
    else if (activation === null) await mark('prefilled', documentHash(config));
    // not-started: no marker, the next boot tries again.
    say(`user data prefilled the setup wizard for ${fqdn} (no enrollment yet, so setup is not complete).`);
    if (config.admin) {
      say(`The admin from user data (${config.admin.email}) must log in in the browser to finish setup; the setup code is not accepted.`);
    } else {
      say('Finish setup in the browser with the setup code.');
    }
    return code;
  }

  say(`applying the configuration for ${fqdn}; the health gate confirms it.`);
  let applied: ApplyResult;
  try {
    applied = await opts.apply({
      root,
      simulate: opts.simulate,
      document,
      source: 'cloud-init',
      ...(it.legacyPasswordHash ? { legacyPasswordHash: true } : {}),
    });
  } catch (e) {
    // Busy (another apply runs) or the engine could not start: nothing of ours was applied.
    const reason = e instanceof Error ? e.message : 'unknown error';
    say(`the configuration could not be applied: ${reason}. It is tried again at the next boot.`);
    await writeStatus(root, {
      instance_id: instanceId,
      status: 'rejected',
      errors: [{ path: '(apply)', message: `could not start: ${reason}` }],
      prefill: null,
    });
    return EXIT.applyFailed;
  }
  switch (applied.outcome) {
    case 'applied':
    case 'unchanged':
      await writeStatus(root, { instance_id: instanceId, status: 'applied', errors: [], prefill: null });
      await mark(applied.outcome, documentHash(config));
      say(
        `applied: ${fqdn} is configured${applied.generation === null ? '' : ` (generation ${applied.generation})`}${applied.handedOff ? ' and handed off to the controller' : ''}.`,
      );
      return EXIT.ok;
    case 'invalid':
      return reject(applied.errors);
    case 'rolled-back': {
      const message = `activation failed${applied.failedPhase ? ` in ${applied.failedPhase}` : ''}: ${applied.reason ?? 'no reason given'}; the previous configuration was restored`;
      say(`${message}.`);
      for (const line of applied.outputTail.slice(-10)) print(`  | ${line}`);
      say('Set up in the browser with the setup code, or run bowtie-setup cloud-init --force to try the user data again.');
      await writeStatus(root, { instance_id: instanceId, status: 'rejected', errors: [{ path: '(apply)', message }], prefill: null });
      await mark('apply-failed', documentHash(config));
      return EXIT.applyFailed;
    }
  }
}

/** Applies a partial document's settings headless; never throws (the result says what happened). */
async function applyPartial(opts: CloudInitOptions, document: unknown, configures: string[], legacyPasswordHash: boolean): Promise<CloudInitActivation> {
  const say = (line: string) => opts.print(`${PREFIX} ${line}`);
  let applied: ApplyResult;
  try {
    applied = await opts.apply({
      root: opts.root,
      simulate: opts.simulate,
      document,
      source: 'cloud-init',
      ...(legacyPasswordHash ? { legacyPasswordHash: true } : {}),
    });
  } catch (e) {
    const reason = `could not start: ${e instanceof Error ? e.message : 'unknown error'}`;
    say(`the settings could not be applied (${reason}); nothing was changed, it is tried again at the next boot.`);
    return { outcome: 'not-started', configures, generation: null, reason };
  }
  switch (applied.outcome) {
    case 'applied':
    case 'unchanged':
      say(
        `applied: ${configures.join(', ')} ${applied.outcome === 'unchanged' ? 'already in effect' : 'in effect'}${applied.generation === null ? '' : ` (generation ${applied.generation})`}.`,
      );
      return { outcome: applied.outcome, configures, generation: applied.generation, reason: null };
    case 'invalid': {
      // The document validated here; the engine disagreeing is a bug, reported the same way.
      const reason = `the engine found the document invalid: ${applied.errors.map((e) => e.path).join(', ')}`;
      say(`${reason}; nothing was changed.`);
      return { outcome: 'rolled-back', configures, generation: applied.generation, reason };
    }
    case 'rolled-back': {
      const reason = `activation failed${applied.failedPhase ? ` in ${applied.failedPhase}` : ''}: ${applied.reason ?? 'no reason given'}; the previous configuration was restored`;
      say(`${reason}.`);
      for (const line of applied.outputTail.slice(-10)) opts.print(`  | ${line}`);
      say('The wizard still has the settings from user data: correct them there (or fix the user data and run bowtie-setup cloud-init --force).');
      return { outcome: 'rolled-back', configures, generation: applied.generation, reason };
    }
  }
}

/** Setup was completed (the controller was handed the appliance): a partial document must not take that back. */
async function setupComplete(root: string): Promise<boolean> {
  const p = enginePaths(root);
  if (await exists(p.handoffMarker)) return true;
  const state = await readState(p.state).catch(() => null);
  return state?.setup === 'complete';
}

/** `notes`: what was translated or taken, and warnings; `ignored`: what is reported and not used. */
export type Interpretation =
  | { kind: 'none'; ignored: string[]; notes: string[] }
  | { kind: 'rejected'; errors: FieldError[]; ignored: string[]; notes: string[] }
  /** A valid document: `complete` is applied; `partial` applies what it sets beyond the defaults and prefills the wizard. */
  | {
      kind: 'complete' | 'partial';
      document: unknown;
      config: SiteConfig;
      where: string;
      ignored: string[];
      notes: string[];
      legacyPasswordHash: boolean;
      networkOnly?: boolean;
    };

/**
 * What user data means for us, without doing anything about it: the decision `runCloudInit`
 * acts on, and what the fixture corpus checks. Our document is validated exactly as a file
 * given to the CLI or the web form's submission is.
 */
export async function interpretUserData(bytes: Uint8Array, now: Date = new Date(), network: NetworkInput | null = null): Promise<Interpretation> {
  const parsed = withNetworkConfig(await parseUserData(bytes), network);
  if (parsed.kind !== 'document')
    return parsed.kind === 'none' ? parsed : { kind: 'rejected', errors: parsed.errors, ignored: parsed.ignored, notes: parsed.notes };
  // The controller template's init-users may hold a legacy argon2i hash: taken from there only.
  const legacy = parsed.legacyHash === true;
  const result = validateDocument(parsed.value, 'any', now, { legacyPasswordHash: legacy });
  if (!result.ok) {
    // Errors in what the network configuration set name its keys (network-config/translate.ts).
    return {
      kind: 'rejected',
      errors: result.errors.map((e) => (e.path === '(document)' ? { ...e, path: KEY } : errorAtOrigin(e, parsed.origin))),
      ignored: parsed.ignored,
      notes: parsed.notes,
    };
  }
  return {
    kind: result.complete ? 'complete' : 'partial',
    document: parsed.value,
    config: result.config,
    where: parsed.where,
    ignored: parsed.ignored,
    networkOnly: parsed.networkOnly,
    notes: [...parsed.notes, ...legacyHashWarning(result.config)],
    legacyPasswordHash: legacy && result.config.admin?.password_hash?.startsWith('$argon2i$') === true,
  };
}

/** The warning for a legacy argon2i admin hash, naming its weaker parameters; none otherwise. */
function legacyHashWarning(config: SiteConfig): string[] {
  const params = config.admin?.password_hash ? legacyArgon2iParams(config.admin.password_hash) : null;
  if (!params) return [];
  return [
    `warning: admin.password_hash is a legacy argon2i hash (m=${params.m} KiB, t=${params.t}, p=${params.p}), weaker than the argon2id at OWASP strength (m=19456 KiB, t=2 or more) bowtie-setup makes; it is taken from the controller template so that the admin can sign in, but set a new password in the controller after setup.`,
  ];
}

/** The partial document for the wizard, with the plaintext password replaced by its hash. */
async function prefillDocument(value: Record<string, unknown>): Promise<Record<string, unknown>> {
  const doc = structuredClone(value);
  const admin = doc.admin as Record<string, unknown> | undefined;
  if (admin && typeof admin.password === 'string') {
    const { password, ...rest } = admin;
    doc.admin = { ...rest, password_hash: await hashPassword(password) };
  }
  return doc;
}

function describeSource(source: SourceName, location: string): string {
  switch (source) {
    case 'file':
      return location;
    case 'cloud-init':
      return `cloud-init's copy (${location})`;
    case 'nocloud':
      return `the NoCloud seed (${location})`;
    case 'cidata':
      return `the cidata volume (${location})`;
    case 'config-drive':
      return `the config drive (${location})`;
    case 'imds':
      return `the instance metadata service (${location})`;
    case 'network-config':
      return `a seed with only a network configuration (${location})`;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
