/**
 * A static address goes to one interface (docs/decisions/0641): a document without
 * network.interface gets the interface the probe chooses (the simulated machine's first NIC with
 * carrier) written into the fragment, and the dry run shows the same; DHCP is left alone.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { planApply } from '../../server/apply/plan.js';
import { enginePaths } from '../../server/apply/paths.js';
import { defaultInterface } from '../../server/system/interfaces.js';
import { createProbes } from '../../server/system/probes.js';
import { apply, fixtureDoc, makeRoot, removeRoots } from './harness.js';

afterAll(() => removeRoots());

describe('a static address without a named interface', () => {
  it('is pinned to the default interface in the applied fragment and in the dry run', async () => {
    const root = await makeRoot();
    const nic = defaultInterface(await createProbes({ root, simulate: true }).interfaces());
    expect(nic).not.toBeNull();
    const doc = fixtureDoc('new');
    expect((doc as { network: { interface?: string } }).network.interface).toBeUndefined();
    const plan = await planApply({ root, simulate: true, document: doc });
    expect(plan.fragmentDiff).toContain(`interface = "${nic!.name}";`);
    const r = await apply(root, doc);
    expect(r.outcome, r.reason ?? '').toBe('applied');
    expect(readFileSync(enginePaths(root).fragment, 'utf8')).toContain(`interface = "${nic!.name}";`);
  }, 120_000);

  it('DHCP keeps "the default interface" open', async () => {
    const root = await makeRoot();
    const dhcp = { ...fixtureDoc('old'), network: { ipv4: { method: 'dhcp' } } };
    const r = await apply(root, dhcp);
    expect(r.outcome, r.reason ?? '').toBe('applied');
    const fragment = readFileSync(enginePaths(root).fragment, 'utf8');
    expect(fragment).toMatch(/method = "dhcp";/);
    expect(fragment).toMatch(/interface = null;/);
  }, 120_000);
});
