/**
 * --simulate finds the simulator by path and takes the machine from it (one definition, in
 * sim/nixos-rebuild/machine.mjs): the interfaces the wizard lists are the simulator's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MACHINE } from '../../sim/nixos-rebuild/machine.mjs';
import { listInterfaces } from '../../server/system/interfaces.js';
import { CHECKOUT_SIMULATOR, ensureSimulatedMachine, SimulatorMissingError, simulatorExecutable } from '../../server/system/sim-machine.js';

const roots: string[] = [];
const newRoot = () => {
  const r = mkdtempSync(join(tmpdir(), 'bowtie-sim-machine-'));
  roots.push(r);
  return r;
};
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe('the simulated machine', () => {
  it("is the simulator's: the wizard lists the interfaces machine.mjs defines", async () => {
    const root = newRoot();
    await ensureSimulatedMachine(root, { PATH: process.env.PATH ?? '' });
    const listed = await listInterfaces(root, true);
    for (const nic of MACHINE) {
      const seen = listed.find((i) => i.name === nic.name);
      expect(seen?.addresses).toEqual(nic.addresses.split(' ').filter(Boolean));
      expect(seen?.carrier).toBe(nic.carrier === '1');
    }
    expect(listed.find((i) => i.name === 'ens3')?.addresses).toContain('192.168.122.10/24');
  });

  it('is found through BOWTIE_SETUP_SIMULATOR, and its absence is said plainly', async () => {
    expect(simulatorExecutable({ BOWTIE_SETUP_SIMULATOR: CHECKOUT_SIMULATOR })).toBe(CHECKOUT_SIMULATOR);
    expect(simulatorExecutable({})).toBe(CHECKOUT_SIMULATOR);
    const missing = join(newRoot(), 'no-such-simulator.mjs');
    expect(() => simulatorExecutable({ BOWTIE_SETUP_SIMULATOR: missing })).toThrow(SimulatorMissingError);
    expect(() => simulatorExecutable({ BOWTIE_SETUP_SIMULATOR: missing })).toThrow(/BOWTIE_SETUP_SIMULATOR/);
    await expect(ensureSimulatedMachine(newRoot(), { BOWTIE_SETUP_SIMULATOR: missing })).rejects.toThrow(/does not include/);
  });
});
