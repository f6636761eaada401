/**
 * The wizard's own certificate: self-signed ECDSA P-256, for the appliance's hostname and
 * every local address, kept in `<root>/var/lib/bowtie-setup/web/tls/` (key 0600). Made on first
 * start and again when it no longer covers a current name or address or is about to expire.
 * Its SHA-256 fingerprint goes on the console so the person can check what the browser shows.
 */
import { X509Certificate, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { WIZARD_TLS_DIR } from '../nix/paths.js';
import { writeFileAtomic } from './atomic-file.js';

/**
 * @peculiar/x509 (and the reflect-metadata polyfill it needs first) takes about 0.4 s to load:
 * loaded only when a certificate is made, so a restart with a stored one does not pay for it.
 */
async function loadX509() {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  // Node's webcrypto is the DOM Crypto that @peculiar/x509 expects; the DOM types are not loaded here.
  x509.cryptoProvider.set(webcrypto as never);
  return x509;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const VALID_DAYS = 365;
/** Renewed this long before expiry, so a setup that takes a while never meets an expired one. */
const RENEW_BEFORE_MS = 7 * 86_400_000;

export interface WizardCertificate {
  certPem: string;
  keyPem: string;
  /** "AB:CD:..." as browsers show it. */
  fingerprint256: string;
}

/** The files in wizardTlsDir(): the certificate and its key. */
export const WIZARD_TLS_FILES = ['wizard.pem', 'wizard.key'] as const;

export function wizardTlsDir(root: string): string {
  return join(root, WIZARD_TLS_DIR);
}

function pem(label: string, der: ArrayBuffer): string {
  return `-----BEGIN ${label}-----\n${Buffer.from(der)
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END ${label}-----\n`;
}

/** Whether a certificate covers every name and address and stays valid past the renewal margin. */
export function certificateCovers(certPem: string, names: readonly string[], now: Date): boolean {
  const cert = parseCertificate(certPem);
  return cert !== null && covers(cert, names, now);
}

function parseCertificate(certPem: string): X509Certificate | null {
  try {
    return new X509Certificate(certPem);
  } catch {
    return null;
  }
}

function covers(cert: X509Certificate, names: readonly string[], now: Date): boolean {
  if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_MS) return false;
  if (new Date(cert.validFrom).getTime() > now.getTime()) return false;
  return names.every((n) => (isIP(n) ? cert.checkIP(n) !== undefined : cert.checkHost(n, { subject: 'never' }) !== undefined));
}

export async function createWizardCertificate(commonName: string, names: readonly string[], now: Date): Promise<WizardCertificate> {
  const x509 = await loadX509();
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const serial = randomBytes(16);
  serial[0]! &= 0x7f; // a positive serial number
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `CN=${commonName.replace(/[,+="\\<>;#]/g, '')}, O=Bowtie setup wizard`,
    notBefore: new Date(now.getTime() - 3600_000), // clocks of fresh VMs run a little behind
    notAfter: new Date(now.getTime() + VALID_DAYS * 86_400_000),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: isIP(value) ? ('ip' as const) : ('dns' as const), value }))),
    ],
  });
  const certPem = cert.toString('pem') + '\n';
  return {
    certPem,
    keyPem: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
    fingerprint256: new X509Certificate(certPem).fingerprint256,
  };
}

/** The stored certificate when it still fits, else a new one (written before it is used). */
export async function ensureWizardCertificate(
  root: string,
  commonName: string,
  names: readonly string[],
  now: Date = new Date(),
): Promise<{ certificate: WizardCertificate; created: boolean }> {
  const dir = wizardTlsDir(root);
  try {
    const [certPem, keyPem] = await Promise.all([readFile(join(dir, 'wizard.pem'), 'utf8'), readFile(join(dir, 'wizard.key'), 'utf8')]);
    // Parsed once: every start with a stored certificate does this before it listens.
    const cert = parseCertificate(certPem);
    if (cert && covers(cert, names, now) && cert.checkPrivateKey(createPrivateKey(keyPem))) {
      return { certificate: { certPem, keyPem, fingerprint256: cert.fingerprint256 }, created: false };
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const certificate = await createWizardCertificate(commonName, names, now);
  // Key first: a crash between the two leaves a pair that does not match, which the next
  // start sees and replaces.
  await writeFileAtomic(join(dir, 'wizard.key'), certificate.keyPem, { mode: 0o600, dirMode: 0o700 });
  await writeFileAtomic(join(dir, 'wizard.pem'), certificate.certPem, { mode: 0o644, dirMode: 0o700 });
  return { certificate, created: true };
}
