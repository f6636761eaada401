/**
 * VLAN, MTU and proxy through the apply engine (docs/decisions/0670): the proxy's credentials go
 * to a 0600 secret file and nowhere else (fragment, status, journal, log); a VLAN without a named
 * interface is pinned to the probed one (docs/decisions/0641); and what `reset --config` keeps of
 * the network (read back from the fragment by the evaluator) holds VLAN, MTU and the proxy URL.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keptDocument, readFragmentSite } from '../../server/apply/fragment-value.js';
import { planApply } from '../../server/apply/plan.js';
import { enginePaths } from '../../server/apply/paths.js';
import { withoutSecrets } from '../../server/config/schema.js';
import { validateDocument } from '../../server/config/validate.js';
import { SECRET_FILES } from '../../server/nix/paths.js';
import { renderFragment } from '../../server/nix/render.js';
import { defaultInterface } from '../../server/system/interfaces.js';
import { createProbes } from '../../server/system/probes.js';
import { requireNix } from '../helpers/nix.js';
import { apply, fixtureDoc, makeRoot, removeRoots } from './harness.js';

afterAll(() => removeRoots());

const PASSWORD = 'Pr0xy$ecret"pass';
const URL_WITH_CREDENTIALS = `http://svc-bowtie:${encodeURIComponent(PASSWORD)}@proxy.corp.example.com:3128`;
const withAdvanced = () => ({
  ...fixtureDoc('new'),
  network: { ipv4: { method: 'dhcp' }, vlan: 120, mtu: 1400, proxy: { url: URL_WITH_CREDENTIALS, no_proxy: ['.corp.example.com'] } },
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('network.vlan, network.mtu and network.proxy applied', () => {
  it('writes the credentials to a 0600 secret file only, and pins the VLAN to the probed interface', async () => {
    const root = await makeRoot();
    const p = enginePaths(root);
    const nic = defaultInterface(await createProbes({ root, simulate: true }).interfaces());
    const plan = await planApply({ root, simulate: true, document: withAdvanced() });
    expect(plan.secrets).toContainEqual({ path: SECRET_FILES.proxyCredentials, action: 'write' });
    const r = await apply(root, withAdvanced());
    expect(r.outcome, r.reason ?? '').toBe('applied');
    expect(readFileSync(p.secrets.proxyCredentials, 'utf8')).toBe(`svc-bowtie:Pr0xy%24ecret%22pass`);
    expect(statSync(p.secrets.proxyCredentials).mode & 0o777).toBe(0o600);
    const fragment = readFileSync(p.fragment, 'utf8');
    expect(fragment).toContain(`interface = "${nic!.name}";`);
    expect(fragment).toContain('vlan = 120;');
    expect(fragment).toContain('url = "http://proxy.corp.example.com:3128";');
    expect(fragment).toContain(`credentials_file = "${SECRET_FILES.proxyCredentials}";`);
    // Nowhere but the secret file (and its rollback copy): not the fragment, status, journal or logs.
    const holders = [...filesUnder(join(root, 'var/lib/bowtie-setup')), ...filesUnder(join(root, 'run/bowtie-setup')), p.fragment].filter((f) =>
      readFileSync(f)
        .toString('latin1')
        .match(/Pr0xy|svc-bowtie:/),
    );
    expect(holders).toEqual([p.secrets.proxyCredentials]);
  }, 120_000);

  it('the same document again changes nothing; without a proxy the secret file is removed', async () => {
    const root = await makeRoot();
    expect((await apply(root, withAdvanced())).outcome).toBe('applied');
    expect((await apply(root, withAdvanced())).outcome).toBe('unchanged');
    const plain = { ...fixtureDoc('new'), network: { ipv4: { method: 'dhcp' } } };
    expect((await apply(root, plain)).outcome).toBe('applied');
    expect(() => statSync(enginePaths(root).secrets.proxyCredentials)).toThrow();
  }, 120_000);
});

describe('what reset --config keeps of the network', () => {
  it('VLAN, MTU, proxy URL and no_proxy, read back through the evaluator; not the credentials', async () => {
    requireNix();
    const root = await makeRoot();
    const doc = { hostname: 'ctl-1', network: { interface: 'ens3', vlan: 7, mtu: 9000, proxy: { url: URL_WITH_CREDENTIALS, no_proxy: ['10.0.0.0/8', '*'] } } };
    const checked = validateDocument(doc, 'any');
    if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
    const file = join(root, 'site.nix');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, renderFragment(checked.config));
    const read = await readFragmentSite(file);
    if (read.kind !== 'site') throw new Error(JSON.stringify(read));
    const kept = keptDocument(read.site);
    expect(kept.network).toEqual({
      interface: 'ens3',
      ipv4: { method: 'dhcp' },
      ipv6: { method: 'auto' },
      vlan: 7,
      mtu: 9000,
      proxy: { url: 'http://proxy.corp.example.com:3128', no_proxy: ['10.0.0.0/8', '*'] },
    });
    expect(validateDocument(kept, 'any').ok).toBe(true);
    // What export and the draft keep: the URL without its user name and password.
    expect(withoutSecrets(doc).network.proxy.url).toBe('http://proxy.corp.example.com:3128');
  });
});
