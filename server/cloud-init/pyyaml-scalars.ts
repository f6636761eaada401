/**
 * Plain YAML scalars as PyYAML reads them: cloud-init loads user data, meta-data and network
 * configurations with PyYAML's SafeLoader, whose implicit types are YAML 1.1's as PyYAML
 * spells them (yaml/resolver.py, Resolver). The `yaml` package's YAML 1.1 schema differs: it
 * reads `e0` and `1e3` as numbers and `y`/`n` as booleans, where PyYAML keeps the text. So
 * after the `yaml` package has read a document, every plain scalar that PyYAML reads as text is
 * given back its text, and a mapping key that PyYAML does not read as text (`on`, `no`, `null`,
 * `~`, `0x1f`, `1_000`, `1:20`, `2001-12-14`, ...) is found with its path: cloud-init would see
 * true, 31 or a date there, not the name that was written.
 */
import { isAlias, isMap, isNode, isPair, isScalar, isSeq, type Document, type Node, type Scalar } from 'yaml';

export type PyyamlKind = 'str' | 'bool' | 'int' | 'float' | 'null' | 'timestamp' | 'merge' | 'value';

/** yaml/resolver.py, in the order PyYAML tries them; the patterns are anchored as re.match with `$` is. */
const RESOLVERS: ReadonlyArray<[Exclude<PyyamlKind, 'str'>, RegExp]> = [
  ['bool', /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/],
  [
    'float',
    /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  ],
  ['int', /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/],
  ['merge', /^(?:<<)$/],
  ['null', /^(?:~|null|Null|NULL|)$/],
  [
    'timestamp',
    /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  ],
  ['value', /^(?:=)$/],
];

/** What PyYAML's SafeLoader makes of a plain (unquoted, untagged) scalar with this text. */
export function pyyamlPlainKind(text: string): PyyamlKind {
  for (const [kind, pattern] of RESOLVERS) if (pattern.test(text)) return kind;
  return 'str';
}

/**
 * False when PyYAML's SafeConstructor fails on a plain scalar it resolved to this kind, and so
 * refuses the whole document (ValueError): `0b_` and `0x_` (int('', 2)), a date that is not
 * one (`2001-02-30`, hour 25, second 60) or an offset of a day or more. cloud-init then reads
 * none of the user data.
 */
export function pyyamlConstructs(text: string, kind: PyyamlKind): boolean {
  if (kind === 'int') {
    const digits = text.replaceAll('_', '').replace(/^[-+]/, '');
    return !/^0[bx]$/.test(digits);
  }
  if (kind !== 'timestamp') return true;
  const m = /^(\d{4})-(\d\d?)-(\d\d?)(?:(?:[Tt]|[ \t]+)(\d\d?):(\d\d):(\d\d)(?:\.\d*)?(?:[ \t]*(?:Z|([-+])(\d\d?)(?::(\d\d))?))?)?$/.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  date.setUTCFullYear(year); // Date.UTC maps years 0-99 to 1900-1999
  if (year < 1 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59)) return false;
  // datetime.timezone takes an offset strictly within a day.
  return m[7] === undefined || Number(m[8]) * 60 + Number(m[9] ?? 0) < 24 * 60;
}

const KIND_WORDS: Record<Exclude<PyyamlKind, 'str'> | 'collection', string> = {
  collection: 'a mapping or list, which it cannot use as a key',
  bool: 'a boolean (true or false)',
  int: 'a number',
  float: 'a number',
  null: 'null (no value)',
  timestamp: 'a date',
  merge: 'a merge key',
  value: 'a value key it cannot read',
};

/** What cloud-init reads such a key as, in words. */
export function pyyamlKindWords(kind: NonTextKey['kind']): string {
  return KIND_WORDS[kind];
}

export interface NonTextKey {
  /** Where the key sits: the dotted path of the mapping that holds it ("" at the top). */
  parent: string;
  /** The top-level key it sits under, as the document's key text; null when it is itself at the top. */
  top: string | null;
  line: number;
  /** The key as written when it is plain (then a word, a number or a date); null otherwise. */
  text: string | null;
  kind: Exclude<PyyamlKind, 'str'> | 'collection';
  /** True when PyYAML stops at this key (pyyamlConstructs): cloud-init reads nothing of the document. */
  fatal: boolean;
}

/** A scalar written plain and untagged: the only kind PyYAML resolves implicitly. */
function plainUntagged(node: Scalar): boolean {
  return node.type === 'PLAIN' && !node.tag;
}

function textOf(node: unknown): string {
  if (isScalar(node)) return typeof node.source === 'string' ? node.source : String(node.value);
  return '?';
}

/**
 * Gives every plain scalar PyYAML reads as text its text back (in place), and returns the keys
 * it does not read as text. `skip` is a path below which nothing is judged (a value that is not
 * cloud-init's: our own bowtie_setup, read by the strict reader). Merge keys (`<<`) are left to
 * the caller, which decides about merging.
 */
export function alignWithPyyaml(doc: Document, text: string, skip: string | null = null): NonTextKey[] {
  const found: NonTextKey[] = [];
  const lineOf = (node: Node) => (node.range ? countNewlines(text, node.range[0]) + 1 : 0);
  const seen = new Set<unknown>();
  const walk = (node: unknown, path: string, top: string | null): void => {
    if (!node || typeof node !== 'object' || seen.has(node) || isAlias(node)) return;
    seen.add(node);
    if (path === skip) return;
    if (isScalar(node)) {
      if (plainUntagged(node) && typeof node.source === 'string' && pyyamlPlainKind(node.source) === 'str') node.value = node.source;
      return;
    }
    if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, join(path, String(i)), top));
      return;
    }
    if (!isMap(node)) return;
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = pair.key;
      walk(key, path, top);
      const kind = keyKind(key);
      if (kind !== 'str' && kind !== 'merge') {
        // Only a plain key is shown: it matched one of the patterns above (a word, a number, a date).
        const shown = isScalar(key) && plainUntagged(key) ? textOf(key).slice(0, 40) : null;
        const fatal = isScalar(key) && plainUntagged(key) && typeof key.source === 'string' && kind !== 'collection' && !pyyamlConstructs(key.source, kind);
        found.push({ parent: path, top, line: isNode(key) ? lineOf(key) : 0, text: shown, kind, fatal });
      }
      // Below the top, the top-level key is the one the value is under (as text: after walk(key) above).
      walk(pair.value, join(path, segment(key)), node === doc.contents ? (isScalar(key) ? String(key.value) : null) : top);
    }
  };
  walk(doc.contents, '', null);
  return found;
}

/** A key in a path: shown when it is a name (a typo can turn a value into a key). */
function segment(key: unknown): string {
  const t = isScalar(key) ? textOf(key) : '';
  return /^[A-Za-z0-9_-]{1,40}$/.test(t) ? t : '(a key not shown)';
}

/** True when PyYAML reads this mapping key as text (or as a merge key, which the caller judges). */
export function pyyamlKeyIsText(key: unknown): boolean {
  const kind = keyKind(key);
  return kind === 'str' || kind === 'merge';
}

/** What PyYAML makes of a mapping key. */
function keyKind(key: unknown): PyyamlKind | 'collection' {
  if (key === null || key === undefined) return 'null'; // an empty key
  if (isAlias(key)) return 'str'; // an alias key stands for its anchor, judged where it is written
  if (!isScalar(key)) return 'collection';
  if (plainUntagged(key) && typeof key.source === 'string') {
    const kind = pyyamlPlainKind(key.source);
    // SafeConstructor.flatten_mapping turns a `=` key into text.
    return kind === 'value' ? 'str' : kind;
  }
  // Quoted or explicitly tagged (`!!int 5: ...`): what the tag made of it.
  const v = key.value;
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || typeof v === 'bigint') return 'int';
  if (v === null) return 'null';
  if (v instanceof Date) return 'timestamp';
  return 'value';
}

/** The refusal for one such key: its path, its line, what cloud-init reads, and the remedy. */
export function nonTextKeyMessage(k: NonTextKey): string {
  const where = k.parent ? ` under ${k.parent}` : '';
  const key = k.text === null ? 'a key' : `the key ${JSON.stringify(k.text)}`;
  if (k.fatal)
    return `has ${key}${where} at line ${k.line}, which cloud-init's YAML reader takes for ${KIND_WORDS[k.kind]} and then cannot read, so cloud-init would read none of it; put it in quotes`;
  return `has ${key}${where} at line ${k.line}, which cloud-init's YAML reader takes for ${KIND_WORDS[k.kind]}, not for the name written; put it in quotes`;
}

function join(path: string, segment: string): string {
  return path ? `${path}.${segment}` : segment;
}

function countNewlines(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
