import argon2 from 'argon2';
import { ARGON2_PARAMS } from './limits.js';

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
  return slot(() => argon2.hash(password, { type: argon2.argon2id, ...ARGON2_PARAMS }));
}

export function verifyPassword(hash: string, password: string): Promise<boolean> {
  return slot(() => argon2.verify(hash, password).catch(() => false));
}
