/**
 * `#cloud-config-archive`: a YAML (or JSON) list of parts, each a string or a mapping with
 * `content`, `type` and `filename`. cloud-init (user_data.py, _explode_archive) turns each into
 * a MIME part; a part without a type gets it from its first line, else text/cloud-config. We
 * do the same and read the parts like any MIME part.
 */
import { parseDocument } from 'yaml';
import { decodeUtf8 } from '../config/read.js';
import { nestingProblem } from '../config/input-bounds.js';
import { MAX_MIME_PARTS } from './limits.js';
import { alignWithPyyaml } from './pyyaml-scalars.js';
import type { MimeResult } from './mime.js';

export function explodeArchive(payload: Uint8Array, sniff: (bytes: Uint8Array) => string | null): MimeResult {
  const text = decodeUtf8(payload);
  if (text === null) return { ok: false, message: 'is not valid UTF-8' };
  const deep = nestingProblem(text);
  if (deep) return { ok: false, message: deep };
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: false, strict: false, logLevel: 'error' });
  if (doc.errors.length > 0) return { ok: false, message: 'is not valid YAML' };
  // Parts as PyYAML reads them (a part's content written `1e3` is that text); keys are cloud-init's business.
  alignWithPyyaml(doc, text);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch {
    return { ok: false, message: 'uses aliases (*name) too often to be read' };
  }
  if (!Array.isArray(value)) return { ok: false, message: 'is not a list of parts' };
  if (value.length > MAX_MIME_PARTS) return { ok: false, message: `has more than ${MAX_MIME_PARTS} parts` };
  const parts = [];
  for (const entry of value) {
    const ent: unknown = typeof entry === 'string' ? { content: entry } : entry;
    // cloud-init skips what is neither a string nor a mapping.
    if (!ent || typeof ent !== 'object' || Array.isArray(ent)) continue;
    const { content, type, filename } = ent as Record<string, unknown>;
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content instanceof Uint8Array ? content : Buffer.alloc(0);
    const given = typeof type === 'string' && type.trim() !== '' ? type.trim().toLowerCase() : null;
    parts.push({
      type: given ?? sniff(bytes) ?? (content instanceof Uint8Array ? 'application/octet-stream' : 'text/cloud-config'),
      filename: typeof filename === 'string' ? filename : null,
      bytes,
    });
  }
  return { ok: true, parts };
}
