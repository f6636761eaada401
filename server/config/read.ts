import { parseDocument as parseYaml } from 'yaml';
import { nestingProblem } from './input-bounds.js';
import { MAX_DOCUMENT_BYTES } from './limits.js';
import type { FieldError } from './schema.js';

export type ReadResult = { ok: true; value: unknown } | { ok: false; errors: FieldError[] };

const DOCUMENT = '(document)';

function fail(message: string): ReadResult {
  return { ok: false, errors: [{ path: DOCUMENT, message }] };
}

/** Decodes bytes as UTF-8, refusing invalid sequences instead of replacing them. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Parses a config document given as YAML 1.2 or JSON (JSON is YAML 1.2 too, but parsed with
 * JSON.parse when it looks like JSON so that its errors read like JSON errors). Size-limited,
 * duplicate keys are an error, no tags, no anchors beyond a few aliases.
 */
export function readDocument(bytes: Uint8Array, format: 'yaml' | 'json' | 'auto' = 'auto'): ReadResult {
  if (bytes.length > MAX_DOCUMENT_BYTES) return fail(`is larger than ${MAX_DOCUMENT_BYTES} bytes`);
  const source = decodeUtf8(bytes);
  if (source === null) return fail('is not valid UTF-8');
  if (source.includes('\0')) return fail('must not contain NUL characters');
  const deep = nestingProblem(source);
  if (deep) return fail(deep);
  const looksJson = /^\s*[{[]/.test(source);
  if (format === 'json' || (format === 'auto' && looksJson)) {
    try {
      return checkDuplicateFree(source, JSON.parse(source));
    } catch (e) {
      // V8's message quotes the text around the error, which may be a secret: keep the position only.
      if (format === 'json') return fail(`is not valid JSON${jsonErrorPosition(source, e)}`);
    }
  }
  return readYaml(source);
}

function readYaml(source: string): ReadResult {
  const doc = parseYaml(source, {
    version: '1.2',
    schema: 'core',
    uniqueKeys: true,
    merge: false,
    customTags: [],
    prettyErrors: false,
    strict: true,
  });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    // YAML messages quote the source around the error, which may be a secret: keep only the
    // kind of error and its line.
    return { ok: false, errors: problems.map((p) => ({ path: DOCUMENT, message: yamlMessage(p) })) };
  }
  let tagged = false;
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as { tag?: string; items?: unknown[]; key?: unknown; value?: unknown };
    if (n.tag && !/^tag:yaml\.org,2002:(str|int|float|bool|null|seq|map)$/.test(n.tag)) tagged = true;
    n.items?.forEach(visit);
    visit(n.key);
    visit(n.value);
  };
  visit(doc.contents);
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by visit(), which the checker cannot follow
  if (tagged) return fail('must not use YAML tags other than the standard ones');
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 50 }) };
  } catch {
    return fail('uses too many YAML aliases');
  }
}

function yamlMessage(e: { code: string; linePos?: [{ line: number; col: number }, ...unknown[]] }): string {
  const where = e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
  const what: Record<string, string> = {
    DUPLICATE_KEY: 'has a duplicate key',
    TAG_RESOLVE_FAILED: 'uses an unknown YAML tag',
    BAD_ALIAS: 'uses an undefined YAML alias',
    MULTIPLE_DOCS: 'must hold a single YAML document',
  };
  return `${what[e.code] ?? `is not valid YAML (${e.code.toLowerCase().replaceAll('_', ' ')})`}${where}`;
}

/** JSON.parse keeps the last of duplicate keys silently; we treat duplicates as errors. */
function checkDuplicateFree(source: string, value: unknown): ReadResult {
  const yaml = readYaml(source);
  if (!yaml.ok && yaml.errors.some((e) => e.message.startsWith('has a duplicate key'))) return yaml;
  return { ok: true, value };
}

function jsonErrorPosition(source: string, e: unknown): string {
  const m = /position (\d+)/.exec((e as Error).message);
  if (!m) return '';
  const before = source.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  return ` at line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
}
