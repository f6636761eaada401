/**
 * HTML built with tagged template literals that escape every interpolation by default. Only a
 * value that is already `SafeHtml` (the result of another html`` call) goes in unescaped, so
 * a forgotten escape is impossible to write. There is deliberately no "raw" escape hatch:
 * markup of our own is written inside the template.
 * Chosen over a template engine: type-checked views, no second language, no runtime compile
 * step (docs/decisions/0200-html-tagged-templates.md).
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

const SPECIAL = /[&<>"'`]/;
const SPECIALS = /[&<>"'`]/g;

export function escapeHtml(s: string): string {
  // Most interpolated values (ids, names, class names, plain words) hold nothing to escape, and
  // a page has ~300 of them: the test is several times cheaper than a replace that finds nothing.
  return SPECIAL.test(s) ? s.replace(SPECIALS, (c) => ESCAPES[c]!) : s;
}

/** What may be interpolated: text (escaped), safe HTML, lists of either, or nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | ReadonlyArray<HtmlValue>;

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) {
    let out = '';
    for (const v of value as readonly HtmlValue[]) out += render(v);
    return out;
  }
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** An attribute that is present or absent: attr('disabled', cond) or attr('value', text). */
export function attr(name: string, value: string | boolean | null | undefined): SafeHtml {
  if (value === false || value === null || value === undefined) return NO_ATTRIBUTE;
  if (value === true) return new SafeHtml(` ${name}`);
  return new SafeHtml(` ${name}="${escapeHtml(value)}"`);
}

/** An absent attribute: one shared value, as most attributes of a page are absent. */
const NO_ATTRIBUTE = new SafeHtml('');
