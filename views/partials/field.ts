import { attr, html, type SafeHtml } from '../../server/web/html.js';

export interface FieldSpec {
  /** The dotted document path; also the form field name. */
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password' | 'url';
  /** The value to show; never given for a secret. */
  value?: string;
  /** A secret: the input is always empty, and "set" is shown when a value is stored. */
  secret?: { set: boolean };
  /** Textarea, one entry per line. */
  lines?: number;
  /** A select instead of an input. */
  options?: ReadonlyArray<{ value: string; label: string }>;
  errors?: ReadonlyArray<string>;
  hint?: SafeHtml | string;
  /** URL for inline validation on change (htmx); the response replaces this field by morphing. */
  check?: string;
  required?: boolean;
  autocomplete?: string;
  inputmode?: string;
  placeholder?: string;
  /** Extra markup after the input (a strength meter). */
  after?: SafeHtml;
}

/** The id of a field's input: dots are awkward in CSS selectors. */
export function fieldId(name: string): string {
  let id = FIELD_IDS.get(name);
  if (id === undefined) {
    id = `f-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
    // Names come from the steps' field tables; the bound only keeps a mistake from growing it.
    if (FIELD_IDS.size < 512) FIELD_IDS.set(name, id);
  }
  return id;
}

/** fieldId's answers: a page asks for each of its ~15 fields' ids several times, every request. */
const FIELD_IDS = new Map<string, string>();

/**
 * One labelled input with its hint and its errors right after it, tied together with
 * aria-describedby so a screen reader reads the error with the field.
 */
export function field(f: FieldSpec): SafeHtml {
  const id = fieldId(f.name);
  const invalid = (f.errors?.length ?? 0) > 0;
  const hinted = !!f.hint || f.secret?.set === true;
  const described = hinted && invalid ? `${id}-hint ${id}-error` : hinted ? `${id}-hint` : invalid ? `${id}-error` : '';
  const common = html`id="${id}" name="${f.name}"${attr('required', f.required)}${attr('aria-invalid', invalid ? 'true' : null)}${attr(
    'aria-describedby',
    described || null,
  )}${attr('autocomplete', f.autocomplete)}${attr('inputmode', f.inputmode)}${attr('placeholder', f.placeholder)}${
    f.check ? html` hx-post="${f.check}" hx-trigger="change" hx-target="closest .field" hx-select="#${id}-field" hx-swap="outerMorph"` : ''
  }`;
  const control = f.options
    ? html`<select ${common}>${f.options.map((o) => html`<option value="${o.value}"${attr('selected', o.value === f.value)}>${o.label}</option>`)}</select>`
    : f.lines
      ? html`<textarea ${common} rows="${f.lines}" spellcheck="false">${f.secret ? '' : (f.value ?? '')}</textarea>`
      : html`<input ${common} type="${f.type ?? 'text'}"${attr('value', f.secret ? null : (f.value ?? null))} spellcheck="false">`;
  const hint = f.secret?.set ? html`<span class="set">set</span> (leave empty to keep it)${f.hint ? html` ${f.hint}` : ''}` : f.hint;
  return html`<div class="field${invalid ? ' invalid' : ''}" id="${id}-field">
<label for="${id}">${f.label}${f.required ? html`<span class="req" aria-hidden="true"> *</span>` : ''}</label>
${control}${f.after ?? ''}
${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}
${invalid ? html`<p class="error" id="${id}-error">${f.errors!.map((e, i) => html`${i > 0 ? html`<br>` : ''}${e}`)}</p>` : ''}
</div>`;
}

/** A group of radio buttons in a fieldset (ipv4 method, tls mode). */
export function radios(f: {
  name: string;
  legend: string;
  value: string;
  options: ReadonlyArray<{ value: string; label: string; hint?: string }>;
  errors?: ReadonlyArray<string>;
}): SafeHtml {
  const id = fieldId(f.name);
  const invalid = (f.errors?.length ?? 0) > 0;
  return html`<fieldset class="field radios${invalid ? ' invalid' : ''}" id="${id}-field"${attr('aria-describedby', invalid ? `${id}-error` : null)}>
<legend>${f.legend}</legend>
${f.options.map(
  (o, i) =>
    html`<label class="radio"><input type="radio" name="${f.name}" value="${o.value}"${attr('id', i === 0 ? id : null)}${attr(
      'checked',
      o.value === f.value,
    )}${attr('aria-invalid', invalid ? 'true' : null)}> ${o.label}${o.hint ? html` <span class="hint">${o.hint}</span>` : ''}</label>`,
)}
${invalid ? html`<p class="error" id="${id}-error">${f.errors!.map((e, i) => html`${i > 0 ? html`<br>` : ''}${e}`)}</p>` : ''}
</fieldset>`;
}
