/**
 * A network configuration, parsed: cloud-init's version 1 or 2 (with or without the top-level
 * `network:` key that NoCloud seeds and meta-data often carry), or OpenStack's network_data.json.
 */
import type { FieldError } from '../../config/schema.js';
import type { NetModel } from './model.js';
import { fromNetworkData } from './openstack.js';
import { readNetworkText } from './read.js';
import { fromV1 } from './v1.js';
import { fromV2 } from './v2.js';

export type NetworkConfigParse =
  /** Empty, or `config: disabled`: nothing to apply. */
  { kind: 'none'; why: string; ignored: string[] } | { kind: 'model'; model: NetModel } | { kind: 'invalid'; errors: FieldError[]; ignored: string[] };

export type NetworkFormat = 'cloud-init' | 'openstack';

export function parseNetworkConfig(bytes: Uint8Array, label: string, format: NetworkFormat = 'cloud-init'): NetworkConfigParse {
  const read = readNetworkText(bytes, label);
  if (!read.ok) return { kind: 'invalid', errors: read.errors, ignored: [] };
  return networkConfigOf(read.value, label, format);
}

export function networkConfigOf(value: unknown, label: string, format: NetworkFormat = 'cloud-init'): NetworkConfigParse {
  if (value === null || value === undefined || value === '') return { kind: 'none', why: 'is empty', ignored: [] };
  if (typeof value !== 'object' || Array.isArray(value)) return { kind: 'invalid', errors: [{ path: label, message: 'must be a mapping' }], ignored: [] };
  const done = (r: ReturnType<typeof fromV1>): NetworkConfigParse =>
    r.ok ? { kind: 'model', model: r.model } : { kind: 'invalid', errors: r.errors, ignored: r.ignored };
  if (format === 'openstack') return done(fromNetworkData(value, label));
  let config = value as Record<string, unknown>;
  // cloud-init takes the configuration under a top-level `network:` key or without it.
  if (!('version' in config) && 'network' in config) {
    const inner = config.network;
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner))
      return { kind: 'invalid', errors: [{ path: `${label} network`, message: 'must be a mapping' }], ignored: [] };
    config = inner as Record<string, unknown>;
  }
  if (config.config === 'disabled') return { kind: 'none', why: 'says config: disabled', ignored: [] };
  switch (config.version) {
    case 1:
      return done(fromV1(config, label));
    case 2:
      return done(fromV2(config, label));
    default:
      return { kind: 'invalid', errors: [{ path: `${label} version`, message: 'must be 1 or 2 (the network-config versions cloud-init reads)' }], ignored: [] };
  }
}
