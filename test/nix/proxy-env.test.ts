/**
 * nix/modules/proxy-env.sh, the root ExecStartPre that puts the proxy's credentials into a unit's
 * environment file, run by the real bash on what bowtie-setup writes to the secret file: the URL
 * it builds gives back the credentials as typed (WHATWG URL decoding, as the daemon's and curl's
 * readers do), the file is root-only, and malformed credentials are refused without being shown.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseProxyUrl, proxyUrlText } from '../../server/config/proxy.js';

const SCRIPT = fileURLToPath(new URL('../../nix/modules/proxy-env.sh', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bowtie-proxy-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(credentials: string, url: string) {
  const cred = join(dir, 'proxy-credentials');
  const out = join(dir, 'proxy-unit.env');
  rmSync(out, { force: true });
  writeFileSync(cred, credentials, { mode: 0o600 });
  const r = spawnSync('bash', [SCRIPT, cred, out, url], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, out };
}

/** An environment file of plain KEY=value lines, as systemd reads one without quotes. */
function envLines(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('proxy-env.sh', () => {
  const typed = [
    ['svc-bowtie', 'S3cr@t-p4ss'],
    ['us${er', `pa$$w'rd\${x}";(1)`],
    ['dom\\user', 'pässwörd 🦀 with blanks'],
    ['only-user', undefined],
    ['a', ''],
  ] as const;

  for (const [user, password] of typed) {
    it(`carries ${JSON.stringify(user)} / ${password === undefined ? '(no password)' : 'a password'} into all four variables`, () => {
      const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
      const input = `http://${enc(user)}${password === undefined ? '' : `:${enc(password)}`}@proxy.corp.example.com:3128`;
      const parsed = parseProxyUrl(input);
      if (!parsed.ok) throw new Error(parsed.message);
      const r = run(parsed.value.credentials!, proxyUrlText(parsed.value));
      expect(r.status, r.stderr).toBe(0);
      expect(statSync(r.out).mode & 0o777).toBe(0o600);
      const env = envLines(r.out);
      expect(Object.keys(env)).toEqual(['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']);
      for (const value of Object.values(env)) {
        // Nothing an environment file would unquote or a shell would expand.
        expect(value).toMatch(/^http:\/\/[A-Za-z0-9._~%:-]+@proxy\.corp\.example\.com:3128$/);
        const url = new URL(value);
        expect(decodeURIComponent(url.username)).toBe(user);
        expect(decodeURIComponent(url.password)).toBe(password ?? '');
        expect(url.host).toBe('proxy.corp.example.com:3128');
      }
    });
  }

  it('keeps an IPv6 proxy host in brackets', () => {
    const r = run('u:p', 'https://[2001:db8::10]:8443');
    expect(r.status, r.stderr).toBe(0);
    expect(envLines(r.out).HTTPS_PROXY).toBe('https://u:p@[2001:db8::10]:8443');
  });

  it('refuses a secret file that is not percent-encoded credentials, without showing it', () => {
    for (const bad of ['user:pa ss', 'user:"x"', 'user:$(id)', 'user:p\nHTTP_PROXY=http://evil:1', '', ':nouser']) {
      const r = run(bad, 'http://proxy.example.com:3128');
      expect(r.status, JSON.stringify(bad)).not.toBe(0);
      expect(r.stderr).toMatch(/does not hold percent-encoded proxy credentials/);
      if (bad.length > 3) expect(r.stderr).not.toContain(bad.split(':')[1]);
      expect(() => statSync(r.out)).toThrow();
    }
  });

  it("never leaves the previous start's credentials behind when the file has become unusable", () => {
    const out = join(dir, 'proxy-unit.env');
    expect(run('u:p', 'http://proxy.example.com:3128').status).toBe(0);
    writeFileSync(join(dir, 'proxy-credentials'), 'u:p w');
    const r = spawnSync('bash', [SCRIPT, join(dir, 'proxy-credentials'), out, 'http://proxy.example.com:3128'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(() => statSync(out)).toThrow();
  });

  it('refuses a URL that is not http(s)', () => {
    expect(run('u:p', 'socks5://proxy.example.com:1080').status).not.toBe(0);
  });

  it('is valid bash (bash -n)', () => {
    expect(() => execFileSync('bash', ['-n', SCRIPT])).not.toThrow();
  });
});
