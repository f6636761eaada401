import { createPublicKey } from 'node:crypto';
import { RSA_MIN_BITS, SSH_KEY_MAX } from './limits.js';

/** OpenSSH reads no bignum over SSHBUF_MAX_BIGNUM (16384 bits); sshd refuses such a key. */
const RSA_MAX_BITS = 16384;

/** The uncompressed point's length and the JWK curve name of each ECDSA curve. */
const CURVES: Record<string, { pointBytes: number; jwk: string }> = {
  nistp256: { pointBytes: 65, jwk: 'P-256' },
  nistp384: { pointBytes: 97, jwk: 'P-384' },
  nistp521: { pointBytes: 133, jwk: 'P-521' },
};

const b64url = (b: Buffer) => b.toString('base64url');

/** Whether OpenSSL takes the key (a point on its curve, a positive modulus): what sshd's libcrypto would do. */
function libcryptoTakes(jwk: Record<string, string>): boolean {
  try {
    createPublicKey({ key: jwk, format: 'jwk' });
    return true;
  } catch {
    return false;
  }
}

/** Public key types OpenSSH accepts in authorized_keys, with the curve an ECDSA blob must name. */
const KEY_TYPES = new Map<string, string | null>([
  ['ssh-ed25519', null],
  ['ssh-rsa', null],
  ['ecdsa-sha2-nistp256', 'nistp256'],
  ['ecdsa-sha2-nistp384', 'nistp384'],
  ['ecdsa-sha2-nistp521', 'nistp521'],
  ['sk-ssh-ed25519@openssh.com', null],
  ['sk-ecdsa-sha2-nistp256@openssh.com', 'nistp256'],
]);

/** Reads the SSH wire format (RFC 4251 "string" and "mpint"), refusing to read past the end. */
class WireReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  bytes(): Buffer {
    if (this.pos + 4 > this.buf.length) throw new Error('truncated');
    const len = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    if (this.pos + len > this.buf.length) throw new Error('truncated');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  string(): string {
    return this.bytes().toString('latin1');
  }
  done(): boolean {
    return this.pos === this.buf.length;
  }
}

function mpintBits(n: Buffer): number {
  const first = n.findIndex((b) => b !== 0);
  return first < 0 ? 0 : (n.length - first - 1) * 8 + (32 - Math.clz32(n[first]!));
}

function blobProblem(type: string, blob: Buffer): string | null {
  const r = new WireReader(blob);
  try {
    if (r.string() !== type) return `the key data is not of type ${type}`;
    if (type === 'ssh-ed25519' || type === 'sk-ssh-ed25519@openssh.com') {
      if (r.bytes().length !== 32) return 'the ed25519 key is not 32 bytes';
    } else if (type === 'ssh-rsa') {
      const e = r.bytes();
      const n = r.bytes();
      // mpint (RFC 4251): a set high bit means negative; OpenSSH refuses negative numbers.
      if ((e[0] ?? 0) & 0x80 || (n[0] ?? 0) & 0x80) return 'the RSA key has a negative number in it';
      const bits = mpintBits(n);
      if (bits > RSA_MAX_BITS) return `RSA keys may have at most ${RSA_MAX_BITS} bits (OpenSSH reads no larger number)`;
      if (bits < RSA_MIN_BITS) return `RSA keys must have at least ${RSA_MIN_BITS} bits (our policy: shorter keys are breakable; OpenSSH itself stops at 1024)`;
      if (
        !libcryptoTakes({
          kty: 'RSA',
          n: b64url(n.subarray(n.findIndex((b) => b !== 0))),
          e: b64url(
            e.subarray(
              Math.max(
                0,
                e.findIndex((b) => b !== 0),
              ),
            ),
          ),
        })
      )
        return 'the RSA key is not a valid public key';
    } else {
      const curve = KEY_TYPES.get(type)!;
      if (r.string() !== curve) return `the key data does not name curve ${curve}`;
      const point = r.bytes();
      const shape = CURVES[curve]!;
      if (point.length !== shape.pointBytes || point[0] !== 4) return `the ECDSA point is not an uncompressed ${curve} point (${shape.pointBytes} bytes)`;
      const half = (shape.pointBytes - 1) / 2;
      if (!libcryptoTakes({ kty: 'EC', crv: shape.jwk, x: b64url(point.subarray(1, 1 + half)), y: b64url(point.subarray(1 + half)) }))
        return `the ECDSA point is not on curve ${curve}`;
    }
    if (type.startsWith('sk-')) r.string(); // application, usually "ssh:"
  } catch {
    return 'the key data is truncated';
  }
  return r.done() ? null : 'the key data has trailing bytes';
}

export interface SshKey {
  type: string;
  blob: string;
  comment: string;
}

/** Splits "type base64 [comment]". The comment is free text and may hold anything but NUL. */
export function splitSshKey(line: string): SshKey | null {
  // sshd skips blanks before the key type (auth2-pubkeyfile.c); so do we (the schema stores it trimmed).
  const m = /^[ \t]*([^ \t]+)[ \t]+([A-Za-z0-9+/]+={0,2})(?:[ \t]+([\s\S]*))?$/.exec(line);
  return m ? { type: m[1]!, blob: m[2]!, comment: m[3] ?? '' } : null;
}

export function sshKeyProblem(line: string): string | null {
  if (line.length > SSH_KEY_MAX) return `must be at most ${SSH_KEY_MAX} characters`;
  const key = splitSshKey(line);
  if (!key) {
    return [...KEY_TYPES.keys()].some((t) => line.includes(` ${t} `))
      ? 'options before the key (from=, command=, ...) are not supported'
      : 'must be an OpenSSH public key: "TYPE BASE64 [comment]"';
  }
  if (!KEY_TYPES.has(key.type)) {
    return `key type must be one of ${[...KEY_TYPES.keys()].join(', ')}`;
  }
  const blob = Buffer.from(key.blob, 'base64');
  if (blob.toString('base64') !== key.blob) return 'the key data is not valid base64';
  return blobProblem(key.type, blob);
}
