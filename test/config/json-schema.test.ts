/**
 * `bowtie-setup schema`: the JSON Schema generated from the zod schema accepts every valid
 * golden document, is never stricter than `validate` (whatever it refuses, zod refuses too), and
 * refuses what an editor can see without running our field checks (unknown keys, wrong types,
 * unknown methods, too many list items), checked with Ajv in strict mode (test/helpers/json-schema.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { main } from '../../server/cli.js';
import { readDocument } from '../../server/config/read.js';
import { validateDocument } from '../../server/config/validate.js';
import { DNS_SERVERS_MAX } from '../../server/config/limits.js';
import { jsonSchemaProblems } from '../helpers/json-schema.js';

const GOLDEN = join(import.meta.dirname, '../golden');
const NOW = new Date('2026-06-01T00:00:00Z');

function golden(): { name: string; kind: string; value: unknown; zodOk: boolean }[] {
  return readdirSync(GOLDEN)
    .filter((f) => f.endsWith('.case'))
    .sort()
    .map((f) => {
      const text = readFileSync(join(GOLDEN, f), 'utf8');
      const m = /^==== (fragment|errors)\n/m.exec(text)!;
      const input = text.slice(0, m.index);
      const read = readDocument(Buffer.from(input, 'utf8'));
      const requirement = /^# require: complete$/m.test(input) ? 'complete' : 'any';
      const zodOk = read.ok && validateDocument(read.value, requirement, NOW).ok;
      return { name: f, kind: m[1]!, value: read.ok ? read.value : undefined, zodOk };
    });
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const printed = JSON.parse((await cli('schema')).stdout) as Record<string, unknown>;
const cases = golden();
const valid = cases.filter((c) => c.kind === 'fragment');

describe('bowtie-setup schema', () => {
  it('prints a draft 2020-12 schema with titles and descriptions from the zod schema', async () => {
    const r = await cli('schema');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(printed.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const props = printed.properties as Record<string, { title?: string; description?: string }>;
    expect(Object.keys(props)).toEqual(['hostname', 'domain', 'site', 'admin', 'network', 'enrollment', 'tls', 'updates', 'sso']);
    for (const [key, p] of Object.entries(props)) {
      expect(p.title, key).toMatch(/\S/);
      expect(p.description, key).toMatch(/\S/);
    }
    expect(printed.required).toEqual(['hostname']);
    expect(printed.additionalProperties).toBe(false);
  });

  it('refuses an unknown argument (usage, exit 2)', async () => {
    const r = await cli('schema', '--yaml');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it(`accepts every valid golden document (${valid.length})`, () => {
    expect(valid.length).toBeGreaterThanOrEqual(30);
    for (const c of valid) expect(jsonSchemaProblems(printed, c.value), c.name).toEqual([]);
  });

  it('is never stricter than validate: what it refuses among all golden cases, zod refuses', () => {
    let refused = 0;
    for (const c of cases.filter((x) => x.value !== undefined)) {
      if (jsonSchemaProblems(printed, c.value).length > 0) {
        refused++;
        expect(c.zodOk, `${c.name}: the JSON Schema refuses what validate accepts`).toBe(false);
      }
    }
    // Some error cases are structural (a list as the document, an unknown method): it sees them.
    expect(refused).toBeGreaterThan(0);
  });

  it('refuses, as validate does, what an editor can see: unknown keys, wrong types, unknown methods, long lists', () => {
    const base = valid.find((c) => c.name === 'design-example.case')!.value as Record<string, Record<string, unknown>>;
    const mutations: [string, (d: Record<string, any>) => void, string][] = [
      ['unknown top-level key', (d) => (d.surprise = 1), 'surprise'],
      ['unknown key in admin', (d) => (d.admin.passwd = 'x'), 'admin.passwd'],
      ['unknown key in a static ipv4', (d) => (d.network.ipv4 = { method: 'static', address: '10.0.0.5/24', gateway: '10.0.0.1', mask: 24 }), 'network.ipv4'],
      ['hostname as a number', (d) => (d.hostname = 42), 'hostname'],
      ['updates.enable as a string', (d) => (d.updates.enable = 'yes'), 'updates.enable'],
      ['unknown ipv6 method', (d) => (d.network.ipv6 = { method: 'slaac' }), 'network.ipv6'],
      ['unknown TLS mode', (d) => (d.tls.mode = 'letsencrypt'), 'tls.mode'],
      ['static ipv4 without gateway', (d) => (d.network.ipv4 = { method: 'static', address: '10.0.0.5/24' }), 'network.ipv4'],
      ['too many DNS servers', (d) => (d.network.dns = Array.from({ length: DNS_SERVERS_MAX + 1 }, (_, i) => `10.0.0.${i + 1}`)), 'network.dns'],
      ['admin without email', (d) => delete d.admin.email, 'admin.email'],
      ['no hostname', (d) => delete d.hostname, 'hostname'],
    ];
    for (const [what, mutate, path] of mutations) {
      const doc = structuredClone(base) as Record<string, any>;
      mutate(doc);
      const problems = jsonSchemaProblems(printed, doc);
      expect(problems.length, what).toBeGreaterThan(0);
      expect(problems.join('\n'), what).toContain(path);
      expect(validateDocument(doc, 'any', NOW).ok, what).toBe(false);
    }
  });

  it("--user-data: the document under bowtie_setup, cloud-init's other keys left open", async () => {
    const r = await cli('schema', '--user-data');
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as Record<string, any>;
    const userData = parse(
      `#cloud-config\npackages: [htop]\nruncmd: [[echo, hi]]\nbowtie_setup:\n  hostname: edge-01\n  network: { ipv4: { method: dhcp } }\n`,
    );
    expect(jsonSchemaProblems(schema, userData)).toEqual([]);
    expect(jsonSchemaProblems(schema, { bowtie_setup: { hostname: 'edge-01', extra: true } })).toContain('bowtie_setup.extra: not allowed');
    expect(schema.properties.bowtie_setup.properties).toEqual(printed.properties);
  });

  it('the checker refuses a keyword it does not know (so a misspelt schema cannot pass unchecked)', () => {
    expect(() => jsonSchemaProblems({ type: 'string', patern: '^a' }, 'b')).toThrow(/patern/);
    expect(jsonSchemaProblems({ type: 'string', pattern: '^a' }, 'b')).toEqual(['(document): must match pattern "^a"']);
  });
});
