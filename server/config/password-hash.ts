/** The document's two password hashes: argon2 for the web sign-in, crypt(3) for the console. */
export { argon2HashProblem, checkArgon2Hash, parseArgon2Hash, ARGON2_CEILING } from './argon2-hash.js';
export type { Argon2HashOptions, Argon2HashVerdict, Argon2Parameters } from './argon2-hash.js';
export { cryptHashProblem, CRYPT_CEILING } from './crypt-hash.js';
import { parseArgon2Hash } from './argon2-hash.js';

/**
 * The parameters of a well-formed legacy `$argon2i$` hash, as the controller's published tool
 * makes them (m=4096, 4 MiB); null for anything else. Accepted only from the controller
 * template (docs/decisions/0305), with a warning; we never make one. Within libargon2's limits
 * and our cost ceiling like every other hash (./argon2-hash.ts).
 */
export function legacyArgon2iParams(s: string): { m: number; t: number; p: number } | null {
  const parsed = parseArgon2Hash(s);
  if (typeof parsed === 'string' || parsed.type !== 'argon2i') return null;
  return { m: parsed.m, t: parsed.t, p: parsed.p };
}
