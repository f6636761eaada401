/**
 * A rough strength hint for the admin password: the guessing space of its character classes
 * and length, less for repeats, sequences and well-known passwords. A hint only: the schema's
 * length rule is the one that rejects.
 */
const COMMON = ['password', 'passw0rd', 'qwerty', 'letmein', 'welcome', 'admin', 'bowtie', 'changeme', '123456', 'iloveyou', 'dragon', 'monkey'];

export interface Strength {
  bits: number;
  label: 'weak' | 'fair' | 'good' | 'strong';
}

export function passwordStrength(password: string): Strength {
  const chars = [...password];
  let pool = 0;
  if (/[a-z]/.test(password)) pool += 26;
  if (/[A-Z]/.test(password)) pool += 26;
  if (/[0-9]/.test(password)) pool += 10;
  if (/[^A-Za-z0-9\u0080-\u{10FFFF}]/u.test(password)) pool += 33;
  if (/[\u0080-\u{10FFFF}]/u.test(password)) pool += 100;
  // Count a character only when it differs from the one before and does not continue a run (abc, 321).
  let effective = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!.codePointAt(0)!;
    const p = i > 0 ? chars[i - 1]!.codePointAt(0)! : NaN;
    const pp = i > 1 ? chars[i - 2]!.codePointAt(0)! : NaN;
    const repeat = c === p;
    const run = Math.abs(c - p) === 1 && c - p === p - pp;
    effective += repeat || run ? 0.25 : 1;
  }
  let bits = effective * Math.log2(Math.max(pool, 1));
  const lower = password.toLowerCase();
  if (COMMON.some((w) => lower.includes(w))) bits = Math.min(bits, 20 + (chars.length - 8) * 2);
  bits = Math.max(0, Math.round(bits));
  const label = bits < 40 ? 'weak' : bits < 60 ? 'fair' : bits < 80 ? 'good' : 'strong';
  return { bits, label };
}
