/**
 * crypt(3) hashes for the console login (`admin.console_password_hash`, NixOS's hashedPassword),
 * as NixOS's libxcrypt reads them. nixpkgs builds libxcrypt with `--enable-hashes=strong`
 * (lib/hashes.conf: yescrypt, gost-yescrypt, scrypt, bcrypt $2b$/$2y$/$2a$, sha512crypt); of
 * those we take yescrypt, bcrypt and sha512crypt (docs/field-policies.md). Each rule is the
 * scheme's own (libxcrypt crypt-sha512.c, crypt-bcrypt.c, yescrypt's decode64), so a hash we take
 * is one that crypt(3) can reproduce: a salt or last character that crypt would rewrite would
 * make the hash never match, and the admin could never log in at the console.
 * Messages never quote the hash: it is a secret.
 */

/** crypt's base64 alphabet (sha512crypt, yescrypt), and bcrypt's own order of the same characters. */
const CRYPT64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BCRYPT64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Our ceilings: a console login must not take the appliance minutes or gigabytes. sha512crypt's
 * 5,000,000 rounds and bcrypt's cost 16 take a few seconds; yescrypt's 256 MiB matches argon2's.
 */
export const CRYPT_CEILING = { sha512Rounds: 5_000_000, bcryptCost: 16, yescryptBytes: 256 * 1024 * 1024 } as const;

const SCHEMES = 'yescrypt ($y$), bcrypt ($2b$) or sha512crypt ($6$), e.g. from mkpasswd';

/** The last character of a crypt-base64 string carries `bits` bits; crypt writes the rest as 0. */
function lastCharCanonical(s: string, alphabet: string, valueOk: (v: number) => boolean): boolean {
  return valueOk(alphabet.indexOf(s.at(-1)!));
}

/** libxcrypt crypt-sha512.c: $6$[rounds=N$]salt$hash, salt up to 16 characters. */
function sha512cryptProblem(s: string): string | null {
  const m = /^\$6\$(?:rounds=([^$]*)\$)?([^$]*)\$([^$]*)$/.exec(s);
  if (!m) return 'a sha512crypt hash is $6$[rounds=N$]salt$hash';
  const [, rounds, salt, hash] = m;
  if (rounds !== undefined) {
    // libxcrypt refuses a leading zero and anything outside 1000..999999999.
    if (!/^[1-9][0-9]{3,8}$/.test(rounds)) return 'sha512crypt rounds= must be 1000 to 999999999, without leading zeros';
    if (Number(rounds) > CRYPT_CEILING.sha512Rounds) {
      return `sha512crypt rounds= may be at most ${CRYPT_CEILING.sha512Rounds} (our policy: a console login must take seconds, not minutes)`;
    }
  }
  // libxcrypt refuses ":" and "\n" in the salt, and its setting check refuses blanks, control
  // and non-ASCII characters and !*;\ (crypt.c); "-" and "_" are fine.
  if (!/^[\x21-\x7e]*$/.test(salt!) || /[$:;*!\\]/.test(salt!)) {
    return 'sha512crypt salt may hold printable ASCII characters except blanks and $ : ; * ! \\';
  }
  if (salt!.length === 0) return 'sha512crypt salt must not be empty (our policy: an unsalted hash is the same on every machine)';
  if (salt!.length > 16) return 'sha512crypt salt may be at most 16 characters (crypt uses only 16, so this hash would never match)';
  if (!/^[./0-9A-Za-z]{86}$/.test(hash!) || !lastCharCanonical(hash!, CRYPT64, (v) => v < 4)) {
    return 'sha512crypt hash must be 86 characters of crypt base64, as crypt writes them';
  }
  return null;
}

/** crypt_blowfish as in libxcrypt: $2b$NN$ + 22 characters of salt + 31 of hash, bcrypt's base64. */
function bcryptProblem(s: string): string | null {
  const m = /^\$2([abxy])\$([0-9]{2})\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/.exec(s);
  if (!m) return 'a bcrypt hash is $2b$ and a two-digit cost, then 53 characters of salt and hash';
  const [, variant, cost, salt, hash] = m;
  if (variant === 'x') return "bcrypt $2x$ is the variant with the old sign bug; NixOS's libxcrypt does not build it";
  if (Number(cost) < 4 || Number(cost) > 31) return 'bcrypt cost must be 04 to 31';
  if (Number(cost) > CRYPT_CEILING.bcryptCost) {
    return `bcrypt cost may be at most ${CRYPT_CEILING.bcryptCost} (our policy: a console login must take seconds, not hours)`;
  }
  // 16 salt bytes leave 4 bits unused in the last character, 23 hash bytes leave 2; crypt writes them as 0.
  if (!lastCharCanonical(salt!, BCRYPT64, (v) => v % 16 === 0) || !lastCharCanonical(hash!, BCRYPT64, (v) => v % 4 === 0)) {
    return 'bcrypt salt or hash has stray bits in its last character (crypt would write another hash, which would never match)';
  }
  return null;
}

/** yescrypt's decode64: little-endian groups of up to 4 characters, unused bits zero. */
function yescrypt64Ok(s: string): boolean {
  if (!/^[./0-9A-Za-z]*$/.test(s) || s.length % 4 === 1) return false;
  const rest = s.length % 4;
  if (rest === 0) return true;
  const last = CRYPT64.indexOf(s.at(-1)!);
  return rest === 2 ? last < 4 : last < 16;
}

/**
 * yescrypt as mkpasswd and libxcrypt's crypt_gensalt write it: $y$ j N r $ salt $ hash, where
 * "j" is the default flavour and N and r are one character each (N = 2^(n+1), r = r+1).
 */
function yescryptProblem(s: string): string | null {
  const m = /^\$y\$([^$]*)\$([^$]*)\$([^$]*)$/.exec(s);
  if (!m) return 'a yescrypt hash is $y$params$salt$hash';
  const [, params, salt, hash] = m;
  if (!/^j[./0-9A-Za-z]{2}$/.test(params!)) {
    return 'yescrypt parameters must be as mkpasswd writes them, e.g. j9T (our policy: no other flavour and no p, t, g or ROM parameters)';
  }
  const nLog2 = CRYPT64.indexOf(params![1]!) + 1;
  const r = CRYPT64.indexOf(params![2]!) + 1;
  // One character holds values up to 47 in yescrypt's variable-length numbers; above is a longer number.
  if (nLog2 > 48 || r > 48) return 'yescrypt parameters must be as mkpasswd writes them, e.g. j9T';
  if (nLog2 < 2) return 'yescrypt N must be at least 4 (yescrypt refuses 2)';
  if (128 * r * 2 ** nLog2 > CRYPT_CEILING.yescryptBytes) {
    return `yescrypt parameters may use at most ${CRYPT_CEILING.yescryptBytes / 1024 / 1024} MiB (our policy: a console login must fit the appliance's memory)`;
  }
  if (!yescrypt64Ok(salt!)) return 'yescrypt salt must be crypt base64 as crypt writes it';
  if (!/^[./0-9A-Za-z]{43}$/.test(hash!) || !yescrypt64Ok(hash!)) return 'yescrypt hash must be 43 characters of crypt base64, as crypt writes them';
  return null;
}

/** The console login hash must be a crypt(3) hash that NixOS's libxcrypt reads and can match. */
export function cryptHashProblem(s: string): string | null {
  if (s.startsWith('$y$')) return yescryptProblem(s);
  if (s.startsWith('$6$')) return sha512cryptProblem(s);
  if (s.startsWith('$2')) return bcryptProblem(s);
  if (/^\$(7|gy)\$/.test(s)) {
    return `must be ${SCHEMES} (our policy: scrypt and gost-yescrypt work, but yescrypt is NixOS's default of the same family)`;
  }
  if (s.startsWith('$argon2')) return `must be ${SCHEMES}: an argon2 hash belongs in password_hash (the web sign-in), the console reads crypt(3)`;
  if (/^\$(5|1|md5|sha1|3)\$/.test(s)) {
    return `must be ${SCHEMES} (NixOS's libxcrypt is built with strong hashes only: sha256crypt, md5crypt and the like do not work there)`;
  }
  return `must be a crypt(3) hash: ${SCHEMES}`;
}
