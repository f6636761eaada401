/**
 * The one-time setup code that claims the wizard: shown on the VM console and kept in
 * `<root>/var/lib/bowtie-setup/web/setup-code` (0600, the web user's own directory), never logged. It stays valid until setup
 * completes (a restart or an expired session must not lock the owner out) and is replaced by
 * a reset (docs/decisions/0202-setup-code.md).
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../system/atomic-file.js';
import { SETUP_CODE_FILE } from '../nix/paths.js';

/** No 0/O, 1/I/L: what is read off a console and typed must not be ambiguous. */
export const SETUP_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
/** 16 symbols of 31: 79 bits. */
export const SETUP_CODE_LENGTH = 16;
export const SETUP_CODE_GROUP = 4;

export function setupCodeBits(): number {
  return SETUP_CODE_LENGTH * Math.log2(SETUP_CODE_ALPHABET.length);
}

export function generateSetupCode(): string {
  let code = '';
  for (let i = 0; i < SETUP_CODE_LENGTH; i++) code += SETUP_CODE_ALPHABET.charAt(randomInt(SETUP_CODE_ALPHABET.length));
  return code;
}

/** "ABCD-EFGH-JKMN-PQRS": groups a person can read aloud and type. */
export function formatSetupCode(code: string): string {
  return code.match(new RegExp(`.{1,${SETUP_CODE_GROUP}}`, 'g'))!.join('-');
}

/** What the person typed, without spaces, dashes and case. */
export function normalizeSetupCode(input: string): string {
  return input.replace(/[\s-]/g, '').toUpperCase();
}

/** Constant-time: compares digests, so neither length nor content leaks through timing. */
export function setupCodeMatches(expected: string, input: string): boolean {
  const a = createHash('sha256').update(normalizeSetupCode(expected)).digest();
  const b = createHash('sha256').update(normalizeSetupCode(input)).digest();
  return timingSafeEqual(a, b);
}

export function setupCodePath(root: string): string {
  return join(root, SETUP_CODE_FILE);
}

/**
 * The stored file's text, or null: never through a link, only a small regular file (a reset
 * calls this as root in the wizard's directory, docs/decisions/0500).
 */
async function readCodeFile(file: string): Promise<string | null> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') return null;
    throw e;
  }
  try {
    const st = await handle.stat();
    return st.isFile() && st.size <= 256 ? await handle.readFile('utf8') : null;
  } finally {
    await handle.close();
  }
}

/** The stored code, or a new one written 0600 in a 0700 directory (a link or odd file there is replaced). */
export async function loadOrCreateSetupCode(root: string): Promise<{ code: string; created: boolean }> {
  const file = setupCodePath(root);
  const stored = await readCodeFile(file);
  if (stored !== null) {
    const code = normalizeSetupCode(stored);
    if (code.length === SETUP_CODE_LENGTH && [...code].every((c) => SETUP_CODE_ALPHABET.includes(c))) return { code, created: false };
  }
  const code = generateSetupCode();
  await writeFileAtomic(file, `${formatSetupCode(code)}\n`, { mode: 0o600, dirMode: 0o700 });
  return { code, created: true };
}
