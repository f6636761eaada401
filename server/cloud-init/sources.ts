/**
 * Where user data comes from; the first source found wins:
 *  1. `--user-data FILE`;
 *  2. cloud-init's own copy, /var/lib/cloud/instance/user-data.txt (raw, as the datasource
 *     gave it), with the instance id from /var/lib/cloud/data/instance-id;
 *  3. a NoCloud seed (`user-data` next to `meta-data`): /var/lib/cloud/seed/nocloud/,
 *     /var/lib/cloud/seed/nocloud-net/, then a filesystem labelled cidata, which the NixOS unit
 *     mounts read-only at /run/bowtie-setup/cidata before we run (CIDATA_MOUNT);
 *  4. an OpenStack-style config drive (label config-2, mounted at CONFIG_DRIVE_MOUNT):
 *     openstack/latest/user_data, with meta_data.json's uuid as the instance id;
 *  5. the EC2 instance metadata service (IMDSv2).
 * Every path is under --root. Files are read with a size cap and never copied anywhere.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { MAX_USER_DATA_BYTES } from './limits.js';
import { DEFAULT_IMDS_URL, instanceIdProblem, readImds, type ImdsOptions } from './imds.js';
import { nestingProblem } from '../config/input-bounds.js';
import { alignWithPyyaml } from './pyyaml-scalars.js';

export const CLOUD_INIT_USER_DATA = '/var/lib/cloud/instance/user-data.txt';
export const CLOUD_INIT_INSTANCE_ID = '/var/lib/cloud/data/instance-id';
export const NOCLOUD_SEED_DIRS = ['/var/lib/cloud/seed/nocloud', '/var/lib/cloud/seed/nocloud-net'] as const;
/** Where the cloud-init unit (nix/modules/setup.nix) mounts the cidata volume (read-only, nosuid, nodev, noexec). */
export const CIDATA_MOUNT = '/run/bowtie-setup/cidata';
export const MACHINE_ID = '/etc/machine-id';
/** Where the unit mounts an OpenStack-style config drive (label config-2), like the cidata volume. */
export const CONFIG_DRIVE_MOUNT = '/run/bowtie-setup/config-drive';
export const CONFIG_DRIVE_USER_DATA = 'openstack/latest/user_data';
export const CONFIG_DRIVE_META = 'openstack/latest/meta_data.json';

/** `network-config`: no user data was found, only a network configuration (network-config/find.ts). */
export type SourceName = 'file' | 'cloud-init' | 'nocloud' | 'cidata' | 'config-drive' | 'imds' | 'network-config';

export type SourceResult =
  /** User data was found (possibly empty: then there is nothing to do for this instance). */
  | { kind: 'found'; source: SourceName; location: string; instanceId: string; userData: Buffer }
  /** No source exists on this machine. */
  | { kind: 'none'; looked: string[] }
  /** A source exists but could not be read; try again next boot. */
  | { kind: 'error'; source: SourceName; location: string; reason: string; instanceId: string | null };

export interface SourceOptions {
  root: string;
  userDataFile?: string | undefined;
  imdsUrl?: string | undefined;
  imds?: ImdsOptions;
}

export class ReadFailed extends Error {}

/**
 * Reads a regular file up to `max` bytes; null when absent. Under --root a symlink at the last
 * component is refused (the seed is written by whoever made the image or the volume); a file
 * named on the command line may be one.
 */
export async function readCapped(path: string, max = MAX_USER_DATA_BYTES, follow = false): Promise<Buffer | null> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | (follow ? 0 : constants.O_NOFOLLOW));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new ReadFailed(code === 'ELOOP' ? 'is a symbolic link' : code === 'EACCES' ? 'cannot be read (permission denied)' : 'cannot be read');
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new ReadFailed('is not a regular file');
    if (info.size > max) throw new ReadFailed(`is larger than ${max} bytes`);
    const buffer = Buffer.alloc(max + 1);
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, size, buffer.length - size, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      if (size > max) throw new ReadFailed(`is larger than ${max} bytes`);
    }
    return buffer.subarray(0, size);
  } finally {
    await handle.close();
  }
}

function firstLine(bytes: Buffer | null): string | null {
  if (!bytes) return null;
  const id = bytes.toString('utf8').trim().split('\n')[0]!.trim();
  return instanceIdProblem(id) ? null : id;
}

/** NoCloud meta-data is YAML (or JSON) with `instance-id`; cloud-init defaults it to "nocloud". */
export function nocloudInstanceId(metaData: Buffer): string {
  try {
    const source = metaData.toString('utf8');
    if (nestingProblem(source)) return 'nocloud';
    const doc = parseDocument(source, { version: '1.1', uniqueKeys: false, logLevel: 'error' });
    // instance-id: 1e3 is the text "1e3" to cloud-init's PyYAML, not 1000.
    alignWithPyyaml(doc, source);
    const value = doc.errors.length === 0 ? (doc.toJS({ maxAliasCount: 10 }) as Record<string, unknown> | null) : null;
    const id = value && typeof value === 'object' ? value['instance-id'] : undefined;
    const text = typeof id === 'string' || typeof id === 'number' ? String(id).trim() : '';
    if (text && !instanceIdProblem(text)) return text;
  } catch {
    // fall through to the default
  }
  return 'nocloud';
}

/**
 * The instance id for user data given with --user-data: what cloud-init or a NoCloud seed
 * says, else the machine id, else "local". (The metadata service is not asked: a file on the
 * command line must work offline.)
 */
async function localInstanceId(root: string): Promise<string> {
  const fromCloudInit = firstLine(await readCapped(join(root, CLOUD_INIT_INSTANCE_ID), 4096).catch(() => null));
  if (fromCloudInit) return fromCloudInit;
  for (const dir of [...NOCLOUD_SEED_DIRS, CIDATA_MOUNT]) {
    const meta = await readCapped(join(root, dir, 'meta-data'), 64 * 1024).catch(() => null);
    if (meta) return nocloudInstanceId(meta);
  }
  const machine = firstLine(await readCapped(join(root, MACHINE_ID), 4096).catch(() => null));
  return machine ? `machine-${machine}` : 'local';
}

export async function findUserData(opts: SourceOptions): Promise<SourceResult> {
  const { root } = opts;
  const looked: string[] = [];
  const attempt = async (source: SourceName, location: string, read: () => Promise<SourceResult | null>): Promise<SourceResult | null> => {
    looked.push(location);
    try {
      return await read();
    } catch (e) {
      if (!(e instanceof ReadFailed)) throw e;
      return { kind: 'error', source, location, reason: `${location} ${e.message}`, instanceId: null };
    }
  };

  if (opts.userDataFile !== undefined) {
    const file = opts.userDataFile;
    const result = await attempt('file', file, async () => {
      const bytes = await readCapped(file, MAX_USER_DATA_BYTES, true);
      if (bytes === null) throw new ReadFailed('does not exist');
      return { kind: 'found', source: 'file', location: file, instanceId: await localInstanceId(root), userData: bytes };
    });
    return result!;
  }

  const cloudInit = await attempt('cloud-init', CLOUD_INIT_USER_DATA, async () => {
    const bytes = await readCapped(join(root, CLOUD_INIT_USER_DATA));
    if (bytes === null) return null;
    const id = firstLine(await readCapped(join(root, CLOUD_INIT_INSTANCE_ID), 4096));
    if (!id) throw new ReadFailed(`has no usable instance id next to it (${CLOUD_INIT_INSTANCE_ID})`);
    return { kind: 'found', source: 'cloud-init', location: CLOUD_INIT_USER_DATA, instanceId: id, userData: bytes };
  });
  if (cloudInit) return cloudInit;

  for (const [source, dir] of [...NOCLOUD_SEED_DIRS.map((d) => ['nocloud', d] as const), ['cidata', CIDATA_MOUNT] as const]) {
    const seed = await attempt(source, `${dir}/`, async () => {
      // cloud-init's NoCloud needs both files; a lone user-data is not a seed.
      const meta = await readCapped(join(root, dir, 'meta-data'), 64 * 1024);
      if (meta === null) return null;
      const bytes = await readCapped(join(root, dir, 'user-data'));
      if (bytes === null) return null;
      return { kind: 'found', source, location: `${dir}/user-data`, instanceId: nocloudInstanceId(meta), userData: bytes };
    });
    if (seed) return seed;
  }

  const drive = await attempt('config-drive', `${CONFIG_DRIVE_MOUNT}/`, async () => {
    const meta = await readCapped(join(root, CONFIG_DRIVE_MOUNT, CONFIG_DRIVE_META), 64 * 1024);
    if (meta === null) return null;
    const bytes = await readCapped(join(root, CONFIG_DRIVE_MOUNT, CONFIG_DRIVE_USER_DATA));
    if (bytes === null) return null;
    return {
      kind: 'found',
      source: 'config-drive',
      location: `${CONFIG_DRIVE_MOUNT}/${CONFIG_DRIVE_USER_DATA}`,
      instanceId: configDriveInstanceId(meta) ?? 'config-drive',
      userData: bytes,
    };
  });
  if (drive) return drive;

  const url = opts.imdsUrl ?? DEFAULT_IMDS_URL;
  looked.push(`the instance metadata service at ${url}`);
  const imds = await readImds(url, opts.imds);
  if (imds.kind === 'unreachable') return { kind: 'none', looked };
  if (imds.kind === 'error')
    return { kind: 'error', source: 'imds', location: url, reason: `the instance metadata service answered, but ${imds.reason}`, instanceId: imds.instanceId };
  return { kind: 'found', source: 'imds', location: url, instanceId: imds.instanceId, userData: imds.userData ?? Buffer.alloc(0) };
}

/** A config drive's meta_data.json `uuid`: the instance id cloud-init uses for it. */
export function configDriveInstanceId(meta: Uint8Array): string | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(meta).toString('utf8'));
    const uuid = value && typeof value === 'object' ? (value as Record<string, unknown>).uuid : undefined;
    return typeof uuid === 'string' && !instanceIdProblem(uuid) ? uuid : null;
  } catch {
    return null;
  }
}

/** sha256 of the raw user data, kept in the marker to notice that it changed. */
export function userDataHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
