/**
 * tls.certificate and tls.private_key against OpenSSL itself (docs/field-policies.md, PEM).
 * Keys and certificates are made by this machine's `openssl` in a temporary directory (nothing
 * private is committed), in the shapes operators paste: `openssl pkcs12 -nodes` output with
 * `Bag Attributes`, an `openssl x509 -text` dump, `openssl ecparam -genkey` (EC PARAMETERS
 * first), RFC 7468 section 5.2's explanatory text, CRLF, indentation; and variants OpenSSL
 * refuses (RFC 7468 section 2/3: matching labels, base64 with padding only at the end, no blank
 * line inside the data). For each case OpenSSL is asked about the raw text (the chain reader,
 * `crl2pkcs7 -certfile`, for certificates; `pkey` for keys) and, for what we accept, about our
 * canonical form, block by block (`x509 -noout`, `pkey -noout`): what we accept, OpenSSL reads.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificatePemProblem, normalizeCertificatePem, normalizePrivateKeyPem, privateKeyPemProblem } from '../../server/config/certificate.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'bowtie-pem-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TLS = join(import.meta.dirname, '../fixtures/tls');

let haveOpenssl = false;
const pem: Record<string, string> = {};
const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

beforeAll(() => {
  try {
    ssl('version');
    haveOpenssl = true;
  } catch {
    if (process.env.CI) throw new Error('openssl is missing (Debian package openssl): the oracle tests cannot run');
    return;
  }
  ssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsa.key');
  ssl('req', '-x509', '-new', '-key', 'rsa.key', '-subj', '/CN=ctl.example.com', '-days', '2', '-out', 'rsa.pem');
  ssl('ecparam', '-name', 'prime256v1', '-genkey', '-out', 'ecparam.key');
  ssl('genpkey', '-algorithm', 'ed25519', '-out', 'ed25519.key');
  ssl('pkcs12', '-export', '-in', 'rsa.pem', '-inkey', 'rsa.key', '-passout', 'pass:x', '-out', 'bundle.p12');
  pem.rsaKey = readFileSync(join(dir, 'rsa.key'), 'utf8');
  pem.rsaCert = readFileSync(join(dir, 'rsa.pem'), 'utf8');
  pem.ecparamKey = readFileSync(join(dir, 'ecparam.key'), 'utf8');
  pem.ed25519Key = readFileSync(join(dir, 'ed25519.key'), 'utf8');
  pem.rsaTraditional = ssl('rsa', '-in', 'rsa.key', '-traditional');
  pem.p12Certs = ssl('pkcs12', '-in', 'bundle.p12', '-passin', 'pass:x', '-nokeys');
  pem.p12Key = ssl('pkcs12', '-in', 'bundle.p12', '-passin', 'pass:x', '-nocerts', '-nodes');
  pem.p12All = ssl('pkcs12', '-in', 'bundle.p12', '-passin', 'pass:x', '-nodes');
  pem.textDump = ssl('x509', '-in', 'rsa.pem', '-text');
  pem.encrypted = ssl('pkey', '-in', 'rsa.key', '-aes128', '-passout', 'pass:x');
  pem.encryptedTraditional = ssl('rsa', '-in', 'rsa.key', '-aes128', '-traditional', '-passout', 'pass:x');
  pem.chain = readFileSync(join(TLS, 'ctl.pem'), 'utf8') + readFileSync(join(TLS, 'ca.pem'), 'utf8');
}, 120_000);

type Verdict = 'valid' | 'invalid' | 'policy' | 'normalized';
type Case = [name: string, field: 'certificate' | 'key', text: string, verdict: Verdict];

const body = (p: string) => p.trim().split('\n').slice(1, -1);
const block = (label: string, lines: string[], end = label) => `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${end}-----\n`;

function cases(): Case[] {
  const cert = pem.rsaCert!;
  const b = body(cert);
  const joined = b.join('');
  return [
    ['certificate from openssl req', 'certificate', cert, 'valid'],
    ['chain: server certificate then its CA', 'certificate', pem.chain!, 'valid'],
    ['certificates of openssl pkcs12 -nokeys (Bag Attributes, subject=, issuer=)', 'certificate', pem.p12Certs!, 'valid'],
    ['an openssl x509 -text dump before the block', 'certificate', pem.textDump!, 'valid'],
    [
      'RFC 7468 section 5.2 explanatory text',
      'certificate',
      `Subject: CN=Atlantis\nIssuer: CN=Atlantis\nValidity: from 7/9/2012 3:10:38 AM UTC to 7/9/2013 3:10:37 AM UTC\n${cert}`,
      'valid',
    ],
    ['CRLF line ends', 'certificate', cert.replace(/\n/g, '\r\n'), 'valid'],
    ['trailing blanks on every line', 'certificate', cert.replace(/\n/g, ' \t\n'), 'valid'],
    ['no final line end', 'certificate', cert.trimEnd(), 'valid'],
    ['base64 in one long line', 'certificate', block('CERTIFICATE', [joined]), 'valid'],
    ['base64 in 76-column lines', 'certificate', block('CERTIFICATE', joined.match(/.{1,76}/g)!), 'valid'],
    [
      'blanks inside a base64 line',
      'certificate',
      block(
        'CERTIFICATE',
        b.map((l) => `${l.slice(0, 8)} ${l.slice(8)}`),
      ),
      'valid',
    ],
    ['the old label X509 CERTIFICATE', 'certificate', block('X509 CERTIFICATE', b), 'valid'],
    [
      'base64 lines indented, boundaries not',
      'certificate',
      block(
        'CERTIFICATE',
        b.map((l) => `  ${l}`),
      ),
      'valid',
    ],
    ['the whole block indented (a YAML paste)', 'certificate', cert.replace(/^/gm, '    '), 'normalized'],
    ['END names another label', 'certificate', block('CERTIFICATE', b, 'X509 CRL'), 'invalid'],
    ['no END line', 'certificate', `-----BEGIN CERTIFICATE-----\n${b.join('\n')}\n`, 'invalid'],
    ['a character outside base64', 'certificate', block('CERTIFICATE', [`*${b[0]!.slice(1)}`, ...b.slice(1)]), 'invalid'],
    ['padding in the middle', 'certificate', block('CERTIFICATE', [`${b[0]!.slice(0, -2)}==`, ...b.slice(1)]), 'invalid'],
    ['padding missing', 'certificate', block('CERTIFICATE', [joined.replace(/=+$/, '')]), 'invalid'],
    ['a blank line inside the data', 'certificate', block('CERTIFICATE', [...b.slice(0, 3), '', ...b.slice(3)]), 'invalid'],
    ['RFC 1421 headers', 'certificate', block('CERTIFICATE', ['Comment: hello', '', ...b]), 'invalid'],
    ['BEGIN line with text after it', 'certificate', cert.replace('CERTIFICATE-----\n', 'CERTIFICATE----- x\n'), 'invalid'],
    ['DER that is no certificate', 'certificate', block('CERTIFICATE', ['MAA=']), 'invalid'],
    ['no PEM at all', 'certificate', 'hello', 'invalid'],
    ['pkcs12 -nodes output: certificate and private key', 'certificate', pem.p12All!, 'policy'],
    ['a CRL block after the certificate', 'certificate', cert + block('X509 CRL', ['MAA=']), 'invalid'],
    ['PKCS#8 key from genpkey', 'key', pem.rsaKey!, 'valid'],
    ['RSA PRIVATE KEY (traditional)', 'key', pem.rsaTraditional!, 'valid'],
    ['ecparam -genkey: EC PARAMETERS then EC PRIVATE KEY', 'key', pem.ecparamKey!, 'valid'],
    ['ed25519 key', 'key', pem.ed25519Key!, 'valid'],
    ['key of openssl pkcs12 -nocerts -nodes (Bag Attributes, Key Attributes)', 'key', pem.p12Key!, 'valid'],
    ['key with CRLF and blanks after lines', 'key', pem.rsaKey!.replace(/\n/g, ' \r\n'), 'valid'],
    ['key indented (a YAML paste)', 'key', pem.ecparamKey!.replace(/^/gm, '  '), 'normalized'],
    ['key whose END names another label', 'key', block('PRIVATE KEY', body(pem.rsaKey!), 'RSA PRIVATE KEY'), 'invalid'],
    [
      'key with bad base64',
      'key',
      block(
        'PRIVATE KEY',
        body(pem.rsaKey!).map((l, i) => (i === 2 ? `${l.slice(0, 10)}!${l.slice(11)}` : l)),
      ),
      'invalid',
    ],
    ['key cut short', 'key', block('PRIVATE KEY', body(pem.rsaKey!).slice(0, 4)), 'invalid'],
    ['EC PARAMETERS alone', 'key', pem.ecparamKey!.slice(0, pem.ecparamKey!.indexOf('-----BEGIN EC PRIVATE KEY')), 'invalid'],
    ['encrypted PKCS#8 key', 'key', pem.encrypted!, 'policy'],
    ['encrypted traditional key (Proc-Type)', 'key', pem.encryptedTraditional!, 'policy'],
    ['two keys', 'key', pem.rsaKey! + pem.ed25519Key!, 'policy'],
    ['key followed by its certificate', 'key', pem.rsaKey! + cert, 'policy'],
  ];
}

/** Whether OpenSSL reads the text as the field's program would. */
async function openssl(field: 'certificate' | 'key', text: string, name: string): Promise<boolean> {
  const file = join(dir, `${name}.pem`);
  writeFileSync(file, text);
  if (field === 'key')
    return run('openssl', ['pkey', '-noout', '-in', file, '-passin', 'pass:x']).then(
      () => true,
      () => false,
    );
  // The chain reader: every block must be readable, and at least one certificate found.
  const p7 = join(dir, `${name}.p7`);
  const read = await run('openssl', ['crl2pkcs7', '-nocrl', '-certfile', file, '-out', p7]).then(
    () => true,
    () => false,
  );
  if (!read) return false;
  const { stdout } = await run('openssl', ['pkcs7', '-in', p7, '-print_certs']);
  return stdout.includes('-----BEGIN CERTIFICATE-----');
}

/** Every block of our canonical form, read alone by `openssl x509|pkey -noout`. */
async function opensslReadsEachBlock(field: 'certificate' | 'key', canonical: string, name: string): Promise<boolean> {
  const blocks = canonical.match(/-----BEGIN [^\n]*-----\n[^-]*-----END [^\n]*-----\n/g) ?? [];
  if (blocks.length === 0 || blocks.join('') !== canonical) return false;
  for (const [i, b] of blocks.entries()) {
    const file = join(dir, `${name}-${i}.pem`);
    writeFileSync(file, b);
    const args = field === 'key' ? ['pkey', '-noout', '-in', file] : ['x509', '-noout', '-in', file];
    if (
      !(await run('openssl', args).then(
        () => true,
        () => false,
      ))
    )
      return false;
  }
  return true;
}

describe("PEM: our verdict is OpenSSL's", () => {
  it('for what openssl makes, what operators paste, and what OpenSSL refuses', async () => {
    if (!haveOpenssl) return;
    const all = cases();
    expect(all.length).toBeGreaterThanOrEqual(40);
    const wrong: string[] = [];
    for (const [n, [name, field, text, verdict]] of all.entries()) {
      const ours = field === 'key' ? privateKeyPemProblem(text) : certificatePemProblem(text);
      const raw = await openssl(field, text, `raw${n}`);
      const expectOpenssl = verdict === 'valid' || verdict === 'policy';
      if (raw !== expectOpenssl) wrong.push(`${name}: OpenSSL ${raw ? 'reads' : 'refuses'} the raw text, the case says ${verdict}`);
      if (verdict === 'policy') {
        if (ours === null || !/policy|passphrase/.test(ours)) wrong.push(`${name}: a policy case, ours: ${ours}`);
        continue;
      }
      if ((ours === null) !== (verdict !== 'invalid')) wrong.push(`${name}: ours ${ours ?? 'valid'}, the case says ${verdict}`);
      if (ours !== null) continue;
      const canonical = field === 'key' ? normalizePrivateKeyPem(text) : normalizeCertificatePem(text);
      if (/\r|^[ \t]|[^\n]{65}/m.test(canonical)) wrong.push(`${name}: the canonical form has CR, indentation or long lines`);
      if (!(await opensslReadsEachBlock(field, canonical, `norm${n}`))) wrong.push(`${name}: OpenSSL cannot read our canonical form`);
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('messages never quote the key', () => {
    if (!haveOpenssl) return;
    const lines = body(pem.rsaKey!);
    const hostile = [block('PRIVATE KEY', lines, 'X'), pem.rsaKey! + pem.rsaKey!, block('CERTIFICATE', lines), `${pem.rsaKey!}\n${lines[3]}`];
    for (const text of hostile) {
      const problem = `${privateKeyPemProblem(text)} ${certificatePemProblem(text)}`;
      for (const l of lines) expect(problem).not.toContain(l.slice(0, 16));
    }
  });

  it("hostile input is refused with a short message, within the field's size", () => {
    const b64 = 'QUFB'.repeat(16);
    const hostile = [
      `-----BEGIN CERTIFICATE-----\n${'-'.repeat(60_000)}\n`,
      '-----BEGIN A-----\n-----END A-----\n'.repeat(2000),
      `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`.repeat(400),
      `-----BEGIN ${'A '.repeat(20_000)}-----\n${b64}\n-----END X-----\n`,
      `${'x'.repeat(60_000)}\n`,
    ];
    for (const text of hostile) {
      for (const problem of [certificatePemProblem(text), privateKeyPemProblem(text)]) {
        expect(problem).not.toBeNull();
        expect(problem!.length).toBeLessThan(300);
        expect(problem).not.toContain(b64);
      }
    }
  });
});
