import { ARGON2_MIN_MEMORY_FOR_ITERATIONS } from './limits.js';

// PHC string format of argon2. libargon2 writes m,t,p; the argon2 npm package writes m,p,t.
const ARGON2ID = /^\$argon2id\$v=19\$([a-z]=\d{1,10}(?:,[a-z]=\d{1,10}){2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** Why this is not an acceptable argon2id hash. Never quotes the hash: it is a secret. */
export function argon2HashProblem(s: string): string | null {
  const m = ARGON2ID.exec(s);
  if (!m) return 'must be an argon2id hash ($argon2id$v=19$m=...,t=...,p=...$salt$hash)';
  const params = new Map(m[1]!.split(',').map((kv) => [kv[0]!, Number(kv.slice(2))] as const));
  if (params.size !== 3 || !params.has('m') || !params.has('t') || !params.has('p')) {
    return 'argon2id parameters must be m, t and p';
  }
  const [memory, iterations, parallelism] = [params.get('m')!, params.get('t')!, params.get('p')!];
  const needed =
    ARGON2_MIN_MEMORY_FOR_ITERATIONS.find(([t]) => t === iterations)?.[1] ??
    (iterations > 5 ? ARGON2_MIN_MEMORY_FOR_ITERATIONS.at(-1)![1] : Infinity);
  if (parallelism < 1 || memory < needed) {
    return 'argon2id parameters are below the minimum (m=19456,t=2,p=1 or an equivalent OWASP setting)';
  }
  if (Buffer.from(m[2]!, 'base64').length < 8) return 'argon2id salt must be at least 8 bytes';
  if (Buffer.from(m[3]!, 'base64').length < 16) return 'argon2id hash must be at least 16 bytes';
  return null;
}

/**
 * The parameters of a well-formed legacy `$argon2i$` hash, as the controller's published tool
 * makes them (m=4096, 4 MiB); null for anything else. Accepted only from the controller
 * template (docs/decisions/0305), with a warning; we never make one.
 */
export function legacyArgon2iParams(s: string): { m: number; t: number; p: number } | null {
  const m = /^\$argon2i\$v=19\$([a-z]=\d{1,10}(?:,[a-z]=\d{1,10}){2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(s);
  if (!m || Buffer.from(m[2]!, 'base64').length < 8 || Buffer.from(m[3]!, 'base64').length < 16) return null;
  const params = new Map(m[1]!.split(',').map((kv) => [kv[0]!, Number(kv.slice(2))] as const));
  const [mem, t, p] = [params.get('m'), params.get('t'), params.get('p')];
  return mem !== undefined && t !== undefined && p !== undefined && mem >= 8 && t >= 1 && p >= 1 ? { m: mem, t, p } : null;
}

const CRYPT_B64 = '[./A-Za-z0-9]';
const CRYPT_HASHES: ReadonlyArray<RegExp> = [
  new RegExp(`^\\$y\\$${CRYPT_B64}+\\$${CRYPT_B64}+\\$${CRYPT_B64}{43}$`), // yescrypt
  new RegExp(`^\\$2[aby]\\$(0[4-9]|[12]\\d|3[01])\\$${CRYPT_B64}{53}$`), // bcrypt
  new RegExp(`^\\$6\\$(rounds=\\d{4,9}\\$)?${CRYPT_B64}{1,16}\\$${CRYPT_B64}{86}$`), // sha512crypt
];

/** The console login hash must be a crypt(3) hash that NixOS's hashedPassword accepts. */
export function cryptHashProblem(s: string): string | null {
  return CRYPT_HASHES.some((r) => r.test(s))
    ? null
    : 'must be a crypt(3) hash: yescrypt ($y$), bcrypt ($2b$) or sha512crypt ($6$), e.g. from mkpasswd';
}
