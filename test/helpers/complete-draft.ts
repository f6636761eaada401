import type { Client } from './wizard.js';

export const SECRETS = {
  password: 'correct-horse-battery-staple',
  token: 'psk-0123456789abcdef-SECRET',
};

/** Walks every form step with valid values, as a person would. */
export async function fillEveryStep(c: Client): Promise<void> {
  const steps: Array<[string, Record<string, string>]> = [
    ['/admin', { 'admin.email': 'ops@example.com', 'admin.password': SECRETS.password, 'admin.password_confirm': SECRETS.password }],
    [
      '/network',
      {
        hostname: 'ctl-sfo-01',
        domain: 'corp.example.com',
        'network.ipv4.method': 'static',
        'network.ipv4.address': '10.0.0.5/24',
        'network.ipv4.gateway': '10.0.0.1',
        'network.ipv6.method': 'auto',
        'network.dns': '1.1.1.1',
      },
    ],
    ['/enrollment', { 'enrollment.site_id': '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b', 'enrollment.token': SECRETS.token }],
    ['/tls', { 'tls.mode': 'acme' }],
    ['/updates', { 'updates.enable': 'true', 'updates.schedule_preset': 'Sun *-*-* 03:00:00', 'updates.randomized_delay': '1h', 'updates.channel': 'stable' }],
  ];
  for (const [path, fields] of steps) {
    const res = await c.post(path, fields);
    if (res.status !== 303) throw new Error(`${path}: ${res.status}\n${res.text}`);
  }
}
