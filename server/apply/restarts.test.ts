import { describe, expect, it } from 'vitest';
import { validateDocument } from '../config/validate.js';
import { renderFragment } from '../nix/render.js';
import { fragmentSettings, serviceChanges } from './restarts.js';

const HASH = '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$0zvq1yqVqS2GhDQB0HLZQ9Ck3sMzyM6pTpxJ/4YhLvI';
const COMPLETE = {
  hostname: 'ctl-sfo-01',
  admin: { email: 'ops@example.com', password_hash: HASH },
  enrollment: { site_id: '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b', token: 'psk-0123456789abcdef' },
};

function fragment(doc: Record<string, unknown>): string {
  const r = validateDocument(doc, 'any', new Date('2026-06-01T00:00:00Z'));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return renderFragment(r.config);
}

const changes = (a: string, b: string) => serviceChanges(a, b).map((c) => `${c.action} ${c.unit}`);

describe('serviceChanges', () => {
  it("reads the renderer's settings two levels deep", () => {
    const s = fragmentSettings(
      fragment({ ...COMPLETE, network: { ipv4: { method: 'static', address: '10.0.0.5/24', gateway: '10.0.0.1' }, dns: ['1.1.1.1'] } }),
    );
    expect(s.get('hostname')).toBe('"ctl-sfo-01";');
    expect(s.get('network.ipv4')).toBe('{\nmethod = "static";\naddress = "10.0.0.5/24";\ngateway = "10.0.0.1";\n};');
    expect(s.get('network.dns')).toBe('[\n"1.1.1.1"\n];');
  });

  it('the first complete apply restarts networkd and starts the controller and its updates', () => {
    expect(changes('', fragment(COMPLETE))).toEqual([
      'restarts systemd-networkd.service',
      'restarts systemd-timesyncd.service',
      'starts bowtie_server.service',
      'starts bowtie-update.timer',
    ]);
  });

  it('each setting restarts only what reads it', () => {
    const base = fragment(COMPLETE);
    expect(changes(base, fragment({ ...COMPLETE, network: { ntp: ['time.example.com'] } }))).toEqual(['restarts systemd-timesyncd.service']);
    expect(changes(base, fragment({ ...COMPLETE, updates: { schedule: 'Sat *-*-* 03:00:00' } }))).toEqual(['restarts bowtie-update.timer']);
    expect(changes(base, fragment({ ...COMPLETE, site: { name: 'SFO' } }))).toEqual(['restarts bowtie_server.service']);
    expect(
      changes(base, fragment({ ...COMPLETE, network: { ipv4: { method: 'static', address: '10.0.0.5/24', gateway: '10.0.0.1' }, dns: ['1.1.1.1'] } })),
    ).toEqual(['restarts systemd-networkd.service']);
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBcwCHmfonosD9uU5lAXh1O8btwR2vJZqKYgq/jEX4Z2 ops@laptop';
    expect(changes(base, fragment({ ...COMPLETE, admin: { ...COMPLETE.admin, ssh_authorized_keys: [key] } }))).toEqual(['starts sshd.service']);
    expect(changes(base, base)).toEqual([]);
  });

  it('a partial document stops the controller; a factory reset only restarts the network', () => {
    const base = fragment(COMPLETE);
    const { enrollment: _e, ...partial } = COMPLETE;
    expect(changes(base, fragment(partial))).toEqual(['stops bowtie_server.service', 'stops bowtie-update.timer']);
    expect(changes(base, '')).toEqual([
      'restarts systemd-networkd.service',
      'restarts systemd-timesyncd.service',
      'stops bowtie_server.service',
      'stops bowtie-update.timer',
    ]);
  });
});
