import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulatedProbes } from './probes-sim.js';

let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));

function withSite(content: string): ReturnType<typeof createSimulatedProbes> {
  root = mkdtempSync(join(tmpdir(), 'bowtie-probes-sim-'));
  mkdirSync(join(root, 'run/current-system'), { recursive: true });
  writeFileSync(join(root, 'run/current-system/site.json'), content);
  return createSimulatedProbes(root);
}

describe("the simulated probes read the simulator's site.json with a schema", () => {
  it('take the static gateway and the enrollment from a site of the expected form', async () => {
    const probes = withSite(JSON.stringify({ network: { ipv4: { method: 'static', gateway: '10.0.0.1' } }, enrollment: { site_id: 'x' } }));
    expect(await probes.defaultGateway()).toBe('10.0.0.1');
    expect(await probes.unitActive('bowtie_server.service')).toBe(true);
  });

  it.each([
    ['a gateway that is a number', '{"network":{"ipv4":{"method":"static","gateway":5}},"enrollment":{}}'],
    ['a gateway that is a list', '{"network":{"ipv4":{"method":"static","gateway":["10.0.0.1"]}},"enrollment":{}}'],
    ['a network that is a string', '{"network":"static","enrollment":{}}'],
    ['JSON null', 'null'],
    ['truncated JSON', '{"network":{"ipv4":'],
  ])('%s: answers as for no configuration', async (_name, content) => {
    const probes = withSite(content);
    expect(await probes.defaultGateway()).toBe('192.168.122.1');
    expect(await probes.unitActive('bowtie_server.service')).toBe(false);
  });
});
