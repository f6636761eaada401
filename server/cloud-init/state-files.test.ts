import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCloudInitResult } from '../auth/cloud-init-result.js';
import { CLOUD_INIT_RESULT_FILE } from '../nix/paths.js';
import { wizardPrefill, writeStatus } from './state-files.js';

let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("the wizard's prefill (docs/decisions/0501)", () => {
  const prefill = {
    hostname: 'ctl-lab-02',
    admin: {
      email: 'lab@example.com',
      password: 'plaintext-never',
      password_hash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
      console_password_hash: '$y$j9T$salt$hash',
    },
    network: { ipv4: { method: 'dhcp' } },
    enrollment: { site_id: '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b', token: 'cluster-psk-never' },
    tls: { mode: 'self-signed' },
  };

  it('keeps what the draft is made of and drops the enrollment and any plaintext password', () => {
    const shown = wizardPrefill(prefill);
    expect(Object.keys(shown)).toEqual(['hostname', 'admin', 'network', 'tls']);
    expect(shown.admin).toEqual({
      email: 'lab@example.com',
      password_hash: prefill.admin.password_hash,
      console_password_hash: prefill.admin.console_password_hash,
    });
  });

  it('is what cloud-init.json holds: 0640, and the wizard reads back the admin it needs for the pre-claim', async () => {
    root = mkdtempSync(join(tmpdir(), 'bowtie-state-files-'));
    await writeStatus(root, { instance_id: 'i-1', status: 'prefilled', errors: [], prefill });
    const text = readFileSync(join(root, CLOUD_INIT_RESULT_FILE), 'utf8');
    expect(text).not.toContain('plaintext-never');
    expect(text).not.toContain('cluster-psk-never');
    expect(statSync(join(root, CLOUD_INIT_RESULT_FILE)).mode & 0o777).toBe(0o640);
    expect((await readCloudInitResult(root))?.prefill?.admin).toMatchObject({ email: 'lab@example.com', password_hash: prefill.admin.password_hash });
  });
});
