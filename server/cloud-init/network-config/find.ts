/**
 * Where a network configuration is looked for (docs/decisions/0310); the first found wins:
 *  1. `--network-config FILE`;
 *  2. in a NoCloud seed (the one the user data came from first, then /var/lib/cloud/seed/nocloud,
 *     nocloud-net and the cidata volume), a `network-config` file beside `meta-data`, else a
 *     `network:` key in `meta-data` (with `network.encoding: base64` or `gzip+base64`, as
 *     VMware guestinfo templates write it);
 *  3. an OpenStack-style config drive (label config-2, mounted read-only by the NixOS unit at
 *     CONFIG_DRIVE_MOUNT): openstack/latest/network_data.json.
 * The EC2 metadata service is not asked: its network information describes what DHCP hands out.
 */
import { join } from 'node:path';
import { gunzipCapped } from '../gzip.js';
import {
  CIDATA_MOUNT,
  CONFIG_DRIVE_META,
  CONFIG_DRIVE_MOUNT,
  configDriveInstanceId,
  NOCLOUD_SEED_DIRS,
  nocloudInstanceId,
  ReadFailed,
  readCapped,
} from '../sources.js';
import { parseNetworkConfig, networkConfigOf, type NetworkConfigParse } from './parse.js';
import { MAX_NETWORK_CONFIG_BYTES, readNetworkText } from './read.js';

export const NETWORK_DATA = 'openstack/latest/network_data.json';

export interface NetworkConfigSource {
  /** How errors and notes name it: `network-config`, `meta-data network`, `network_data.json`. */
  label: string;
  /** The file, for the console. */
  location: string;
  /** The seed's instance id, when the seed says. */
  instanceId: string | null;
  parse: NetworkConfigParse;
}

export interface FindOptions {
  root: string;
  file?: string | undefined;
  /** The seed directory the user data came from, looked at first. */
  seedDir?: string | null | undefined;
}

const unreadable = (label: string, location: string, reason: string): NetworkConfigSource => ({
  label,
  location,
  instanceId: null,
  parse: { kind: 'invalid', errors: [{ path: label, message: `could not be read: ${location} ${reason}` }], ignored: [] },
});

export async function findNetworkConfig(opts: FindOptions): Promise<NetworkConfigSource | null> {
  const { root } = opts;
  if (opts.file !== undefined) {
    const label = 'network-config';
    try {
      const bytes = await readCapped(opts.file, MAX_NETWORK_CONFIG_BYTES, true);
      if (bytes === null) return unreadable(label, opts.file, 'does not exist');
      return { label, location: opts.file, instanceId: null, parse: parseNetworkConfig(bytes, label) };
    } catch (e) {
      if (e instanceof ReadFailed) return unreadable(label, opts.file, e.message);
      throw e;
    }
  }
  const dirs = [...new Set([...(opts.seedDir ? [opts.seedDir] : []), ...NOCLOUD_SEED_DIRS, CIDATA_MOUNT])];
  for (const dir of dirs) {
    const found = await fromSeed(root, dir);
    if (found) return found;
  }
  return fromConfigDrive(root);
}

async function fromSeed(root: string, dir: string): Promise<NetworkConfigSource | null> {
  let meta: Buffer | null;
  try {
    meta = await readCapped(join(root, dir, 'meta-data'), MAX_NETWORK_CONFIG_BYTES);
  } catch (e) {
    if (e instanceof ReadFailed) return unreadable('meta-data', `${dir}/meta-data`, e.message);
    throw e;
  }
  // cloud-init's NoCloud needs meta-data: without it the directory is not a seed.
  if (meta === null) return null;
  const instanceId = nocloudInstanceId(meta);
  const location = `${dir}/network-config`;
  try {
    const bytes = await readCapped(join(root, location), MAX_NETWORK_CONFIG_BYTES);
    if (bytes !== null) return { label: 'network-config', location, instanceId, parse: parseNetworkConfig(bytes, 'network-config') };
  } catch (e) {
    if (e instanceof ReadFailed) return unreadable('network-config', location, e.message);
    throw e;
  }
  const inMeta = await fromMetaData(meta);
  return inMeta ? { label: inMeta.label, location: `${dir}/meta-data`, instanceId, parse: inMeta.parse } : null;
}

/** A `network` key in meta-data, possibly base64 (and gzip) encoded; null when there is none. */
export async function fromMetaData(meta: Uint8Array): Promise<{ label: string; parse: NetworkConfigParse } | null> {
  if (Buffer.from(meta).toString('latin1').trim() === '') return null;
  const read = readNetworkText(meta, 'meta-data', 'network');
  // Unreadable meta-data is the user data reader's business (instance id "nocloud"); a
  // network key in it cannot be told apart, so it is reported here only when it mentions one.
  if (!read.ok)
    return /^["']?network["']?\s*:/m.test(Buffer.from(meta).toString('utf8'))
      ? { label: 'meta-data', parse: { kind: 'invalid', errors: read.errors, ignored: [] } }
      : null;
  const value = read.value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const label = 'meta-data network';
  if (record['network-interfaces'] !== undefined && record.network === undefined) {
    return {
      label: 'meta-data network-interfaces',
      parse: {
        kind: 'invalid',
        errors: [
          {
            path: 'meta-data network-interfaces',
            message: 'is the Debian interfaces format, which bowtie-setup does not read: give the network as network-config version 1 or 2',
          },
        ],
        ignored: [],
      },
    };
  }
  if (record.network === undefined) return null;
  const encoding = record['network.encoding'];
  if (encoding === undefined) return { label, parse: networkConfigOf({ network: record.network }, label) };
  const fail = (message: string) => ({ label, parse: { kind: 'invalid' as const, errors: [{ path: label, message }], ignored: [] } });
  if (typeof record.network !== 'string') return fail('must be text when network.encoding is given');
  const encodings = ['base64', 'b64', 'gzip+base64', 'gz+b64'];
  if (typeof encoding !== 'string' || !encodings.includes(encoding))
    return fail(`has network.encoding that bowtie-setup does not read (${encodings.join(', ')} are)`);
  const text = record.network.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) return fail('is not valid base64');
  let bytes: Uint8Array = Buffer.from(text, 'base64');
  if (encoding.startsWith('gz')) {
    const out = await gunzipCapped(bytes, MAX_NETWORK_CONFIG_BYTES);
    if (!out.ok) return fail(`is gzip-compressed but ${out.message}`);
    bytes = out.bytes;
  }
  return { label, parse: parseNetworkConfig(bytes, label) };
}

async function fromConfigDrive(root: string): Promise<NetworkConfigSource | null> {
  const label = 'network_data.json';
  const location = `${CONFIG_DRIVE_MOUNT}/${NETWORK_DATA}`;
  try {
    const bytes = await readCapped(join(root, location), MAX_NETWORK_CONFIG_BYTES);
    const meta = await readCapped(join(root, CONFIG_DRIVE_MOUNT, CONFIG_DRIVE_META), MAX_NETWORK_CONFIG_BYTES).catch(() => null);
    if (bytes === null) {
      // Proxmox's configdrive2 format points meta_data.json at Debian interfaces text instead.
      if (meta && /"network_config"\s*:/.test(meta.toString('utf8'))) {
        const where = `${CONFIG_DRIVE_MOUNT}/${CONFIG_DRIVE_META}`;
        return {
          label: 'meta_data.json',
          location: where,
          instanceId: configDriveInstanceId(meta),
          parse: {
            kind: 'invalid',
            errors: [
              {
                path: 'meta_data.json network_config',
                message:
                  'points at a network configuration in the Debian interfaces format, which bowtie-setup does not read: give network_data.json, or use the NoCloud format (Proxmox: citype nocloud)',
              },
            ],
            ignored: [],
          },
        };
      }
      return null;
    }
    return { label, location, instanceId: meta ? configDriveInstanceId(meta) : null, parse: parseNetworkConfig(bytes, label, 'openstack') };
  } catch (e) {
    if (e instanceof ReadFailed) return unreadable(label, location, e.message);
    throw e;
  }
}
