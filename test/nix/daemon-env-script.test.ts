/**
 * The root ExecStartPre of bowtie_server (nix/modules/bowtie-server.nix) writes the sync PSK
 * and, with single sign-on, the client secret into the daemon's EnvironmentFile. Its shell
 * text is taken from the module as Nix would write it and run with bash: hostile secrets come
 * out quoted for systemd's parser, the file is 0600, and a second secret file is optional.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const MODULE = new URL('../../nix/modules/bowtie-server.nix', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'bowtie-env-script-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The script body as it lands in the store: the indented string's indentation and ''${ escapes undone. */
function script(out: string): string {
  const text = readFileSync(MODULE, 'utf8');
  const m = /writeShellScript "bowtie-server-psk-env" ''\n([\s\S]*?)\n {2}'';/.exec(text);
  if (!m) throw new Error('the env script is not where this test looks for it');
  return m[1]!
    .split('\n')
    .map((l) => l.slice(4))
    .join('\n')
    .replaceAll("''${", '${')
    .replaceAll('${pskEnvFile}', out)
    .replace('mkdir -p -m 0700 /run/bowtie-setup', `mkdir -p -m 0700 ${dir}`);
}

describe('the daemon environment file', () => {
  it('quotes the PSK and the client secret for systemd, 0600, the second secret optional', () => {
    const out = join(dir, 'bowtie_server.env');
    const file = join(dir, 'env.sh');
    writeFileSync(file, script(out));
    writeFileSync(join(dir, 'psk'), 'a"b$c`d\\e-psk\n');
    writeFileSync(join(dir, 'sso'), 'sso$HOME"secret\n');
    execFileSync('bash', [file, join(dir, 'psk'), join(dir, 'sso')]);
    expect(readFileSync(out, 'utf8')).toBe('BOWTIE_SYNC_PSK="a\\"b\\$c\\`d\\\\e-psk"\nBOWTIE_SSO_CLIENT_SECRET="sso\\$HOME\\"secret"\n');
    expect(statSync(out).mode & 0o777).toBe(0o600);
    execFileSync('bash', [file, join(dir, 'psk')]);
    expect(readFileSync(out, 'utf8')).toBe('BOWTIE_SYNC_PSK="a\\"b\\$c\\`d\\\\e-psk"\n');
  });
});
