/**
 * Golden files: one scenario per test/golden/*.case file. A case holds a config document (YAML
 * or JSON), a separator line "==== fragment" or "==== errors", and the exact expected output of
 * `render`: the Nix fragment or the error lines. A first line "# require: complete" validates
 * the document as hand-off does. Regenerate with UPDATE_GOLDEN=1 and review the diff.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFieldErrors } from '../../server/config/errors.js';
import { readDocument } from '../../server/config/read.js';
import { validateDocument } from '../../server/config/validate.js';
import { fragmentData, renderFragment } from '../../server/nix/render.js';
import { evalFragments, requireNix } from '../helpers/nix.js';
import { secretValues } from '../helpers/secrets.js';

const DIR = new URL('.', import.meta.url).pathname;
/** Certificates are judged at this instant so that the cases stay stable. */
export const GOLDEN_NOW = new Date('2026-06-01T00:00:00Z');
const SEPARATOR = /^==== (fragment|errors)\n/m;

interface GoldenCase {
  name: string;
  file: string;
  input: string;
  kind: 'fragment' | 'errors';
  expected: string;
}

export function loadGoldenCases(): GoldenCase[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.case'))
    .sort()
    .map((f) => {
      const text = readFileSync(join(DIR, f), 'utf8');
      const m = SEPARATOR.exec(text);
      if (!m) throw new Error(`${f}: no "==== fragment" or "==== errors" line`);
      return {
        name: f.slice(0, -'.case'.length),
        file: join(DIR, f),
        input: text.slice(0, m.index),
        kind: m[1] as 'fragment' | 'errors',
        expected: text.slice(m.index + m[0].length),
      };
    });
}

export function runGoldenCase(input: string) {
  const requirement = /^# require: complete$/m.test(input) ? 'complete' : 'any';
  const read = readDocument(Buffer.from(input, 'utf8'));
  const result = read.ok ? validateDocument(read.value, requirement, GOLDEN_NOW) : read;
  return result.ok
    ? { kind: 'fragment' as const, output: renderFragment(result.config), result }
    : { kind: 'errors' as const, output: `${formatFieldErrors(result.errors)}\n`, result };
}

const cases = loadGoldenCases();

describe('golden cases', () => {
  it('has at least 40 scenarios, valid and invalid', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(cases.filter((c) => c.kind === 'fragment').length).toBeGreaterThanOrEqual(15);
    expect(cases.filter((c) => c.kind === 'errors').length).toBeGreaterThanOrEqual(15);
  });

  for (const c of cases) {
    it(c.name, () => {
      const actual = runGoldenCase(c.input);
      if (process.env.UPDATE_GOLDEN) {
        writeFileSync(c.file, `${c.input}==== ${actual.kind}\n${actual.output}`);
        return;
      }
      expect(actual.kind).toBe(c.kind);
      expect(actual.output).toBe(c.expected);
      for (const secret of secretValues(c.input)) {
        expect(actual.output, 'a secret value reached the output').not.toContain(secret);
      }
    });
  }
});

describe('golden fragments through the real Nix evaluator', () => {
  it('give back exactly the document values, secrets as absolute path strings', () => {
    requireNix();
    const valid = cases.flatMap((c) => {
      const r = runGoldenCase(c.input);
      return r.result.ok ? [{ name: c.name, fragment: r.output, data: fragmentData(r.result.config) }] : [];
    });
    const evaluated = evalFragments(valid.map((v) => v.fragment));
    expect(evaluated).toHaveLength(valid.length);
    valid.forEach((v, i) => expect(evaluated[i], v.name).toEqual(v.data));
  });
});
