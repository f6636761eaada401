/**
 * argon2 hashes in the PHC string format (password-hashing/phc-string-format), with libargon2's
 * own limits (argon2.h, encoding.c) and our policies on top (docs/field-policies.md):
 *
 *   $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt B64>$<hash B64>
 *
 * Numbers are decimal without leading zeros (PHC; libargon2's decoder refuses "019"); B64 is the
 * standard alphabet without padding, and the unused bits of the last character must be zero
 * (libargon2's from_base64 refuses anything else). libargon2 writes m,t,p; the argon2 npm
 * package writes m,p,t; the verifier we use reads any order, so we take any order of the three.
 * Messages never quote the hash: it is a secret.
 */
import { ARGON2_MIN_MEMORY_FOR_ITERATIONS } from './limits.js';

/** libargon2 (argon2.h): ARGON2_MIN_* and ARGON2_MAX_* */
const LIB = { minSaltBytes: 8, minHashBytes: 4, minTime: 1, minLanes: 1, maxLanes: 0xffffff, minMemoryPerLane: 8, maxU32: 0xffffffff } as const;

/**
 * Our ceiling: verifying a sign-in must not cost the appliance more than 256 MiB or about a
 * second of CPU, even with a few sign-ins at once. m*t bounds the work (memory passes); p bounds
 * the threads one verification starts. Our own hash is m=65536,t=3,p=1 (limits.ts).
 */
export const ARGON2_CEILING = { maxMemoryKiB: 256 * 1024, maxTime: 16, maxMemoryTimesPasses: 1024 * 1024, maxLanes: 16 } as const;
/** Our bounds on salt and hash: 16 bytes of output at least (no tool writes fewer), 64 at most. */
const SALT_MAX_BYTES = 64;
const HASH_MIN_BYTES = 16;
const HASH_MAX_BYTES = 64;

const PHC = /^\$(argon2id|argon2i|argon2d)(?:\$v=([^$]*))?\$([^$]*)\$([^$]*)\$([^$]*)$/;
const DECIMAL = /^(?:0|[1-9][0-9]{0,9})$/;
const B64 = /^[A-Za-z0-9+/]+$/;
const B64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** PHC B64 (unpadded) as libargon2's from_base64 reads it, or null. */
function decodeB64(s: string): Buffer | null {
  if (!B64.test(s) || s.length % 4 === 1) return null;
  const rest = s.length % 4; // 2 chars carry 1 byte (4 unused bits), 3 carry 2 (2 unused bits)
  if (rest !== 0 && B64_CHARS.indexOf(s.at(-1)!) & ((1 << (rest === 2 ? 4 : 2)) - 1)) return null;
  return Buffer.from(s, 'base64');
}

export interface Argon2Parameters {
  type: 'argon2id' | 'argon2i' | 'argon2d';
  version: 16 | 19;
  m: number;
  t: number;
  p: number;
}

/** The parameters of a PHC argon2 string within libargon2's limits and our ceiling, or why not. */
export function parseArgon2Hash(s: string): Argon2Parameters | string {
  const x = PHC.exec(s);
  if (!x) return 'must be an argon2id hash ($argon2id$v=19$m=...,t=...,p=...$salt$hash)';
  const type = x[1] as Argon2Parameters['type'];
  const version = x[2];
  if (version !== undefined && !['16', '19'].includes(version)) {
    return 'argon2 version must be v=19 (1.3) or v=16 (1.0), written without leading zeros (libargon2 refuses others)';
  }
  const params = new Map<string, number>();
  for (const kv of x[3]!.split(',')) {
    const m = /^([a-z]+)=(.*)$/.exec(kv);
    if (!m || !['m', 't', 'p'].includes(m[1]!) || params.has(m[1]!)) {
      return 'argon2 parameters must be m, t and p, each once (libargon2 refuses others; our policy: no keyid or data, which no tool writes)';
    }
    if (!DECIMAL.test(m[2]!) || Number(m[2]) > LIB.maxU32) {
      return 'argon2 parameters must be decimal numbers without leading zeros, at most 4294967295 (the PHC format; libargon2 refuses others)';
    }
    params.set(m[1]!, Number(m[2]));
  }
  if (params.size !== 3) return 'argon2 parameters must be m, t and p, each once';
  const [m, t, p] = [params.get('m')!, params.get('t')!, params.get('p')!];
  if (t < LIB.minTime) return 'argon2 t (passes) must be at least 1';
  if (p < LIB.minLanes || p > LIB.maxLanes) return 'argon2 p (lanes) must be between 1 and 16777215';
  if (m < LIB.minMemoryPerLane * p) return 'argon2 m (memory in KiB) must be at least 8 times p (libargon2 refuses less)';
  if (m > ARGON2_CEILING.maxMemoryKiB) {
    return `argon2 m may be at most ${ARGON2_CEILING.maxMemoryKiB} KiB (our policy: verifying a sign-in must fit the appliance's memory)`;
  }
  if (t > ARGON2_CEILING.maxTime || m * t > ARGON2_CEILING.maxMemoryTimesPasses) {
    return `argon2 t may be at most ${ARGON2_CEILING.maxTime}, and m times t at most ${ARGON2_CEILING.maxMemoryTimesPasses} (our policy: verifying a sign-in must take about a second, not minutes)`;
  }
  if (p > ARGON2_CEILING.maxLanes) {
    return `argon2 p may be at most ${ARGON2_CEILING.maxLanes} (our policy: each lane is a thread of the verifier)`;
  }
  const salt = decodeB64(x[4]!);
  const hash = decodeB64(x[5]!);
  if (!salt || !hash) {
    return 'argon2 salt and hash must be unpadded base64 whose last character carries no stray bits (the PHC format; libargon2 refuses others)';
  }
  if (salt.length < LIB.minSaltBytes) return 'argon2 salt must be at least 8 bytes';
  if (salt.length > SALT_MAX_BYTES) return `argon2 salt may be at most ${SALT_MAX_BYTES} bytes (our policy: no tool writes more)`;
  if (hash.length < LIB.minHashBytes) return 'argon2 hash must be at least 4 bytes';
  if (hash.length < HASH_MIN_BYTES || hash.length > HASH_MAX_BYTES) {
    return `argon2 hash must be ${HASH_MIN_BYTES} to ${HASH_MAX_BYTES} bytes (our policy: shorter is guessable, and no tool writes longer)`;
  }
  return { type, version: version === '19' ? 19 : 16, m, t, p };
}

/** The OWASP minimum for argon2id (limits.ts): memory for the iteration count. */
function belowOwaspMinimum({ m, t }: Argon2Parameters): boolean {
  const needed = ARGON2_MIN_MEMORY_FOR_ITERATIONS.find(([i]) => i === t)?.[1] ?? ARGON2_MIN_MEMORY_FOR_ITERATIONS.at(-1)![1];
  return m < needed;
}

export interface Argon2HashOptions {
  /** Take `$argon2i$` hashes (the vendor's published tool makes them) with a warning instead of an error. */
  allowLegacyArgon2i?: boolean;
}

export type Argon2HashVerdict = { ok: false; problem: string } | { ok: true; warning: string | null };

/**
 * The verdict on an argon2 hash: argon2id v=19 at OWASP's minimum or above; with
 * `allowLegacyArgon2i`, also argon2i (any version, any strength within libargon2's limits and
 * our ceiling) with a warning to show the operator. Never quotes the hash.
 */
export function checkArgon2Hash(s: string, options: Argon2HashOptions = {}): Argon2HashVerdict {
  const parsed = parseArgon2Hash(s);
  if (typeof parsed === 'string') return { ok: false, problem: parsed };
  if (parsed.type === 'argon2i' && options.allowLegacyArgon2i) {
    const weak = parsed.version !== 19 || belowOwaspMinimum(parsed);
    return {
      ok: true,
      warning: `is an argon2i hash${weak ? ' below the OWASP minimum' : ''}: it works, but set a new password soon to store an argon2id hash`,
    };
  }
  if (parsed.type !== 'argon2id') {
    return { ok: false, problem: 'must be an argon2id hash (our policy: argon2i is weaker against trade-off attacks, argon2d against side channels)' };
  }
  if (parsed.version !== 19) {
    return { ok: false, problem: 'must be argon2 version 1.3, v=19 (our policy: without v= it is version 1.0, whose memory filling 1.3 fixed)' };
  }
  if (belowOwaspMinimum(parsed)) {
    return { ok: false, problem: "argon2id parameters are below the minimum (our policy, OWASP's: m=19456,t=2,p=1 or an equivalent setting)" };
  }
  return { ok: true, warning: null };
}

/** Why this is not an acceptable argon2id hash, or null (the document's `admin.password_hash`). */
export function argon2HashProblem(s: string, options: Argon2HashOptions = {}): string | null {
  const verdict = checkArgon2Hash(s, options);
  return verdict.ok ? null : verdict.problem;
}
