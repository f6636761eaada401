/**
 * Finds our `bowtie_setup` key in a cloud-config (YAML) or JSON user data document.
 *
 * Two readers, on purpose. The document as a whole belongs to cloud-init and to whoever wrote
 * the other keys: it is read leniently (YAML 1.1 like cloud-init's PyYAML, unknown tags and
 * duplicate keys tolerated) only to locate our key. The value under `bowtie_setup` is ours and
 * goes through the same strict reader as a file given to the CLI (readDocument: YAML 1.2 core
 * schema, no custom tags, no duplicate keys, bounded aliases), by handing it exactly its own
 * source text. Lines before it are kept as empty lines so that "at line N" in an error is the
 * line in the user data part.
 */
import { isAlias, isCollection, isMap, isPair, isScalar, parseDocument, Scalar, visit, type Document, type Pair } from 'yaml';
import { decodeUtf8, readDocument, type ReadResult } from '../config/read.js';
import type { FieldError } from '../config/schema.js';
import { nestingProblem } from '../config/input-bounds.js';
import { alignWithPyyaml, pyyamlKeyIsText, type NonTextKey } from './pyyaml-scalars.js';

export const KEY = 'bowtie_setup';

/**
 * The result for one cloud-config or JSON part. `top` is the whole part as the lenient reader
 * sees it (null when it is not a mapping): the published template and the other cloud-config
 * keys are judged from it. `nonText`, when there are any: the mapping keys cloud-init's PyYAML
 * does not read as text, outside bowtie_setup (those at the top are not in `top`); the caller
 * judges them by what it reads (non-text-keys.ts).
 */
export type Extracted =
  | { kind: 'absent'; note?: string; top: Record<string, unknown> | null; nonText?: NonTextKey[] }
  | { kind: 'found'; read: ReadResult; top: Record<string, unknown>; nonText?: NonTextKey[] }
  | { kind: 'invalid'; errors: FieldError[] };

const USER_DATA = '(user data)';

/**
 * `where` names the MIME part in messages ("part 2 (text/cloud-config, config.yaml)"), or is
 * null when the user data is this one document.
 */
export function extractFromCloudConfig(bytes: Uint8Array, where: string | null, format: 'yaml' | 'json'): Extracted {
  const invalid = (message: string, path = USER_DATA): Extracted => ({
    kind: 'invalid',
    errors: [{ path, message: where ? `${where} ${message}` : message }],
  });
  const text = decodeUtf8(bytes);
  if (text === null) return invalid('is not valid UTF-8');
  // Before any parser: deep nesting costs them memory out of all proportion to its size.
  const deep = nestingProblem(text);
  if (deep) return invalid(deep);
  if (format === 'json') {
    try {
      JSON.parse(text);
    } catch {
      // JSON.parse's message quotes the text around the error, which may be a secret.
      return invalid('starts with "{" but is not valid JSON');
    }
  }
  const doc = parseDocument(text, {
    version: format === 'json' ? '1.2' : '1.1',
    uniqueKeys: false,
    merge: true,
    // For the line numbers only: the messages themselves quote the source and are not used.
    prettyErrors: true,
    strict: false,
    logLevel: 'error',
  });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos ? ` at line ${e.linePos[0].line}` : '';
    const what = e.code === 'MULTIPLE_DOCS' ? 'holds more than one YAML document' : `is not valid YAML (${e.code.toLowerCase().replaceAll('_', ' ')})`;
    return invalid(`${what}${line}; cloud-init would not read it either`);
  }
  const refused = pyyamlRefusal(doc, text);
  if (refused) return invalid(`${refused}; cloud-init would not read it either`);
  // What cloud-init reads, as PyYAML reads it; our own value is read by the strict reader. The
  // keys PyYAML does not read as text are judged by the caller, which knows what it reads.
  const nonText = format === 'yaml' ? alignWithPyyaml(doc, text, KEY) : [];
  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) return { kind: 'absent', top: null };
  if (!isMap(contents)) return { kind: 'absent', note: `${where ?? 'the user data'} is not a mapping`, top: null };
  const keys = nonText.length > 0 ? { nonText } : {};
  const stand = standInsForNonTextKeys(contents.items);
  let top: Record<string, unknown>;
  try {
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    top = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return invalid('uses aliases (*name) too often to be read');
  }
  if (stand.size > 0) top = Object.fromEntries(Object.entries(top).filter(([name]) => !stand.has(name)));

  const ours = contents.items.filter((p) => isScalar(p.key) && p.key.value === KEY);
  if (ours.length > 1) return invalid(`has the ${KEY} key ${ours.length} times; give it once`);
  if (ours.length === 0) {
    // `<<: *defaults` could bring our key in from an anchor; we read only what is written out.
    const isMergeKey = (p: Pair) => isScalar(p.key) && (typeof p.key.value === 'symbol' || p.key.value === '<<');
    if (contents.items.some(isMergeKey) && mergedKeyPresent(doc)) {
      return invalid(`brings ${KEY} in with a "<<" merge key; write ${KEY} out in full`);
    }
    return { kind: 'absent', top, ...keys };
  }
  if (aliasesOutside(ours[0]!.value)) {
    return invalid('uses an alias (*name) to an anchor outside it; write its values out', KEY);
  }
  return { kind: 'found', read: readValue(text, ours[0]!), top, ...keys };
}

/**
 * A top-level key that is no name to cloud-init is left out of `top` (it is reported from
 * `nonText`): as text it would be "true" or "31", a name nobody wrote. Its key is swapped for a
 * stand-in that no written key has (its value stays, with any anchor on it); returns the stand-ins.
 */
function standInsForNonTextKeys(items: Pair[]): Set<string> {
  const written = new Set(items.map((p) => (isScalar(p.key) ? String(p.key.value) : '')));
  const stand = new Set<string>();
  for (const pair of items) {
    if (pyyamlKeyIsText(pair.key)) continue;
    let name = `(a key that is no name ${stand.size})`;
    while (written.has(name)) name += '_';
    stand.add(name);
    pair.key = new Scalar(name);
  }
  return stand;
}

/**
 * What PyYAML, cloud-init's reader, refuses although the lenient reader here takes it: a
 * mapping or list as a key (an unrendered `{{ NAME }}` placeholder is one: "found unhashable
 * key"), and `*` followed by anything but an anchor name (Proxmox's masked `password: **********`).
 * Says what it is and where, never the text around it.
 */
function pyyamlRefusal(doc: Document, text: string): string | null {
  let found: string | null = null;
  const lineOf = (node: { range?: [number, number, number] | null }) => (node.range ? ` at line ${countNewlines(text, node.range[0]) + 1}` : '');
  const placeholders: string[] = [];
  let firstLine = '';
  visit(doc, {
    Pair(_, pair) {
      if (!isCollection(pair.key)) return undefined;
      const key = pair.key;
      const inner = isMap(key) && key.items.length === 1 && isScalar(key.items[0]!.key) ? String((key.items[0]!.key as { value: unknown }).value) : null;
      // `{{ NAME }}`: a flow mapping whose one key is a flow mapping holding NAME.
      const before = key.range ? text.slice(Math.max(0, key.range[0] - 8), key.range[0]) : '';
      if (inner !== null && /^[A-Za-z_][A-Za-z0-9_.]{0,63}$/.test(inner) && /\{\s*$/.test(before)) {
        if (placeholders.length === 0) firstLine = lineOf(key);
        if (!placeholders.includes(inner)) placeholders.push(inner);
        return undefined;
      }
      found ??= `uses a mapping or list as a key${lineOf(key)}`;
      return undefined;
    },
    Alias(_, alias) {
      if (/^[A-Za-z0-9_-]+$/.test(alias.source)) return undefined;
      found ??= `has "*" followed by something other than an anchor name${lineOf(alias)} (YAML reads "*" as an alias; a masked value such as "**********" must be quoted, or the real value given)`;
      return undefined;
    },
  });
  if (placeholders.length > 0) {
    return `holds the placeholder${placeholders.length > 1 ? 's' : ''} ${placeholders.map((p) => `{{ ${p} }}`).join(', ')} (first${firstLine}), never filled in: YAML reads it as a mapping used as a key. Render the template before boot`;
  }
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the visitor above, which the checker cannot follow
  if (found) return found;
  // An alias to an anchor that does not exist (before it): PyYAML stops with "found undefined alias".
  const anchors = new Set<string>();
  visit(doc, (_, node) => {
    if (found) return visit.BREAK;
    const n = node as { anchor?: string };
    if (isAlias(node) && !anchors.has(node.source)) {
      // The name is not repeated: an unquoted value starting with "*" may be a password.
      found = `uses an alias (*name)${lineOf(node)} with no anchor (&name) before it`;
      return visit.BREAK;
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the node type says object; YAML hands other values to the visitor
    if (n && typeof n === 'object' && n.anchor) anchors.add(n.anchor);
    return undefined;
  });
  return found;
}

/** True when an alias inside `value` (or `value` itself) refers to an anchor defined outside it. */
function aliasesOutside(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  const anchors = new Set<string>();
  const aliases: string[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (isAlias(node)) return void aliases.push(node.source);
    const n = node as { anchor?: string; items?: unknown[]; key?: unknown; value?: unknown };
    if (n.anchor) anchors.add(n.anchor);
    n.items?.forEach(walk);
    if (isPair(node)) {
      walk(n.key);
      walk(n.value);
    }
  };
  walk(value);
  return aliases.some((a) => !anchors.has(a));
}

function mergedKeyPresent(doc: ReturnType<typeof parseDocument>): boolean {
  try {
    const value = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown> | null;
    return !!value && typeof value === 'object' && KEY in value;
  } catch {
    return false;
  }
}

/**
 * The value's own source text, from just after the key's colon (so that a tag or anchor on
 * the value is read, and judged, too) to the end of the value.
 */
function readValue(text: string, pair: Pair): ReadResult {
  const key = pair.key as { range?: [number, number, number] };
  const value = pair.value as { range?: [number, number, number] } | null;
  const keyEnd = key.range![1];
  const colon = text.indexOf(':', keyEnd);
  const end = value?.range ? value.range[1] : colon + 1;
  const lineStart = text.lastIndexOf('\n', colon) + 1;
  const linesBefore = countNewlines(text, lineStart);
  const source = '\n'.repeat(linesBefore) + ' '.repeat(colon + 1 - lineStart) + text.slice(colon + 1, end);
  const read = readDocument(Buffer.from(source, 'utf8'), 'auto');
  if (read.ok) return read;
  return { ok: false, errors: read.errors.map((e) => (e.path === '(document)' ? { ...e, path: KEY } : e)) };
}

function countNewlines(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
