/**
 * `## template: jinja` user data. cloud-init renders it with Jinja2 and the instance data
 * (`v1.instance_id`, `ds.meta_data`, ...) before it reads the result. There is no Jinja engine
 * in bowtie-setup (docs/decisions/0305), so a template is read only when rendering could not
 * change it: no `{{ }}`, `{% %}` or `{# #}` in it. Otherwise the first construct is named.
 */
import { decodeUtf8 } from '../config/read.js';

export type JinjaReading =
  /** Nothing to render: the body after the header line is what Jinja would give back. */
  | { kind: 'plain'; body: Uint8Array }
  | { kind: 'construct'; construct: string; line: number }
  | { kind: 'invalid'; message: string };

/** A dotted name such as v1.local_hostname: safe to show (it is a name, not a value). */
const NAME = /^[A-Za-z_][A-Za-z0-9_.]{0,63}$/;

export function readJinja(payload: Uint8Array): JinjaReading {
  const text = decodeUtf8(payload);
  if (text === null) return { kind: 'invalid', message: 'is not valid UTF-8' };
  const newline = text.indexOf('\n');
  const body = newline === -1 ? '' : text.slice(newline + 1);
  const m = /\{\{-?([\s\S]{0,200}?)-?\}\}|\{%-?\s*([A-Za-z_]*)|\{#/.exec(body);
  if (!m) return { kind: 'plain', body: Buffer.from(body, 'utf8') };
  const line = text.slice(0, newline + 1 + m.index).split('\n').length;
  let construct: string;
  if (m[0].startsWith('{{')) {
    const expr = (m[1] ?? '').trim();
    construct = NAME.test(expr) ? `the expression {{ ${expr} }}` : 'a {{ ... }} expression';
  } else if (m[0].startsWith('{%')) {
    construct = m[2] && /^[a-z_]{1,20}$/.test(m[2]) ? `the statement {% ${m[2]} %}` : 'a {% ... %} statement';
  } else construct = 'a {# ... #} comment';
  return { kind: 'construct', construct, line };
}
