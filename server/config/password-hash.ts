/** The document's two password hashes: argon2 for the web sign-in, crypt(3) for the console. */
export { argon2HashProblem, checkArgon2Hash, parseArgon2Hash, ARGON2_CEILING } from './argon2-hash.js';
export type { Argon2HashOptions, Argon2HashVerdict, Argon2Parameters } from './argon2-hash.js';
export { cryptHashProblem, CRYPT_CEILING } from './crypt-hash.js';
