/**
 * Checks on plain strings, shared by the field rules. No zod here: the web server loads these
 * (through names.ts) before it loads the schema (docs/decisions/0540).
 */

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
