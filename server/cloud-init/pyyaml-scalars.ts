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

export interface NonTextKey {
  /** Where the key sits: the dotted path of the mapping that holds it ("" at the top). */
  parent: string;
  line: number;
  /** The key as written when it is plain (then a word, a number or a date); null otherwise. */
  text: string | null;
  kind: Exclude<PyyamlKind, 'str'> | 'collection';
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
  const walk = (node: unknown, path: string): void => {
    if (!node || typeof node !== 'object' || seen.has(node) || isAlias(node)) return;
    seen.add(node);
    if (path === skip) return;
    if (isScalar(node)) {
      if (plainUntagged(node) && typeof node.source === 'string' && pyyamlPlainKind(node.source) === 'str') node.value = node.source;
      return;
    }
    if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, join(path, String(i))));
      return;
    }
    if (!isMap(node)) return;
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = pair.key;
      walk(key, path);
      const kind = keyKind(key);
      if (kind !== 'str' && kind !== 'merge') {
        // Only a plain key is shown: it matched one of the patterns above (a word, a number, a date).
        const shown = isScalar(key) && plainUntagged(key) ? textOf(key).slice(0, 40) : null;
        found.push({ parent: path, line: isNode(key) ? lineOf(key) : 0, text: shown, kind });
      }
      walk(pair.value, join(path, segment(key)));
    }
  };
  walk(doc.contents, '');
  return found;
}

/** A key in a path: shown when it is a name (a typo can turn a value into a key). */
function segment(key: unknown): string {
  const t = isScalar(key) ? textOf(key) : '';
  return /^[A-Za-z0-9_-]{1,40}$/.test(t) ? t : '(a key not shown)';
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
