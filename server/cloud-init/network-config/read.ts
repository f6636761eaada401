/**
 * Reading a network configuration's text: bounded (size, nesting, entries) before any parser,
 * UTF-8 only, JSON or YAML 1.1 as cloud-init's PyYAML reads it, but with duplicate keys and
 * non-standard tags refused, and without YAML 1.1's base-60 numbers (an unquoted MAC address
 * such as 52:54:00:12:34:56 stays text instead of turning into an integer) and exponent-only
 * floats (an interface named e0 stays a name).
 */
import { parseDocument } from 'yaml';
import { nestingProblem } from '../../config/input-bounds.js';
import { decodeUtf8 } from '../../config/read.js';
import type { FieldError } from '../../config/schema.js';

/** Far more than any network configuration; Proxmox caps a whole seed at 3 MiB. */
export const MAX_NETWORK_CONFIG_BYTES = 256 * 1024;

const STANDARD_TAG = /^tag:yaml\.org,2002:(str|int|float|bool|null|seq|map|merge)$/;

export type TextRead = { ok: true; value: unknown } | { ok: false; errors: FieldError[] };

export function readNetworkText(bytes: Uint8Array, label: string): TextRead {
  const fail = (message: string): TextRead => ({ ok: false, errors: [{ path: label, message }] });
  if (bytes.length > MAX_NETWORK_CONFIG_BYTES) return fail(`is larger than ${MAX_NETWORK_CONFIG_BYTES} bytes`);
  let source = decodeUtf8(bytes);
  if (source === null) return fail('is not valid UTF-8');
  if (source.startsWith('\uFEFF')) source = source.slice(1);
  if (source.includes('\0')) return fail('must not contain NUL characters');
  const deep = nestingProblem(source);
  if (deep) return fail(deep);
  if (/^\s*\{/.test(source)) {
    try {
      const value: unknown = JSON.parse(source);
      // JSON.parse keeps the last of duplicate keys; the YAML reader below finds them.
      const again = readYaml(source, label);
      return again.ok ? { ok: true, value } : again;
    } catch {
      // YAML flow mappings start with { too; the YAML reader says what is wrong.
    }
  }
  return readYaml(source, label);
}

function readYaml(source: string, label: string): TextRead {
  const doc = parseDocument(source, {
    version: '1.1',
    uniqueKeys: true,
    prettyErrors: false,
    // The library's YAML 1.1 exponent form takes `e0` for a number (PyYAML needs a dot): left out too.
    customTags: (tags) => tags.filter((t) => typeof t === 'object' && STANDARD_TAG.test(t.tag) && t.format !== 'TIME' && t.format !== 'EXP'),
  });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    // Messages quote the source; keep the kind and the line only.
    return {
      ok: false,
      errors: problems.slice(0, 5).map((p) => {
        const where = p.linePos ? ` at line ${p.linePos[0].line}, column ${p.linePos[0].col}` : '';
        const what =
          p.code === 'DUPLICATE_KEY'
            ? 'has a duplicate key'
            : p.code === 'TAG_RESOLVE_FAILED'
              ? 'uses a YAML tag bowtie-setup does not read'
              : `is not valid YAML (${p.code.toLowerCase().replaceAll('_', ' ')})`;
        return { path: label, message: `${what}${where}` };
      }),
    };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 50 }) };
  } catch {
    return { ok: false, errors: [{ path: label, message: 'uses too many YAML aliases' }] };
  }
}
