/**
 * admin.console_password_hash against crypt(3) itself: this machine's libxcrypt, through perl's
 * crypt builtin (perl-base is on every Debian system; docs/field-policies.md, crypt). test/fixtures/corpora/crypt.tsv holds
 * libxcrypt's known answers and changes of them, each with its verdict; crypt is asked again for
 * every case (a hash is usable only if crypt(password, hash) gives it back), and a seeded
 * generator adds sha512crypt salts of every printable character that only crypt's answer decides.
 * NixOS's libxcrypt is built with strong hashes only; this machine's has more (sha256crypt, md5,
 * $2x$), which are the policy cases.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cryptHashProblem } from '../../server/config/password-hash.js';

type Verdict = 'valid' | 'invalid' | 'policy' | 'ceiling';
const rows = readFileSync(join(import.meta.dirname, '../fixtures/corpora/crypt.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'))
  .map((l) => {
    const [verdict, password, hash, source] = l.split('\t') as [Verdict, string, string, string];
    return { verdict, password, hash, source };
  });

// One "password TAB setting" a line in, crypt's answer a line out (empty where crypt returns NULL).
const SCRIPT = 'chomp; my ($p, $s) = split /\\t/, $_, 2; my $r = crypt($p, $s); print defined $r ? $r : "", "\\n"';

/** crypt(password, setting) for each pair, in one perl process; null where crypt refuses. */
function crypt3(pairs: [string, string][]): Promise<(string | null)[]> {
  for (const [p, s] of pairs) if (/[\t\n]/.test(p + s)) throw new Error('no tab or line end in an oracle case');
  return new Promise((resolve, reject) => {
    const child = execFile('perl', ['-ne', SCRIPT], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err) {
        reject(new Error(err.message));
        return;
      }
      const lines = stdout.split('\n').slice(0, pairs.length);
      resolve(lines.map((l) => (l === '' || l.startsWith('*') ? null : l)));
    });
    child.stdin!.end(pairs.map(([p, s]) => `${p}\t${s}\n`).join(''));
  });
}

let haveCrypt = false;
beforeAll(async () => {
  haveCrypt = await crypt3([['x', '$6$ab$']]).then(
    (r) => typeof r[0] === 'string' && r[0].startsWith('$6$ab$'),
    () => false,
  );
  if (!haveCrypt && process.env.CI) throw new Error('perl is missing (Debian package perl-base): the crypt(3) oracle cannot run');
});

describe("crypt(3) hashes: our verdict and libxcrypt's", () => {
  it('every corpus case agrees with crypt(3) or is a policy whose message says why', async () => {
    if (!haveCrypt) return;
    expect(rows.length).toBeGreaterThanOrEqual(45);
    const run = rows.filter((r) => r.verdict !== 'ceiling');
    const answers = await crypt3(run.map((r) => [r.password, r.hash]));
    const wrong: string[] = [];
    for (const { verdict, hash, source } of rows) {
      const ours = cryptHashProblem(hash);
      if ((ours === null) !== (verdict === 'valid')) wrong.push(`${source}: ours ${ours ?? 'valid'}, the corpus says ${verdict}`);
      if ((verdict === 'policy' || verdict === 'ceiling') && ours !== null && !/policy|NixOS/.test(ours)) {
        wrong.push(`${source}: a refusal of what crypt takes must say why: ${ours}`);
      }
    }
    for (const [i, { verdict, hash, source }] of run.entries()) {
      const matches = answers[i] === hash;
      if (matches !== (verdict !== 'invalid')) wrong.push(`${source}: crypt(3) ${matches ? 'gives it back' : 'does not'}, the corpus says ${verdict}`);
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  it('sha512crypt salts of any printable character: we take exactly what crypt(3) gives back', async () => {
    if (!haveCrypt) return;
    let seed = 20261204;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const settings = new Set<string>();
    while (settings.size < 300) {
      let salt = '';
      for (let i = 1 + rnd(18); i > 0; i--) salt += String.fromCharCode(0x20 + rnd(0x5f));
      if (!salt.includes('$')) settings.add(`$6$${salt}$`);
    }
    const list = [...settings];
    const answers = await crypt3(list.map((s) => ['pw', s]));
    const wrong: string[] = [];
    const taken = list.filter((s, i) => answers[i]?.startsWith(s)).length;
    expect(taken).toBeGreaterThan(50);
    expect(list.length - taken).toBeGreaterThan(50);
    for (const [i, setting] of list.entries()) {
      const answer = answers[i];
      const cryptTakes = typeof answer === 'string' && answer.startsWith(setting);
      // What crypt writes for the setting is the hash to check; for a refused salt, a shaped one.
      const hash = typeof answer === 'string' && answer.startsWith('$6$') ? answer : `${setting}${'.'.repeat(86)}`;
      const ours = cryptHashProblem(cryptTakes ? hash : `${setting}${hash.split('$').at(-1)}`);
      if ((ours === null) !== cryptTakes) wrong.push(`${JSON.stringify(setting)}: crypt ${cryptTakes ? 'takes' : 'refuses'} it, ours: ${ours ?? 'valid'}`);
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  it('yescrypt parameters: every one-character N and r up to 1 MiB, and every longer one: we take what crypt(3) takes', async () => {
    if (!haveCrypt) return;
    const A = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    const settings: string[] = [];
    for (const n of A) {
      for (const r of A) {
        const [nLog2, rr] = [A.indexOf(n) + 1, A.indexOf(r) + 1];
        // Over 1 MiB with one-character numbers is the ceiling's business, not crypt's; skip the cost.
        if (nLog2 <= 48 && rr <= 48 && 128 * rr * 2 ** nLog2 > 1024 * 1024) continue;
        settings.push(`$y$j${n}${r}$abcd`);
      }
    }
    const answers = await crypt3(settings.map((s) => ['pw', s]));
    const wrong: string[] = [];
    let taken = 0;
    for (const [i, setting] of settings.entries()) {
      const answer = answers[i];
      const cryptTakes = typeof answer === 'string' && answer.startsWith(`${setting}$`);
      if (cryptTakes) taken++;
      const ours = cryptHashProblem(cryptTakes ? answer : `${setting}$${'.'.repeat(43)}`);
      if ((ours === null) !== cryptTakes) wrong.push(`${setting}: crypt ${cryptTakes ? 'takes' : 'refuses'} it, ours: ${ours ?? 'valid'}`);
    }
    expect(taken).toBeGreaterThan(100);
    expect(wrong).toEqual([]);
  }, 60_000);

  it("bcrypt: the salt's last character is one crypt(3) writes back, for each of the 64", async () => {
    if (!haveCrypt) return;
    const A = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const settings = Array.from(A, (c) => c).map((c) => `$2b$04$${'C'.repeat(21)}${c}`);
    const answers = await crypt3(settings.map((s) => ['pw', s]));
    const wrong: string[] = [];
    for (const [i, setting] of settings.entries()) {
      const answer = answers[i]!;
      const cryptKeeps = answer.startsWith(setting);
      const ours = cryptHashProblem(`${setting}${answer.slice(setting.length)}`);
      if ((ours === null) !== cryptKeeps) wrong.push(`${setting}: crypt ${cryptKeeps ? 'keeps' : 'rewrites'} the salt, ours: ${ours ?? 'valid'}`);
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  it("OpenSSL's own sha512crypt (openssl passwd -6) writes the same hashes for the salts we take", async () => {
    const plain = rows.filter((r) => r.verdict === 'valid' && /^\$6\$[^$]+\$[^$]+$/.test(r.hash));
    expect(plain.length).toBeGreaterThanOrEqual(3);
    for (const { password, hash } of plain) {
      const salt = hash.split('$')[2]!;
      const made = await new Promise<string | null>((resolve) =>
        execFile('openssl', ['passwd', '-6', '-salt', salt, '-stdin'], (err, stdout) => resolve(err ? null : stdout.trim())).stdin!.end(`${password}\n`),
      );
      if (made === null && !process.env.CI) return; // no openssl here; CI installs it
      expect(made).toBe(hash);
    }
  });

  it('messages never quote the hash', () => {
    for (const { hash } of rows.filter((r) => r.verdict !== 'valid' && r.hash.length > 20)) {
      const problem = cryptHashProblem(hash)!;
      expect(problem).not.toContain(hash.split('$').at(-1)!.slice(0, 12));
    }
  });
});
