/**
 * Mapping keys of a cloud-config part that cloud-init's PyYAML does not read as text (`on`,
 * `0x1f`, `2001-12-14`, ...; pyyaml-scalars.ts), judged by whether bowtie-setup reads the
 * value they sit in (docs/decisions/0306). Under a top-level key we read (the host name keys,
 * the default account's, the controller template's), one is refused: we would act on a name
 * cloud-init does not see. At the top level, one is reported "not acted on" beside the other
 * keys, saying what cloud-init reads it as. Under a top-level key we do not act on, none is
 * judged: that key has its own "not acted on" line, and the module that reads it is cloud-init's.
 * Except a key PyYAML stops at (`0b_`, `2001-02-30`): cloud-init would read none of the part,
 * so it is refused wherever it is.
 * Lines and errors name a key only when it is plain, never a value; both lists are capped.
 */
import type { FieldError } from '../config/schema.js';
import { nonTextKeyMessage, pyyamlKindWords, type NonTextKey } from './pyyaml-scalars.js';

const USER_DATA = '(user data)';

/** As many lines or errors as are shown; the rest are counted. */
const SHOWN = 5;

/** A key as written, shown when it is short and of the characters a word, number or date has. */
const SHOWN_KEY = /^[A-Za-z0-9_.:+~= -]{1,40}$/;

/** The refusals for keys under a top-level key in `read`; empty when there are none. */
export function nonTextKeyErrors(keys: readonly NonTextKey[], read: ReadonlySet<string>, where: string | null): FieldError[] {
  const refused = keys.filter((k) => k.fatal || (k.top !== null && read.has(k.top)));
  const more = refused.length > SHOWN ? ` (and ${refused.length - SHOWN} more such keys)` : '';
  return refused.slice(0, SHOWN).map((k, i) => ({
    path: k.parent || USER_DATA,
    message: `${where ? `${where} ` : ''}${nonTextKeyMessage(k)}${k.top !== null && read.has(k.top) ? ` (bowtie-setup reads ${k.top})` : ''}${i === SHOWN - 1 ? more : ''}`,
  }));
}

/** One "not acted on" line per top-level such key, in the order written, capped. */
export function nonTextKeyLines(keys: readonly NonTextKey[], where: string | null): string[] {
  const at = where ?? 'the user data';
  const atTop = keys.filter((k) => k.parent === '');
  const lines = atTop.slice(0, SHOWN).map((k) => {
    const key = k.text !== null && SHOWN_KEY.test(k.text) ? `key ${JSON.stringify(k.text)}` : 'has a key (not shown)';
    return `${at} ${key} at line ${k.line}: not acted on; cloud-init's YAML reader takes it for ${pyyamlKindWords(k.kind)}, not for the name written (quote it if a cloud-init module should read it)`;
  });
  if (atTop.length > SHOWN) lines.push(`${at} has ${atTop.length - SHOWN} more such keys: not acted on`);
  return lines;
}
