/**
 * The active fragment read back through the evaluator is parsed with a schema, never cast: a
 * fragment of the wrong shape reads as unreadable, with the paths that disagree, not as a site.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { holdsMoreThanNetwork, readFragmentSite } from './fragment-value.js';

const dir = mkdtempSync(join(tmpdir(), 'bowtie-fragment-value-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fragment(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('readFragmentSite', () => {
  it('none, a site, and a site of the wrong shape', async () => {
    expect(await readFragmentSite(join(dir, 'missing.nix'))).toEqual({ kind: 'none' });
    const ok = fragment(
      'ok.nix',
      `{ bowtie.site = { hostname = "ctl-1"; domain = null; admin = null; enrollment = null;
      network = { interface = null; ipv4 = { method = "dhcp"; }; ipv6 = { method = "auto"; }; dns = [ ]; ntp = [ ]; };
      tls = { mode = "self-signed"; certificate = null; private_key_file = null; }; site.name = "x"; }; }`,
    );
    const read = await readFragmentSite(ok);
    expect(read.kind === 'site' && read.site.network.ipv4).toEqual({ method: 'dhcp' });
    const bad = fragment(
      'bad.nix',
      `{ bowtie.site = { hostname = "ctl-1"; domain = null; admin = null; enrollment = null;
      network = { interface = null; ipv4 = { method = "telepathy"; }; ipv6 = { method = "auto"; }; dns = [ 1 ]; ntp = [ ]; };
      tls = { mode = "self-signed"; certificate = null; private_key_file = null; }; }; }`,
    );
    const refused = await readFragmentSite(bad);
    expect(refused.kind).toBe('unreadable');
    expect(refused.kind === 'unreadable' && refused.reason).toMatch(/network\.ipv4|network\.dns/);
    expect(await readFragmentSite(fragment('none.nix', '{ }'))).toEqual({ kind: 'unreadable', reason: 'it sets no bowtie.site' });
  });

  it('single sign-on alone is more than a network (the console must not drop it)', async () => {
    const base = `hostname = "ctl-1"; domain = null; admin = null; enrollment = null; site.name = "x";
      network = { interface = null; ipv4 = { method = "dhcp"; }; ipv6 = { method = "auto"; }; dns = [ ]; ntp = [ ]; };
      tls = { mode = "self-signed"; certificate = null; private_key_file = null; };`;
    const plain = await readFragmentSite(fragment('plain.nix', `{ bowtie.site = { ${base} }; }`));
    const withSso = await readFragmentSite(
      fragment(
        'sso.nix',
        `{ bowtie.site = { ${base} sso = { type = "github"; id = "gh"; name = "GitHub"; issuer = null; client_id = "x"; client_secret_file = "/var/lib/bowtie-setup/secrets/sso-client-secret"; redirect_uri = null; }; }; }`,
      ),
    );
    expect(plain.kind === 'site' && holdsMoreThanNetwork(plain.site)).toBe(false);
    expect(withSso.kind === 'site' && holdsMoreThanNetwork(withSso.site)).toBe(true);
  });
});
