import { z } from 'zod';

/**
 * The base of every string in the document: no NUL (it cannot be written to a Nix file or a
 * C string) and no lone UTF-16 surrogates (they are not Unicode and cannot be written as UTF-8).
 * Every other character is allowed here; the Nix encoder makes them safe.
 */
export function text() {
  return z
    .string()
    .refine((s) => !s.includes('\0'), { message: 'must not contain NUL characters', abort: true })
    .refine((s) => s.isWellFormed(), { message: 'must be valid Unicode text', abort: true });
}

/** Length in code points, which is what a person counts (an emoji is one character). */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** True when the string holds a C0/C1 control character or a Unicode line/paragraph separator. */
export function hasControlOrSpace(s: string): boolean {
  return /[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]/u.test(s);
}
