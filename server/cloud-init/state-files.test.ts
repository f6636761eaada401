import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCloudInitResult } from '../auth/cloud-init-result.js';
import { CLOUD_INIT_RESULT_FILE } from '../nix/paths.js';
import {
  hasAppliedMarker,
  MARKER_DIR,
  MAX_MARKER_BYTES,
  markerFileName,
  readMarker,
  wizardPrefill,
  writeMarker,
  writeStatus,
  type Marker,
} from './state-files.js';

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

describe('once-per-instance markers are parsed, never taken on trust (docs/decisions/0600)', () => {
  const good: Marker = {
    instance_id: 'i-aaa',
    outcome: 'applied',
    source: 'imds',
    user_data_sha256: 'a'.repeat(64),
    document_sha256: 'b'.repeat(64),
    processed_at: '2026-06-01T00:00:00.000Z',
  };
  const markerFile = () => join(root, MARKER_DIR, markerFileName('i-aaa'));
  const plant = (content: string | Buffer) => {
    mkdirSync(join(root, MARKER_DIR), { recursive: true, mode: 0o700 });
    writeFileSync(markerFile(), content);
  };
  const json = (over: Record<string, unknown>) => JSON.stringify({ ...good, ...over });

  it('reads back what writeMarker wrote', async () => {
    root = mkdtempSync(join(tmpdir(), 'bowtie-state-files-'));
    await writeMarker(root, good);
    expect(await readMarker(root, 'i-aaa')).toEqual({ kind: 'ok', marker: good });
    expect(await hasAppliedMarker(root)).toEqual({ applied: true, refused: [] });
    expect(await readMarker(root, 'i-bbb')).toEqual({ kind: 'absent' });
  });

  const hostile: [string, () => void, RegExp][] = [
    ['truncated JSON', () => plant(JSON.stringify(good).slice(0, 40)), /is not valid JSON/],
    ['an empty file', () => plant(''), /is not valid JSON/],
    ['JSON null', () => plant('null'), /not in the expected form \(\(top level\)\)/],
    ['a list', () => plant('[]'), /not in the expected form/],
    ['a hash that is a number', () => plant(json({ user_data_sha256: 5 })), /expected form \(user_data_sha256\)/],
    ['an unknown outcome', () => plant(json({ outcome: 'owned' })), /expected form \(outcome\)/],
    ['an outcome only (the old Partial<Marker> reading took it)', () => plant('{"outcome":"applied"}'), /expected form/],
    ['a time that is terminal escapes', () => plant(json({ processed_at: '\u001b[2J\u001b]0;owned\u0007' })), /expected form \(processed_at\)/],
    ['an instance id with a newline', () => plant(json({ instance_id: 'i-aaa\nbowtie-setup: all fine' })), /expected form \(instance_id\)/],
    ["another instance's marker under this name", () => plant(json({ instance_id: 'i-bbb' })), /names another instance/],
    ['not UTF-8', () => plant(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), /not UTF-8/],
    ['a huge file', () => plant(Buffer.alloc(MAX_MARKER_BYTES + 1, 0x20)), /larger than 65536 bytes/],
    [
      'a link to a good marker elsewhere',
      () => {
        mkdirSync(join(root, MARKER_DIR), { recursive: true, mode: 0o700 });
        writeFileSync(join(root, 'elsewhere.json'), JSON.stringify(good));
        symlinkSync(join(root, 'elsewhere.json'), markerFile());
      },
      /is a symbolic link/,
    ],
    [
      'a link to /dev/zero',
      () => {
        mkdirSync(join(root, MARKER_DIR), { recursive: true, mode: 0o700 });
        symlinkSync('/dev/zero', markerFile());
      },
      /is a symbolic link/,
    ],
    [
      'a FIFO',
      () => {
        mkdirSync(join(root, MARKER_DIR), { recursive: true, mode: 0o700 });
        execFileSync('mkfifo', [markerFile()]);
      },
      /not a regular file/,
    ],
    ['a directory', () => mkdirSync(markerFile(), { recursive: true }), /not a regular file/],
  ];
  if (process.getuid?.() === 0) {
    hostile.push([
      'a good marker of another user',
      () => {
        plant(JSON.stringify(good));
        chownSync(markerFile(), 4242, 4242);
      },
      /belongs to user 4242/,
    ]);
  }

  it.each(hostile)('%s: refused with the reason, never trusted', async (_name, make, reason) => {
    root = mkdtempSync(join(tmpdir(), 'bowtie-state-files-'));
    make();
    const read = await readMarker(root, 'i-aaa');
    expect(read.kind).toBe('refused');
    const why = read.kind === 'refused' ? read.reason : '';
    expect(why).toMatch(reason);
    expect(why).toContain('i-aaa.json');
    // The reason never carries what the file held.
    expect(why).not.toMatch(/owned|all fine|\u001b|aaaaaaaa/);
    // Nor does it count as user data having configured the appliance.
    const applied = await hasAppliedMarker(root);
    expect(applied.applied).toBe(false);
    expect(applied.refused).toEqual([why]);
  });

  it('a damaged marker beside a good applied one: the good one counts, the damaged one is listed', async () => {
    root = mkdtempSync(join(tmpdir(), 'bowtie-state-files-'));
    await writeMarker(root, { ...good, instance_id: 'i-zzz' });
    plant('{"outcome":');
    expect((await hasAppliedMarker(root)).applied).toBe(true);
  });
});
