/**
 * A cheap look at YAML or JSON text before any parser sees it (docs/decisions/0620). Parsers
 * build a node for every bracket: 4 MB of `[` took 2.3 GB in the YAML library before it was
 * refused. This scan is one pass over the text in constant memory and refuses nesting deeper
 * than MAX_NESTING, counting what nests in YAML and JSON: flow brackets (`[` and `{` outside
 * quotes and comments), block indentation levels, and compact sequences (`- - -` on one line).
 * It can only over-count (a bracket inside a plain scalar), never under-count, and real
 * documents stay far below the limit.
 */

/** Deeper than any configuration document; shallow enough that no parser struggles. */
export const MAX_NESTING = 64;

/**
 * More entries (block entries and flow items) than any configuration document has; the YAML
 * library spends about 12 microseconds of CPU on each.
 */
export const MAX_ENTRIES = 50_000;

/** Null when `text` is shallow and small enough to parse; else the problem, without quoting the text. */
export function nestingProblem(text: string, max = MAX_NESTING): string | null {
  let flow = 0;
  let entries = 0;
  const indents: number[] = [];
  let lineNo = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    // Start of a line: block structure (only outside flow collections).
    let col = 0;
    while (i < n && text.charCodeAt(i) === 0x20) {
      i++;
      col++;
    }
    const blank = i >= n || text[i] === '\n' || text[i] === '\r' || text[i] === '#';
    if (!blank && ++entries > MAX_ENTRIES) return tooMany();
    if (flow === 0 && !blank) {
      while (indents.length > 0 && indents[indents.length - 1]! >= col) indents.pop();
      indents.push(col);
      // Compact nested sequences and complex keys on one line each open a level.
      let j = i;
      while (j + 1 < n && (text[j] === '-' || text[j] === '?') && (text[j + 1] === ' ' || text[j + 1] === '\t')) {
        indents.push(col + (j - i) + 1);
        j += 2;
        while (j < n && text[j] === ' ') j++;
      }
      if (indents.length > max) return tooDeep(lineNo, max);
    }
    // The rest of the line: flow brackets outside quotes and comments.
    let quote: '"' | "'" | null = null;
    const lineStart = i;
    for (; i < n && text[i] !== '\n'; i++) {
      const c = text[i];
      if (quote) {
        if (c === '\\' && quote === '"') i++;
        else if (c === quote) quote = null;
        continue;
      }
      if (c === '"' || c === "'") quote = c;
      else if (c === '#' && (i === lineStart || text[i - 1] === ' ' || text[i - 1] === '\t')) {
        while (i < n && text[i] !== '\n') i++;
        break;
      } else if (c === '[' || c === '{') {
        flow++;
        if (flow + indents.length > max) return tooDeep(lineNo, max);
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
      else if (c === ',' && flow > 0 && ++entries > MAX_ENTRIES) return tooMany();
    }
    i++;
    lineNo++;
  }
  return null;
}

function tooMany(): string {
  return `has more than ${MAX_ENTRIES} entries`;
}

function tooDeep(line: number, max: number): string {
  return `nests deeper than ${max} levels (at line ${line})`;
}
