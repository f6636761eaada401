/**
 * The one encoder from data to Nix source. Total over strings without NUL: every other
 * character either stands for itself inside a double-quoted Nix string or is escaped. Keys are
 * never user input (they come from the schema), but are checked anyway.
 */
export class NixEncodeError extends Error {}

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '"': '\\"',
  // "${" would start an interpolation; escaping every "$" is simpler and always right.
  $: '\\$',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

export function nixString(s: string): string {
  if (s.includes('\0')) throw new NixEncodeError('a Nix string cannot hold NUL');
  if (!s.isWellFormed()) throw new NixEncodeError('a Nix string must be valid Unicode');
  return `"${s.replace(/[\\"$\n\r\t]/g, (c) => ESCAPES[c]!)}"`;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_'-]*$/;
const KEYWORDS = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit', 'or']);

export function nixKey(k: string): string {
  return IDENT.test(k) && !KEYWORDS.has(k) ? k : nixString(k);
}

export type NixValue = string | boolean | null | number | NixValue[] | { [key: string]: NixValue };

/** Pretty-prints a value with two-space indentation; the order of keys is the object's order. */
export function nixValue(v: NixValue, indent = ''): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new NixEncodeError('only safe integers are encoded');
    return String(v);
  }
  if (typeof v === 'string') return nixString(v);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[ ]';
    return `[\n${v.map((x) => `${inner}${nixValue(x, inner)}\n`).join('')}${indent}]`;
  }
  const entries = Object.entries(v);
  if (entries.length === 0) return '{ }';
  return `{\n${entries.map(([k, x]) => `${inner}${nixKey(k)} = ${nixValue(x, inner)};\n`).join('')}${indent}}`;
}
