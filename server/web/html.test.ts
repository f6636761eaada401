import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldId } from '../../views/partials/field.js';
import { attr, escapeHtml, html } from './html.js';

describe('html``', () => {
  it('escapes every interpolation, including inside attributes', () => {
    const evil = `"><script>alert('x')</script>&\``;
    expect(html`<p title="${evil}">${evil}</p>`.value).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&#96;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&#96;</p>',
    );
  });

  it('nests without escaping twice, joins lists, drops null, undefined and false', () => {
    const item = (s: string) => html`<li>${s}</li>`;
    expect(html`<ul>${['a<b', 'c'].map(item)}</ul>${null}${undefined}${false}${0}`.value).toBe('<ul><li>a&lt;b</li><li>c</li></ul>0');
  });

  it('writes attributes that are present or absent', () => {
    expect(html`<input${attr('required', true)}${attr('disabled', false)}${attr('value', 'a"b')}${attr('x', null)}>`.value).toBe(
      '<input required value="a&quot;b">',
    );
  });

  it('escapes as one replace over the whole string would, with or without a character to escape', () => {
    // The reference: what escapeHtml was before it first tested for a character to replace.
    const E: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };
    const reference = (s: string) => s.replace(/[&<>"'`]/g, (c) => E[c]!);
    const text = fc.string({ unit: fc.constantFrom('a', ' ', '-', 'é', '&', '<', '>', '"', "'", '`', '\u2028'), maxLength: 40 });
    fc.assert(fc.property(fc.oneof(text, fc.string()), (s) => escapeHtml(s) === reference(s)));
    for (const c of Object.keys(E)) expect(escapeHtml(`x${c}`)).toBe(`x${E[c]}`);
    const plain = 'f-network.ipv4.address';
    expect(escapeHtml(plain)).toBe(plain);
  });

  it('gives field ids from names the same way every time, past its cache of 512 names too', () => {
    const names = Array.from({ length: 600 }, (_, i) => `network.ipv4.x${i}<"`);
    for (let round = 0; round < 2; round++) for (const n of names) expect(fieldId(n)).toBe(`f-${n.replace(/[^A-Za-z0-9_-]/g, '-')}`);
    expect(fieldId('network.ipv4.address')).toBe('f-network-ipv4-address');
    expect(html`<i${attr('a', null)}${attr('b', false)}${attr('c', undefined)}>`.value).toBe('<i>');
  });
});
