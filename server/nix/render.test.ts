import { describe, expect, it } from 'vitest';
import { validateDocument } from '../config/validate.js';
import { NixEncodeError, nixKey, nixString, nixValue } from './encode.js';
import { documentHash, renderFragment } from './render.js';

const base = {
  hostname: 'ctl-01',
  admin: { email: 'ops@example.com', password: 'correct-horse-battery-staple' },
  enrollment: { site_id: '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b', token: 'psk-0123456789abcdef0123456789' },
};
const render = (doc: unknown) => {
  const r = validateDocument(doc, 'any');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return renderFragment(r.config);
};

describe('the Nix string encoder', () => {
  it('escapes exactly backslash, quote, dollar, LF, CR and tab', () => {
    expect(nixString('a\\b"c$d\ne\rf\tg${h}')).toBe('"a\\\\b\\"c\\$d\\ne\\rf\\tg\\${h}"');
  });
  it('leaves other characters as they are', () => expect(nixString("''\u0001\u2028🦀")).toBe('"\'\'\u0001\u2028🦀"'));
  it('rejects NUL and lone surrogates', () => {
    expect(() => nixString('a\0b')).toThrow(NixEncodeError);
    expect(() => nixString('\ud800')).toThrow(NixEncodeError);
  });
  it('quotes keys that are not identifiers', () => {
    expect(nixKey('site_id')).toBe('site_id');
    expect(nixKey('in')).toBe('"in"');
    expect(nixKey('a.b')).toBe('"a.b"');
  });
  it('refuses numbers Nix would round', () => expect(() => nixValue(2 ** 60)).toThrow(NixEncodeError));
});

describe('rendering', () => {
  it('is deterministic and independent of key order in the input', () => {
    const reordered = { enrollment: base.enrollment, admin: { password: base.admin.password, email: base.admin.email }, hostname: 'ctl-01' };
    expect(render(base)).toBe(render(base));
    expect(render(reordered)).toBe(render(base));
  });
  it('keeps secrets out and references them as absolute path strings, never path literals', () => {
    const out = render({ ...base, admin: { ...base.admin, console_password_hash: '$6$saltsalt$' + 'a'.repeat(85) + '.' } });
    expect(out).not.toContain('correct-horse-battery-staple');
    expect(out).not.toContain('psk-0123456789abcdef0123456789');
    expect(out).not.toContain('$6$saltsalt');
    expect(out).toContain('password_hash_file = "/var/lib/bowtie-setup/secrets/admin-password-hash";');
    expect(out).toContain('token_file = "/var/lib/bowtie-setup/secrets/enrollment-token";');
    expect(out).toMatch(/console_password_hash_file = "\/var\/lib/);
    expect(out).not.toMatch(/= \/var\//);
  });
  it('hashes the canonical document without secrets in the header', () => {
    const a = validateDocument(base, 'any');
    const b = validateDocument({ ...base, admin: { ...base.admin, password: 'another-password-entirely' } }, 'any');
    const c = validateDocument({ ...base, hostname: 'ctl-02' }, 'any');
    if (!a.ok || !b.ok || !c.ok) throw new Error('invalid');
    expect(documentHash(a.config)).toBe(documentHash(b.config));
    expect(documentHash(a.config)).not.toBe(documentHash(c.config));
    expect(renderFragment(a.config)).toContain(`# document-sha256: ${documentHash(a.config)}`);
  });
});
