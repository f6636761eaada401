/**
 * secretFiles(config) against the renderer: for every valid golden case, the fragment names
 * exactly the secret files that secretFiles says the configuration has, and every document
 * field behind a secret file is one that withoutSecrets drops.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDocument } from '../config/read.js';
import { SECRET_DOCUMENT_PATHS, SECRET_URL_DOCUMENT_PATHS } from '../config/schema.js';
import { validateDocument } from '../config/validate.js';
import { SECRET_FILES } from '../nix/paths.js';
import { renderFragment } from '../nix/render.js';
import { SECRET_NAMES } from './paths.js';
import { SECRET_FIELDS, secretFiles, secretValues } from './secret-files.js';

const GOLDEN = new URL('../../test/golden/', import.meta.url).pathname;
const NOW = new Date('2026-06-01T00:00:00Z');

function validGoldenConfigs() {
  return readdirSync(GOLDEN)
    .filter((f) => f.endsWith('.case'))
    .sort()
    .flatMap((f) => {
      const text = readFileSync(join(GOLDEN, f), 'utf8');
      const input = text.slice(0, text.search(/^==== (fragment|errors)\n/m));
      const read = readDocument(Buffer.from(input, 'utf8'));
      const checked = read.ok ? validateDocument(read.value, /^# require: complete$/m.test(input) ? 'complete' : 'any', NOW) : null;
      return checked?.ok ? [{ name: f, config: checked.config }] : [];
    });
}

describe('secretFiles', () => {
  const configs = validGoldenConfigs();

  it('has one entry per secret file, in SECRET_NAMES order, each at its fixed path', () => {
    expect(secretFiles(null).map((f) => [f.name, f.path])).toEqual(SECRET_NAMES.map((n) => [n, SECRET_FILES[n]]));
    expect(secretFiles(null).every((f) => f.content === null && f.password === null)).toBe(true);
  });

  it('names the same files the fragment refers to, for every valid golden case', () => {
    expect(configs.length).toBeGreaterThanOrEqual(15);
    const seen = new Set<string>();
    for (const { name, config } of configs) {
      const fragment = renderFragment(config);
      const named = SECRET_NAMES.filter((n) => fragment.includes(`"${SECRET_FILES[n]}"`));
      const given = secretFiles(config)
        .filter((f) => f.content !== null || f.password !== null)
        .map((f) => f.name);
      expect(given, name).toEqual(named);
      for (const n of given) seen.add(n);
    }
    // The corpus exercises every secret file, so the check above covers each of them.
    expect([...seen].sort()).toEqual([...SECRET_NAMES].sort());
  });

  it("each secret file's document field is one the draft and export drop", () => {
    const dropped = [...SECRET_DOCUMENT_PATHS, ...SECRET_URL_DOCUMENT_PATHS].map((p) => p.join('.'));
    for (const n of SECRET_NAMES) expect(dropped).toContain(SECRET_FIELDS[n].field);
  });

  it('secretValues holds every value given and the long lines of a multi-line one', () => {
    const withKey = configs.map((c) => c.config).find((c) => c.tls.private_key !== null);
    expect(withKey).toBeDefined();
    const values = secretValues(withKey!, {});
    expect(values).toContain(withKey!.tls.private_key);
    for (const line of withKey!.tls.private_key!.split('\n')) if (line.length >= 16 && !line.startsWith('-----')) expect(values).toContain(line);
    expect(secretValues(null, { enrollmentToken: 'on-disk-token-value' })).toEqual(['on-disk-token-value']);
    // The proxy's password is redacted as stored (percent-encoded) and decoded.
    const withProxy = configs.map((c) => c.config).find((c) => c.network.proxy?.credentials?.includes(':'));
    expect(withProxy).toBeDefined();
    const credentials = withProxy!.network.proxy!.credentials!;
    const password = credentials.slice(credentials.indexOf(':') + 1);
    expect(secretValues(withProxy!, {})).toEqual(expect.arrayContaining([credentials, decodeURIComponent(password)]));
  });
});
