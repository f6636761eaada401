/**
 * nix/modules/nix-daemon-proxy.nix through lib.evalModules (test/nix/eval-modules.nix, in its
 * own nix-instantiate run): nixos-rebuild's substitutions run in nix-daemon, which gets the
 * site's proxy like bowtie_server and the update do, credentials from the same root-only file
 * by the same ExecStartPre, but optional, so the daemon starts whatever that file holds. The
 * command line the module gives systemd is then run with the real script (bash).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findNixpkgsLib, requireNix } from '../helpers/nix.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const HARNESS = join(REPO, 'test/nix/eval-modules.nix');
const SCRIPT = join(REPO, 'nix/modules/proxy-env.sh');
const CREDENTIALS = '/var/lib/bowtie-setup/secrets/proxy-credentials';
const ENV_FILE = '/run/bowtie-setup/proxy-nix-daemon.env';

const nixpkgsLib = findNixpkgsLib();
if (!nixpkgsLib.dir && process.env.CI) throw new Error(`test/nix/nix-daemon-proxy.test.ts: nixpkgs' lib not found under CI: ${nixpkgsLib.reason}`);
const withLib = it.skipIf(!nixpkgsLib.dir);

const site = (network: string) => `{ bowtie.site = { hostname = "ctl-1"; site.name = "x"; network = { ${network} }; }; }`;
const FRAGMENTS: Record<string, string> = {
  'no-site': '{ }',
  'no-proxy': site(''),
  'proxy-plain': site('proxy = { url = "http://proxy.corp.example.com:3128"; no_proxy = [ "10.0.0.0/8" ".corp.example.com" ]; };'),
  'proxy-credentials': site(`proxy = { url = "https://[2001:db8::10]:8443"; credentials_file = "${CREDENTIALS}"; no_proxy = [ "localhost" ]; };`),
};

interface Unit {
  environment?: Record<string, string>;
  serviceConfig?: { ExecStartPre?: string[]; EnvironmentFile?: string[] };
}
interface Evaluated {
  name: string;
  ok: boolean;
  failedAssertions: string[];
  systemd: { services?: Record<string, Unit> };
}

let evaluated: Map<string, Evaluated> | null = null;
function get(name: string): Evaluated {
  if (!evaluated) {
    requireNix();
    const dir = mkdtempSync(join(tmpdir(), 'bowtie-nix-daemon-proxy-'));
    try {
      const entries = Object.entries(FRAGMENTS).map(([n, source]) => {
        writeFileSync(join(dir, `${n}.nix`), source);
        return `{ name = ${JSON.stringify(n)}; module = ${join(dir, `${n}.nix`)}; }`;
      });
      const expr = `map (e: { inherit (e) name ok; failedAssertions = e.failedAssertions or [ ]; systemd = e.systemd or { }; }) (import ${HARNESS} { lib = import ${nixpkgsLib.dir!}; fragments = [ ${entries.join(' ')} ]; })`;
      const out = execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '--expr', expr], {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
        env: { ...process.env, NIX_PATH: '' },
      });
      evaluated = new Map((JSON.parse(out) as Evaluated[]).map((e) => [e.name, e]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const e = evaluated.get(name);
  if (!e?.ok) throw new Error(`${name} did not evaluate`);
  return e;
}
const nixDaemon = (name: string) => get(name).systemd.services?.['nix-daemon'];

describe(`the nix daemon and the site's proxy (lib.evalModules)${nixpkgsLib.dir ? '' : ` (skipped: ${nixpkgsLib.reason})`}`, () => {
  withLib('no site, or a site without a proxy: the daemon is left as NixOS makes it', () => {
    expect(nixDaemon('no-site')).toBeUndefined();
    expect(nixDaemon('no-proxy')).toBeUndefined();
  });

  withLib('a proxy without credentials: HTTP(S)_PROXY and NO_PROXY in the environment, upper and lower case, as for the update', () => {
    const unit = nixDaemon('proxy-plain')!;
    const url = 'http://proxy.corp.example.com:3128';
    const noProxy = '10.0.0.0/8,.corp.example.com';
    expect(unit.environment).toEqual({ HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, NO_PROXY: noProxy, no_proxy: noProxy });
    expect(unit.serviceConfig ?? {}).toEqual({});
    expect(get('proxy-plain').systemd.services!['bowtie-update']?.environment).toBeUndefined(); // a partial site runs no update: the daemon still gets it
  });

  withLib('a proxy with credentials: no URL in the store, a root ExecStartPre that may fail without stopping the daemon, an optional environment file', () => {
    const unit = nixDaemon('proxy-credentials')!;
    expect(unit.environment).toEqual({ NO_PROXY: 'localhost', no_proxy: 'localhost' });
    expect(unit.serviceConfig?.ExecStartPre).toEqual([
      `-+/nix/store/00000000000000000000000000000000-bowtie-proxy-env --optional ${CREDENTIALS} ${ENV_FILE} https://[2001:db8::10]:8443`,
    ]);
    expect(unit.serviceConfig?.EnvironmentFile).toEqual([`-${ENV_FILE}`]);
    expect(get('proxy-credentials').failedAssertions).toEqual([]);
  });

  describe('the ExecStartPre the module writes, run with the real script', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bowtie-nix-daemon-env-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const cred = join(dir, 'proxy-credentials');
    const out = join(dir, 'proxy-nix-daemon.env');

    /** The command line systemd runs, with the two files moved into the test's directory. */
    function start(): { status: number | null; stderr: string; env: string | null } {
      const line = nixDaemon('proxy-credentials')!.serviceConfig!.ExecStartPre![0]!;
      expect(line.startsWith('-+')).toBe(true);
      const args = line
        .slice(2)
        .split(' ')
        .slice(1)
        .map((a) => (a === CREDENTIALS ? cred : a === ENV_FILE ? out : a));
      const r = spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8' });
      let env: string | null;
      try {
        env = readFileSync(out, 'utf8');
        expect(statSync(out).mode & 0o777).toBe(0o600);
      } catch {
        env = null;
      }
      return { status: r.status, stderr: r.stderr, env };
    }

    withLib('with the credentials file: the URL with them in all four variables', () => {
      writeFileSync(cred, 'svc-bowtie:S3cr%40t', { mode: 0o600 });
      const r = start();
      expect(r.status, r.stderr).toBe(0);
      const url = 'https://svc-bowtie:S3cr%40t@[2001:db8::10]:8443';
      expect(r.env).toBe(`HTTP_PROXY=${url}\nHTTPS_PROXY=${url}\nhttp_proxy=${url}\nhttps_proxy=${url}\n`);
    });

    withLib('without it: the daemon starts with the proxy and without credentials, and the journal says why', () => {
      writeFileSync(cred, 'svc-bowtie:S3cr%40t', { mode: 0o600 });
      expect(start().env).toContain('svc-bowtie');
      rmSync(cred);
      const r = start();
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/is absent; the proxy is used without credentials/);
      // The previous start's credentials are gone with the file.
      expect(r.env).toBe(
        'HTTP_PROXY=https://[2001:db8::10]:8443\nHTTPS_PROXY=https://[2001:db8::10]:8443\nhttp_proxy=https://[2001:db8::10]:8443\nhttps_proxy=https://[2001:db8::10]:8443\n',
      );
    });

    withLib('with a malformed file: the daemon starts without credentials, and nothing of the file is shown', () => {
      writeFileSync(cred, 'user:pa ss$(id)\nHTTP_PROXY=http://evil.example:1', { mode: 0o600 });
      const r = start();
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/does not hold percent-encoded proxy credentials; the proxy is used without them/);
      expect(r.stderr).not.toMatch(/pa ss|evil/);
      expect(r.env).not.toMatch(/evil|pa ss|@/);
    });
  });
});
