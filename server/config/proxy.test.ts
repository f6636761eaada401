/**
 * network.proxy.url and no_proxy rules. The oracle for what the runtime hands to nix is curl
 * itself (libcurl is nix's downloader): given the environment file's URL as https_proxy, curl
 * sends a local proxy exactly the user name and password that were typed. Every refusal is
 * checked not to repeat the credentials.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noProxyProblem, parseProxyUrl, proxySecretValues, proxyUrlText, proxyUrlWithoutCredentials } from './proxy.js';

const run = promisify(execFile);

describe('parseProxyUrl', () => {
  it('splits scheme, host, port and canonical credentials', () => {
    expect(parseProxyUrl('HTTP://User:p%40ss@Proxy.Example.COM:3128/')).toEqual({
      ok: true,
      value: { scheme: 'http', host: 'proxy.example.com', port: 3128, credentials: 'User:p%40ss' },
    });
    expect(parseProxyUrl('https://[2001:DB8::1]:8443')).toEqual({ ok: true, value: { scheme: 'https', host: '[2001:db8::1]', port: 8443, credentials: null } });
    expect(parseProxyUrl("http://u:a$b'c(d)*+,;=!@10.0.0.1:1")).toMatchObject({
      ok: true,
      value: { credentials: 'u:a%24b%27c%28d%29%2A%2B%2C%3B%3D%21', host: '10.0.0.1' },
    });
    expect(parseProxyUrl('http://only-user@p.example:3128')).toMatchObject({ ok: true, value: { credentials: 'only-user' } });
    expect(proxyUrlText({ scheme: 'http', host: '[::1]', port: 3128 })).toBe('http://[::1]:3128');
  });

  const SECRET = 'Hunter2Secret';
  const refused: Array<[string, RegExp]> = [
    [`socks5://u:${SECRET}@p.example:1080`, /http:\/\/ or https:\/\//],
    [`ftp://u:${SECRET}@p.example:21`, /http:\/\/ or https:\/\//],
    [`http://u:${SECRET}@p.example`, /must name the port/],
    [`http://u:${SECRET}@p.example:0`, /1 to 65535/],
    [`http://u:${SECRET}@p.example:65536`, /1 to 65535/],
    [`http://u:${SECRET}@p.example:3128/path`, /path, query or fragment/],
    [`http://u:${SECRET}@p.example:3128?x=1`, /path, query or fragment/],
    [`http://u:${SECRET}@p.example:3128#f`, /path, query or fragment/],
    [`http://u:${SECRET}@p.example:3128\\x`, /path, query or fragment/],
    [`http://u:${SECRET}\n@p.example:3128`, /control characters/],
    [`http://u:${SECRET} x@p.example:3128`, /spaces/],
    [`http://u:${SECRET}"@p.example:3128`, /percent-encoded/],
    [`http://u:${SECRET}\${x}@p.example:3128`, /percent-encoded/],
    [`http://u:${SECRET}%0d%0aX:1@p.example:3128`, /control characters/],
    [`http://u:${SECRET}%ff@p.example:3128`, /invalid UTF-8/],
    [`http://u:${SECRET}%4@p.example:3128`, /percent-encoded/],
    [`http://:${SECRET}@p.example:3128`, /without a user name/],
    [`http://u:${SECRET}@[fe80::1%25eth0]:3128`, /zone/],
    [`http://u:${SECRET}@2001:db8::1:3128`, /brackets/],
    [`http://u:${SECRET}@[10.0.0.1]:3128`, /IPv6 address/],
    [`http://u:${SECRET}@300.1.1.1:3128`, /not a valid IPv4/],
    [`http://u:${SECRET}@p_x.example:3128`, /valid host/],
    [`http://u:${SECRET}@:3128`, /valid host/],
    [`http://u:${SECRET}@p.example.:3128`, /valid host/],
    [`//u:${SECRET}@p.example:3128`, /must be a URL/],
  ];
  for (const [input, message] of refused) {
    it(`refuses ${JSON.stringify(input.replace(SECRET, '…'))} without repeating the secret`, () => {
      const r = parseProxyUrl(input);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.message).toMatch(message);
      expect(r.message).not.toContain(SECRET);
    });
  }

  it('strips credentials for display and lists their forms for redaction', () => {
    expect(proxyUrlWithoutCredentials('http://u:p@ss@h.example:1/')).toBe('http://h.example:1/');
    expect(proxyUrlWithoutCredentials('not a url')).toBe('not a url');
    expect(proxySecretValues('svc:p%40ssword')).toEqual(['svc:p%40ssword', 'p%40ssword', 'p@ssword']);
    expect(proxySecretValues(null)).toEqual([]);
  });
});

describe('noProxyProblem', () => {
  it('takes hosts, domains, addresses and ranges; refuses blanks, commas and nonsense', () => {
    for (const ok of ['*', 'localhost', '.corp.example.com', 'corp.example.com', '10.0.0.1', '::1', '10.0.0.0/8', 'fd00::/8'])
      expect(noProxyProblem(ok), ok).toBeNull();
    for (const bad of ['a,b', 'a b', ' a', '', '10.0.0.0/33', '300.0.0.1', '${x}', '"a"', 'a\nb', '*.', 'x'.repeat(300)])
      expect(noProxyProblem(bad), JSON.stringify(bad)).not.toBeNull();
  });
});

describe("what curl (nix's downloader) makes of the runtime URL", () => {
  let proxy: Server;
  let port: number;
  const seen: string[] = [];
  beforeAll(async () => {
    proxy = createServer((req, res) => {
      seen.push(req.headers['proxy-authorization'] ?? '');
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    port = (proxy.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((r) => proxy.close(r)));

  const typed: Array<[string, string]> = [
    ['svc-bowtie', 'S3cr@t:with:colons'],
    ['DOMAIN\\user', `pa$$w'rd\${x}"%;(1)`],
    ['ünïcode', 'pässwörd 🦀 blanks'],
  ];
  for (const [user, password] of typed) {
    it(`curl sends ${JSON.stringify(user)} and the password as typed`, async () => {
      const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
      const parsed = parseProxyUrl(`http://${enc(user)}:${enc(password)}@127.0.0.1:${port}`);
      if (!parsed.ok) throw new Error(parsed.message);
      // What proxy-env.sh writes: scheme://credentials@host:port.
      const url = `http://${parsed.value.credentials}@127.0.0.1:${port}`;
      seen.length = 0;
      await run('curl', ['-sS', '--max-time', '10', 'http://metadata.invalid/stable.json'], { env: { PATH: process.env.PATH, http_proxy: url } });
      expect(seen).toHaveLength(1);
      expect(Buffer.from(seen[0]!.replace(/^Basic /, ''), 'base64').toString('utf8')).toBe(`${user}:${password}`);
    });
  }
});
