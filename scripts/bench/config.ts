/**
 * Foundation figures: fragment renders per second (target >= 10,000/s on one core) and the time
 * to validate a full document (every section, a provided certificate chain and key).
 * Baselines: JSON.stringify of the same normalized config, and JSON.parse of the document.
 */
import { readFileSync } from 'node:fs';
import { validateDocument } from '../../server/config/validate.js';
import { renderFragment } from '../../server/nix/render.js';
import { medianMicros, ratePerSecond, type BenchRow } from './row.js';

const tls = (name: string) => readFileSync(new URL(`../../test/fixtures/tls/${name}`, import.meta.url), 'utf8');
const NOW = new Date('2026-06-01T00:00:00Z');

export const FULL_DOCUMENT = {
  hostname: 'ctl-sfo-01',
  domain: 'corp.example.com',
  site: { name: 'San Francisco office' },
  admin: {
    email: 'ops@example.com',
    password: 'correct-horse-battery-staple',
    ssh_authorized_keys: [
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBcwCHmfonosD9uU5lAXh1O8btwR2vJZqKYgq/jEX4Z2 ops@laptop',
      'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBENsN/VjoFxDXe4bh+h8yaq0EDneKLK2CJSTozqpT7Opav2JO6EuVHoUdhdx/P81UUbmJKM7YmQNqMlYiOi/fBQ= ec',
    ],
  },
  network: {
    interface: 'ens5',
    ipv4: { method: 'static', address: '10.0.0.5/24', gateway: '10.0.0.1' },
    ipv6: { method: 'static', address: '2001:db8:10::5/64', gateway: 'fe80::1' },
    dns: ['1.1.1.1', '9.9.9.9'],
    ntp: ['time.cloudflare.com'],
  },
  enrollment: {
    site_id: '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b',
    token: 'psk-0123456789abcdef0123456789',
    entrypoints: ['https://ctl-1.corp.example.com'],
  },
  tls: { mode: 'provided', certificate: tls('ctl.pem') + tls('ca.pem'), private_key: tls('ctl.key') },
  updates: { enable: true, schedule: 'Mon..Fri *-*-* 02:30', randomized_delay: '30min', channel: 'beta' },
};

export async function benchConfig(): Promise<BenchRow[]> {
  const result = validateDocument(FULL_DOCUMENT, 'complete', NOW);
  if (!result.ok) throw new Error(`bench document is invalid: ${JSON.stringify(result.errors)}`);
  const config = result.config;
  const renders = ratePerSecond(() => renderFragment(config));
  const stringify = ratePerSecond(() => JSON.stringify(config));
  const text = JSON.stringify(FULL_DOCUMENT);
  const validate = medianMicros(() => validateDocument(FULL_DOCUMENT, 'complete', NOW), 1000);
  const parse = medianMicros(() => JSON.parse(text), 1000);
  return [
    {
      name: 'fragment renders per second (one core)',
      value: renders,
      unit: '/s',
      baseline: stringify,
      baselineName: 'JSON.stringify',
      target: '>= 10000',
      ok: renders >= 10_000,
    },
    {
      name: 'validate a full document (median)',
      value: validate / 1000,
      unit: 'ms',
      baseline: parse / 1000,
      baselineName: 'JSON.parse',
      target: '<= 10 ms',
      ok: validate <= 10_000,
    },
  ];
}
