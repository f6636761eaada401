import { ARGON2_PARAMS } from './limits.js';

/**
 * The native module, loaded at the first hash or check: the apply worker imports this module
 * for the rare ticket that carries a password, and every apply would pay for loading the addon
 * before its first nixos-rebuild (docs/decisions/0690).
 */
let native: Promise<typeof import('argon2')> | null = null;
const argon2 = () => (native ??= import('argon2'));

/**
 * argon2id with our parameters (above OWASP's minimum; recorded in the PHC string). Each hash
 * takes ARGON2_PARAMS.memoryCost KiB, so at most MAX_CONCURRENT run at once: a burst of
 * submissions waits in line instead of exhausting the appliance's memory.
 */
export const MAX_CONCURRENT_HASHES = 2;

let running = 0;
const waiting: Array<() => void> = [];

async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_HASHES) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

export function hashPassword(password: string): Promise<string> {
  return slot(async () => {
    const a = await argon2();
    return a.hash(password, { type: a.argon2id, ...ARGON2_PARAMS });
  });
}

export function verifyPassword(hash: string, password: string): Promise<boolean> {
  return slot(async () => (await argon2()).verify(hash, password).catch(() => false));
}
