/**
 * Property test: documents whose free-text fields hold hostile strings render to fragments that
 * the real Nix evaluator reads back as exactly the document's values. All fragments of a run
 * are evaluated in one nix-instantiate process.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateDocument } from '../../server/config/validate.js';
import { nixString } from '../../server/nix/encode.js';
import { fragmentData, renderFragment } from '../../server/nix/render.js';
import { evalFragments, requireNix } from '../helpers/nix.js';

const RUNS = Number(process.env.ROUNDTRIP_RUNS ?? 10_000);
const NOW = new Date('2026-06-01T00:00:00Z');

/** Pieces that break naive encoders: interpolation, both string kinds, escapes, controls. */
const HOSTILE = [
  '${',
  '}',
  '$',
  '$$',
  "''",
  "'''",
  "''${",
  "''\\",
  '\\',
  '\\\\',
  '"',
  '\\"',
  '\r',
  '\n',
  '\r\n',
  '\t',
  '\u0001',
  '\u001b[31m',
  '\u007f',
  '\u0085',
  '\u2028',
  '\u2029',
  '\ufeff',
  '🦀',
  '👩‍👩‍👧',
  'Zürich',
  '東京',
  '${builtins.readFile /etc/shadow}',
  '"; }; x = {',
  '#',
  '/*',
  '*/',
  ' ',
  '',
];
const hostile = (opts: { minLength: number; maxLength: number }) =>
  fc
    .array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', maxLength: 8 })), {
      minLength: opts.minLength,
      maxLength: opts.maxLength,
    })
    .map((parts) =>
      parts
        .join('')
        .replaceAll('\0', '')
        .replace(/[\ud800-\udfff]/g, ''),
    );

const siteName = hostile({ minLength: 1, maxLength: 12 })
  .map((s) => [...s].slice(0, 128).join(''))
  .filter((s) => s.trim() !== '');
const longName = fc.constantFrom('x'.repeat(128), '${'.repeat(64), '\\'.repeat(128), '🦀'.repeat(128));

// Email local parts: RFC 5322 dot-atom (which allows $ { } ' | ~) or a quoted string.
const atext = fc.constantFrom(..."abcXYZ019!#$%&'*+/=?^_`{|}~-".split(''), '${', "''", 'é', '🦀');
const dotAtom = fc
  .array(
    fc.array(atext, { minLength: 1, maxLength: 6 }).map((a) => a.join('')),
    { minLength: 1, maxLength: 3 },
  )
  .map((a) => a.join('.'));
const qtext = fc.constantFrom('a', ' ', '${', "''", '\\"', '\\\\', '(', ')', ',', ';', '@', '[', ']', 'ü');
const quoted = fc.array(qtext, { maxLength: 8 }).map((a) => `"${a.join('')}"`);
const email = fc
  .oneof(dotAtom, quoted)
  .filter((l) => l.length <= 64)
  .map((l) => `${l}@example.com`);

const comment = hostile({ minLength: 0, maxLength: 10 });
const SSH_BLOB = 'AAAAC3NzaC1lZDI1NTE5AAAAIBcwCHmfonosD9uU5lAXh1O8btwR2vJZqKYgq/jEX4Z2';
const sshKey = comment.map((c) => (c === '' ? `ssh-ed25519 ${SSH_BLOB}` : `ssh-ed25519 ${SSH_BLOB} ${c}`));

const pathChar = fc.constantFrom(
  'a',
  'Z',
  '9',
  '${',
  "''",
  '\\',
  '"',
  '%20',
  '~',
  '!',
  '$',
  '&',
  "'",
  '(',
  ')',
  '*',
  '+',
  ',',
  ';',
  '=',
  ':',
  '@',
  '/',
  '{',
  '}',
  '|',
  '^',
  '`',
  'é',
  '🦀',
);
const url = fc
  .tuple(fc.constantFrom('ctl-1.corp.example.com', '10.0.0.7:8443', '[2001:db8::7]'), fc.array(pathChar, { maxLength: 12 }))
  .map(([host, path]) => `https://${host}/${path.join('')}`);

// The network's advanced fields: a VLAN id, an MTU, and a proxy whose credentials (hostile text,
// percent-encoded as a person would) must leave the fragment while host and port stay.
const PASSWORD_MARK = 'PROXYSECRET-';
const noControls = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '');
const proxyHost = fc.constantFrom('proxy.corp.example.com', 'PROXY.Example.COM', '10.1.2.3', '[2001:db8::3128]', '[::1]');
const proxy = fc
  .record({
    scheme: fc.constantFrom('http', 'https', 'HTTP'),
    host: proxyHost,
    port: fc.integer({ min: 1, max: 65535 }),
    user: fc.option(
      hostile({ minLength: 1, maxLength: 6 })
        .map(noControls)
        .filter((u) => u !== ''),
      { nil: undefined },
    ),
    password: hostile({ minLength: 0, maxLength: 6 }).map((p) => PASSWORD_MARK + noControls(p)),
    no_proxy: fc.array(fc.constantFrom('.corp.example.com', 'localhost', '10.0.0.0/8', 'fd00::/8', '*', '::1', 'a-b.example'), { maxLength: 4 }),
  })
  .map((p) => ({
    expected: `${p.scheme.toLowerCase()}://${p.host.toLowerCase()}:${p.port}`,
    credentials: p.user !== undefined,
    proxy: {
      url: `${p.scheme}://${p.user === undefined ? '' : `${encodeURIComponent(p.user)}:${encodeURIComponent(p.password)}@`}${p.host}:${p.port}`,
      no_proxy: p.no_proxy,
    },
  }));
const network = fc
  .record({
    interface: fc.constant('ens5'),
    vlan: fc.option(fc.integer({ min: 1, max: 4094 }), { nil: undefined }),
    mtu: fc.option(fc.integer({ min: 576, max: 9000 }), { nil: undefined }),
    proxy: fc.option(proxy, { nil: undefined }),
  })
  .map((n) => (n.mtu !== undefined && n.mtu < 1280 ? { ...n, ipv6: { method: 'off' as const } } : n));

const document = fc.record({
  hostname: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/),
  site: fc.record({ name: fc.oneof({ weight: 9, arbitrary: siteName }, { weight: 1, arbitrary: longName }) }),
  admin: fc.record({
    email,
    password: fc.constant('correct-horse-battery-staple'),
    ssh_authorized_keys: fc.array(sshKey, { maxLength: 3 }),
  }),
  enrollment: fc.record({
    site_id: fc.uuid({ version: 4 }),
    token: fc.constant('psk-0123456789abcdef0123456789'),
    entrypoints: fc.array(url, { maxLength: 3 }),
  }),
  network,
});

/** The generated record as a config document (the proxy's expectations left out). */
function asDocument(d: typeof document extends fc.Arbitrary<infer T> ? T : never) {
  const { proxy: p, ...net } = d.network;
  return { ...d, network: { ...net, ...(p ? { proxy: p.proxy } : {}) } };
}

describe('hostile documents round-trip through the real Nix evaluator', () => {
  it(`${RUNS} generated documents give back exactly their values`, () => {
    requireNix();
    const docs = fc.sample(document, { numRuns: RUNS, seed: Number(process.env.ROUNDTRIP_SEED ?? 20261127) });
    const rendered = docs.map((generated) => {
      const doc = asDocument(generated);
      const result = validateDocument(doc, 'complete', NOW);
      if (!result.ok) throw new Error(`generator produced an invalid document: ${JSON.stringify(result.errors)} ${JSON.stringify(doc)}`);
      return { doc, generated, fragment: renderFragment(result.config), data: fragmentData(result.config) };
    });
    const evaluated = evalFragments(rendered.map((r) => r.fragment)) as Array<ReturnType<typeof fragmentData>>;
    expect(evaluated).toHaveLength(RUNS);
    rendered.forEach(({ doc, generated, fragment, data }, i) => {
      const site = evaluated[i] as unknown as {
        network: { vlan?: number; mtu?: number; proxy?: { url: string; credentials_file: string | null; no_proxy: string[] } };
        site: { name: string };
        admin: { email: string; ssh_authorized_keys: string[] };
        enrollment: { entrypoints: string[] };
      };
      // The values the operator typed, compared with what Nix read; then the whole structure.
      expect(site.site.name).toBe(doc.site.name);
      expect(site.admin.email).toBe(doc.admin.email);
      expect(site.admin.ssh_authorized_keys).toEqual(doc.admin.ssh_authorized_keys);
      expect(site.enrollment.entrypoints).toEqual(doc.enrollment.entrypoints);
      expect(site.network.vlan).toBe(doc.network.vlan);
      expect(site.network.mtu).toBe(doc.network.mtu);
      const p = generated.network.proxy;
      expect(site.network.proxy?.url).toBe(p?.expected);
      expect(site.network.proxy?.no_proxy).toEqual(p?.proxy.no_proxy);
      expect(site.network.proxy?.credentials_file ?? null).toBe(p?.credentials ? '/var/lib/bowtie-setup/secrets/proxy-credentials' : null);
      expect(fragment).not.toContain(PASSWORD_MARK);
      expect(fragment).not.toContain(encodeURIComponent(PASSWORD_MARK));
      expect(evaluated[i]).toEqual(data);
    });
  }, 180_000);

  it('every code point outside the surrogates and NUL survives the encoder', () => {
    requireNix();
    const chunks: string[] = [];
    for (let start = 1; start < 0x110000; start += 0x1000) {
      let s = '';
      for (let cp = start; cp < Math.min(start + 0x1000, 0x110000); cp++) {
        if (cp < 0xd800 || cp > 0xdfff) s += String.fromCodePoint(cp);
      }
      chunks.push(s);
    }
    const fragments = chunks.map((s) => `{ bowtie.site = ${nixString(s)}; }\n`);
    expect(evalFragments(fragments)).toEqual(chunks);
  });
});
