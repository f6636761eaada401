import { describe, expect, it } from 'vitest';
import { MAX_DOCUMENT_BYTES } from './limits.js';
import { readDocument } from './read.js';

const read = (s: string | Uint8Array) => readDocument(typeof s === 'string' ? Buffer.from(s) : s);

describe('reading config documents', () => {
  it('reads YAML 1.2: yes/no/on stay strings, no octal surprises', () => {
    expect(read('a: yes\nb: on\nc: 0755\nd: true\n')).toEqual({ ok: true, value: { a: 'yes', b: 'on', c: 755, d: true } });
  });
  it('reads JSON', () => expect(read('{"a": [1, "x"]}')).toEqual({ ok: true, value: { a: [1, 'x'] } }));
  it('strips a UTF-8 byte order mark', () => expect(read('\ufeffa: 1\n')).toEqual({ ok: true, value: { a: 1 } }));
  it('rejects invalid UTF-8 without guessing', () => {
    const r = read(Uint8Array.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
    expect(r).toEqual({ ok: false, errors: [{ path: '(document)', message: 'is not valid UTF-8' }] });
  });
  it('rejects NUL bytes', () => expect(read('a: "x\0y"\n').ok).toBe(false));
  it('rejects oversized documents before parsing', () => {
    const r = read(Buffer.alloc(MAX_DOCUMENT_BYTES + 1, 0x20));
    expect(r.ok || r.errors[0]!.message).toMatch(/larger than/);
  });
  it('rejects duplicate keys in YAML and in JSON', () => {
    expect(read('a: 1\na: 2\n').ok).toBe(false);
    expect(read('{"a": 1, "a": 2}').ok).toBe(false);
  });
  it('rejects tags and merge keys', () => {
    expect(read('a: !!binary aGVsbG8=\n').ok).toBe(false);
    expect(read('a: !custom x\n').ok).toBe(false);
    const merged = read('base: &b { x: 1 }\nother:\n  <<: *b\n');
    expect(merged.ok && (merged.value as { other: Record<string, unknown> }).other).not.toHaveProperty('x');
  });
  it('refuses alias bombs', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...Array.from({ length: 8 }, (_, i) => {
        const p = String.fromCharCode(97 + i);
        const n = String.fromCharCode(98 + i);
        return `${n}: &${n} [*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p}]`;
      }),
    ].join('\n');
    expect(read(bomb).ok).toBe(false);
  });
  it('does not quote the document in JSON errors', () => {
    const r = readDocument(Buffer.from('{"admin": {"password": hunter2-Secret-Value}}'), 'json');
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).toMatch(/is not valid JSON/);
    expect(JSON.stringify(r)).not.toMatch(/hunter|Secret/);
  });
  it('does not quote the document in YAML errors (it may hold a secret)', () => {
    const r = read('admin:\n  password: "unterminated-secret-value\n');
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain('unterminated-secret-value');
  });
});
