/**
 * Reading a network configuration's text: bounded (size, nesting, entries) before any parser,
 * UTF-8 only, JSON or YAML 1.1 as cloud-init's PyYAML reads it (./pyyaml-scalars.ts: text stays
 * text, and a key PyYAML does not read as text is refused with its path), but with duplicate
 * keys and non-standard tags refused, and without YAML 1.1's base-60 numbers as values (an
 * unquoted MAC address such as 52:54:00:12:34:56 stays text instead of turning into an integer).
 */
import { parseDocument } from 'yaml';
import { nestingProblem } from '../../config/input-bounds.js';
import { decodeUtf8 } from '../../config/read.js';
import type { FieldError } from '../../config/schema.js';
import { alignWithPyyaml, nonTextKeyMessage } from '../pyyaml-scalars.js';

/** Far more than any network configuration; Proxmox caps a whole seed at 3 MiB. */
export const MAX_NETWORK_CONFIG_BYTES = 256 * 1024;

const STANDARD_TAG = /^tag:yaml\.org,2002:(str|int|float|bool|null|seq|map|merge)$/;

export type TextRead = { ok: true; value: unknown } | { ok: false; errors: FieldError[] };

/**
 * `keysUnder`: judge the keys below this top-level key only (meta-data, where cloud-init's
 * network reader acts on `network` alone); by default every key.
 */
export function readNetworkText(bytes: Uint8Array, label: string, keysUnder?: string): TextRead {
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
      const again = readYaml(source, label, keysUnder);
      return again.ok ? { ok: true, value } : again;
    } catch {
      // YAML flow mappings start with { too; the YAML reader says what is wrong.
    }
  }
  return readYaml(source, label, keysUnder);
}

function readYaml(source: string, label: string, keysUnder: string | undefined): TextRead {
  const doc = parseDocument(source, {
    version: '1.1',
    uniqueKeys: true,
    prettyErrors: false,
    // Base-60 values are left out (an unquoted MAC stays text); what else the library's YAML 1.1
    // reads differently from PyYAML (`e0`, `y`) is put right by alignWithPyyaml below.
    customTags: (tags) => tags.filter((t) => typeof t === 'object' && STANDARD_TAG.test(t.tag) && t.format !== 'TIME'),
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
  // Names as cloud-init's PyYAML reads them: `e0`, `1e3` and `y` stay names; `on`, `0x1f` or `1_000` as a key is refused.
  const keys = alignWithPyyaml(doc, source).filter((k) => keysUnder === undefined || k.parent === keysUnder || k.parent.startsWith(`${keysUnder}.`));
  if (keys.length > 0) {
    return { ok: false, errors: keys.slice(0, 5).map((k) => ({ path: k.parent ? `${label} ${k.parent}` : label, message: nonTextKeyMessage(k) })) };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 50 }) };
  } catch {
    return { ok: false, errors: [{ path: label, message: 'uses too many YAML aliases' }] };
  }
}
