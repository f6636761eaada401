/**
 * admin.password_hash against the verifier the appliance runs (the argon2 npm package, a real
 * libargon2 binding): test/fixtures/corpora/argon2.tsv holds the reference implementation's test
 * vectors and changes of them, each with its verdict (docs/field-policies.md, argon2). Every hash
 * we take, argon2.verify processes and says true for its password; every hash we refuse as
 * invalid it cannot sign in with; where it would and we refuse, the message says why.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import argon2 from 'argon2';
import { describe, expect, it } from 'vitest';
import { argon2HashProblem, checkArgon2Hash } from '../../server/config/password-hash.js';

type Verdict = 'valid' | 'invalid' | 'policy' | 'ceiling';
const rows = readFileSync(join(import.meta.dirname, '../fixtures/corpora/argon2.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'))
  .map((l) => {
    const [verdict, password, hash, source] = l.split('\t') as [Verdict, string, string, string];
    return { verdict, password, hash, source };
  });

/** What the verifier says: true, false, or that it cannot process the hash at all. */
async function verifier(hash: string, password: string): Promise<boolean | 'throws'> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return 'throws';
  }
}

describe("argon2 PHC strings: our verdict and the verifier's", () => {
  it('every corpus case agrees with argon2.verify or is a policy whose message says why', async () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
    const wrong: string[] = [];
    // One at a time: some vectors take 256 MiB each.
    for (const { verdict, password, hash, source } of rows) {
      const ours = argon2HashProblem(hash);
      if ((ours === null) !== (verdict === 'valid')) wrong.push(`${source}: ours ${ours ?? 'valid'}, the corpus says ${verdict}`);
      if ((verdict === 'policy' || verdict === 'ceiling') && ours !== null && !/policy|libargon2|PHC format/.test(ours)) {
        wrong.push(`${source}: a refusal stricter than the verifier must say why: ${ours}`);
      }
      if (verdict === 'ceiling') continue;
      const said = await verifier(hash, password);
      const expected = verdict === 'invalid' ? [false, 'throws'] : [true];
      if (!expected.includes(said)) wrong.push(`${source}: argon2.verify says ${said}, the corpus says ${verdict}`);
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('a hash that we take is one the verifier can process, for any password', async () => {
    for (const { hash } of rows.filter((r) => r.verdict === 'valid' && !/m=262144/.test(r.hash))) {
      expect(await verifier(hash, 'not the password')).toBe(false);
    }
  }, 60_000);

  it("the legacy variant takes the vendor tool's argon2i hashes with a warning, and nothing the verifier cannot run", async () => {
    const legacy = rows.filter((r) => r.hash.startsWith('$argon2i$'));
    expect(legacy.length).toBeGreaterThanOrEqual(10);
    for (const { hash, verdict } of legacy) {
      const v = checkArgon2Hash(hash, { allowLegacyArgon2i: true });
      expect(argon2HashProblem(hash, { allowLegacyArgon2i: true }) === null).toBe(v.ok);
      if (verdict === 'ceiling') expect(v.ok).toBe(false);
      else expect(v).toMatchObject({ ok: true, warning: expect.stringMatching(/argon2i/) });
    }
    // The vendor's published tool: argon2i, m=4096 (a hash made here with those parameters).
    const vendor = await argon2.hash('correct horse', { type: argon2.argon2i, memoryCost: 4096, timeCost: 3, parallelism: 1 });
    expect(argon2HashProblem(vendor)).toMatch(/argon2id/);
    const v = checkArgon2Hash(vendor, { allowLegacyArgon2i: true });
    expect(v).toEqual({ ok: true, warning: expect.stringMatching(/below the OWASP minimum/) });
    expect(JSON.stringify(v)).not.toContain(vendor.split('$').at(-1));
    // Legacy mode does not lift the libargon2 limits or the ceiling, nor take argon2d.
    expect(checkArgon2Hash(vendor.replace('m=4096', 'm=8').replace('p=1', 'p=2'), { allowLegacyArgon2i: true }).ok).toBe(false);
    expect(checkArgon2Hash(vendor.replace('$argon2i$', '$argon2d$'), { allowLegacyArgon2i: true }).ok).toBe(false);
  }, 60_000);

  it("libargon2's limits near their edges (m against 8p, t and p at 0): we take what the verifier can run", async () => {
    const wrong: string[] = [];
    let runnable = 0;
    for (let m = 0; m <= 40; m++) {
      for (let p = 0; p <= 4; p++) {
        for (let t = 0; t <= 2; t++) {
          // argon2i in legacy mode: only libargon2's limits and the ceiling apply, not OWASP's minimum.
          const hash = `$argon2i$v=19$m=${m},t=${t},p=${p}$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc`;
          const ours = checkArgon2Hash(hash, { allowLegacyArgon2i: true }).ok;
          const runs = (await verifier(hash, 'password')) !== 'throws';
          if (runs) runnable++;
          if (ours !== runs) wrong.push(`m=${m},t=${t},p=${p}: the verifier ${runs ? 'runs' : 'throws'}, ours ${ours ? 'takes' : 'refuses'} it`);
        }
      }
    }
    expect(runnable).toBeGreaterThan(50);
    expect(wrong).toEqual([]);
  }, 60_000);

  it('hostile input is refused quickly and never quoted', () => {
    const huge = `$argon2id$v=19$m=${'9'.repeat(100_000)},t=2,p=1$c29tZXNhbHQ$${'A'.repeat(100_000)}`;
    for (const h of [huge, '$argon2id$'.repeat(10_000), `$argon2id$v=19$m=65536,t=2,p=1$${'$'.repeat(5000)}`]) {
      const problem = argon2HashProblem(h);
      expect(problem).not.toBeNull();
      expect(problem!.length).toBeLessThan(300);
    }
  });
});
