import { describe, expect, it } from 'vitest';
import { attr, html } from './html.js';

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
});
