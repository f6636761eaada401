/**
 * admin.ssh_authorized_keys against OpenSSH itself (docs/field-policies.md): keys made by
 * ssh-keygen on the spot (nothing private is committed), and variants of them that sshd would
 * refuse (a point off its curve or cut short, a negative or oversized RSA modulus, wrong lengths,
 * trailing bytes). `ssh-keygen -l -f` is the oracle for each; where we refuse on purpose (RSA
 * under 2048 bits, DSA), the message says why.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshKeyProblem } from '../../server/config/ssh-key.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'bowtie-sshkeys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function wire(...parts: Buffer[]): Buffer {
  return Buffer.concat(parts.flatMap((p) => [Buffer.from([p.length >>> 24, (p.length >>> 16) & 255, (p.length >>> 8) & 255, p.length & 255]), p]));
}
function fields(blob: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < blob.length;) {
    const len = blob.readUInt32BE(i);
    out.push(blob.subarray(i + 4, i + 4 + len));
    i += 4 + len;
  }
  return out;
}
const line = (type: string, blob: Buffer, comment = 'test') => `${type} ${blob.toString('base64')} ${comment}`;

const keys: Record<string, string> = {};
let haveSshKeygen = false;
beforeAll(() => {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
  } catch (e) {
    haveSshKeygen = (e as { status?: number }).status !== undefined;
  }
  if (!haveSshKeygen) {
    if (process.env.CI) throw new Error('ssh-keygen is missing (Debian package openssh-client): the oracle tests cannot run');
    return;
  }
  for (const [name, args] of Object.entries({
    ed25519: ['-t', 'ed25519'],
    rsa2048: ['-t', 'rsa', '-b', '2048'],
    rsa1024: ['-t', 'rsa', '-b', '1024'],
    p256: ['-t', 'ecdsa', '-b', '256'],
    p384: ['-t', 'ecdsa', '-b', '384'],
    p521: ['-t', 'ecdsa', '-b', '521'],
  })) {
    execFileSync('ssh-keygen', ['-q', ...args, '-N', '', '-C', name, '-f', join(dir, name)]);
    keys[name] = readFileSync(join(dir, `${name}.pub`), 'utf8').trim();
  }
}, 60_000);

/** The cases: [name, line, policy] where policy marks a deliberate refusal of what OpenSSH takes. */
function cases(): [string, string, boolean][] {
  const blob = (k: string) => Buffer.from(keys[k]!.split(' ')[1]!, 'base64');
  const [edType, edKey] = fields(blob('ed25519'));
  const [rsaType, e, n] = fields(blob('rsa2048'));
  const [p256Type, p256Curve, p256Point] = fields(blob('p256'));
  const offCurve = Buffer.from(p256Point!);
  offCurve[offCurve.length - 1]! ^= 1;
  const nStripped = n![0] === 0 ? n!.subarray(1) : n!;
  return [
    ...Object.keys(keys)
      .filter((k) => k !== 'rsa1024')
      .map((k) => [`${k} as made by ssh-keygen`, keys[k]!, false] as [string, string, boolean]),
    ['rsa1024 (OpenSSH takes 1024; our policy is 2048)', keys.rsa1024!, true],
    ['a leading blank', `  ${keys.ed25519!}`, false],
    ['ed25519 key of 31 bytes', line('ssh-ed25519', wire(edType!, edKey!.subarray(1))), false],
    ['ed25519 with trailing bytes', line('ssh-ed25519', Buffer.concat([wire(edType!, edKey!), Buffer.from([0, 0, 0, 0])])), false],
    ['ECDSA point off the curve', line('ecdsa-sha2-nistp256', wire(p256Type!, p256Curve!, offCurve)), false],
    ['ECDSA point cut short', line('ecdsa-sha2-nistp256', wire(p256Type!, p256Curve!, p256Point!.subarray(0, 64))), false],
    ['ECDSA compressed point', line('ecdsa-sha2-nistp256', wire(p256Type!, p256Curve!, Buffer.concat([Buffer.from([2]), p256Point!.subarray(1, 33)]))), false],
    ['ECDSA naming another curve', line('ecdsa-sha2-nistp256', wire(p256Type!, Buffer.from('nistp384'), p256Point!)), false],
    ['RSA with a negative modulus', line('ssh-rsa', wire(rsaType!, e!, Buffer.from([nStripped[0]! | 0x80, ...nStripped.subarray(1)]))), false],
    ['RSA with a 16385-bit modulus', line('ssh-rsa', wire(rsaType!, e!, Buffer.concat([Buffer.from([1]), Buffer.alloc(2048, 0xff)]))), false],
    ['RSA with a negative exponent', line('ssh-rsa', wire(rsaType!, Buffer.from([0x81]), n!)), false],
    ['type and data that disagree', `ssh-rsa ${keys.ed25519!.split(' ')[1]} x`, false],
  ];
}

describe("SSH public keys: our verdict is OpenSSH's", () => {
  it('for keys from ssh-keygen and for every variant sshd would refuse', async () => {
    if (!haveSshKeygen) return;
    const all = cases();
    expect(all.length).toBeGreaterThanOrEqual(17);
    const wrong: string[] = [];
    for (const [name, text, policy] of all) {
      const file = join(dir, 'case.pub');
      writeFileSync(file, `${text}\n`);
      const openssh = await run('ssh-keygen', ['-l', '-f', file]).then(
        () => true,
        () => false,
      );
      const ours = sshKeyProblem(text);
      if (policy) {
        if (!openssh || ours === null || !/policy/.test(ours))
          wrong.push(`${name}: a policy case (OpenSSH ${openssh ? 'takes' : 'refuses'} it; ours: ${ours})`);
      } else if (openssh !== (ours === null)) wrong.push(`${name}: OpenSSH ${openssh ? 'takes' : 'refuses'} it, ours: ${ours ?? 'valid'}`);
    }
    expect(wrong).toEqual([]);
  }, 60_000);
});
