/**
 * `## template: jinja` user data. cloud-init renders it with Jinja2 and the instance data
 * (`v1.instance_id`, `ds.meta_data`, ...) before it reads the result. There is no Jinja engine
 * in bowtie-setup (docs/decisions/0305), so a template is read only when rendering could not
 * change it: no `{{ }}`, `{% %}` or `{# #}` in it. Otherwise the first construct is named.
 */
import { decodeUtf8 } from '../config/read.js';

export type JinjaReading =
  /** Nothing to render: the body after the header line is what Jinja would give back. */
  { kind: 'plain'; body: Uint8Array } | { kind: 'construct'; construct: string; line: number } | { kind: 'invalid'; message: string };

/** A dotted name such as v1.local_hostname: safe to show (it is a name, not a value). */
const NAME = /^[A-Za-z_][A-Za-z0-9_.]{0,63}$/;

export function readJinja(payload: Uint8Array): JinjaReading {
  const text = decodeUtf8(payload);
  if (text === null) return { kind: 'invalid', message: 'is not valid UTF-8' };
  const newline = text.indexOf('\n');
  const body = newline === -1 ? '' : text.slice(newline + 1);
  // The first delimiter, found with indexOf (linear), then looked at locally.
  const at = ['{{', '{%', '{#'].map((d) => body.indexOf(d)).filter((i) => i !== -1);
  if (at.length === 0) return { kind: 'plain', body: Buffer.from(body, 'utf8') };
  const start = Math.min(...at);
  const line = text.slice(0, newline + 1 + start).split('\n').length;
  const near = body.slice(start, start + 256);
  let construct: string;
  if (near.startsWith('{{')) {
    const end = near.indexOf('}}');
    const expr = end === -1 ? '' : near.slice(2, end).replace(/^-|-$/g, '').trim();
    construct = NAME.test(expr) ? `the expression {{ ${expr} }}` : 'a {{ ... }} expression';
  } else if (near.startsWith('{%')) {
    const tag = /^\{%-?\s*([a-z_]{1,20})\b/.exec(near)?.[1];
    construct = tag ? `the statement {% ${tag} %}` : 'a {% ... %} statement';
  } else construct = 'a {# ... #} comment';
  return { kind: 'construct', construct, line };
}
