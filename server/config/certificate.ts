import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { parsePem, pemText, type PemBlock } from './pem.js';

/** Labels under which OpenSSL reads a certificate ("X509 CERTIFICATE" is the old name). */
const CERT_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE']);
/** Unencrypted private keys: PKCS#8, and the PKCS#1 and SEC 1 forms OpenSSL writes. */
const KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY']);
const isKeyLabel = (label: string) => / PRIVATE KEY$|^PRIVATE KEY$/.test(label);
const ENCRYPTED = 'is encrypted: give the key without a passphrase (the appliance has no one to type it at boot)';

/** The certificate blocks of the certificate field, or why it is refused. Never quotes the text. */
function certificateBlocks(pem: string): PemBlock[] | string {
  const blocks = parsePem(pem);
  if (typeof blocks === 'string') return blocks;
  if (blocks.length === 0) return 'must be a PEM certificate (-----BEGIN CERTIFICATE-----)';
  for (const [i, b] of blocks.entries()) {
    if (isKeyLabel(b.label)) {
      return `PEM block ${i + 1} is a private key: put it in the private key field only (our policy: this field is public and is written where anyone can read it)`;
    }
    if (!CERT_LABELS.has(b.label)) {
      return `PEM block ${i + 1} is not a certificate (our policy: this field holds the server certificate and its issuers, nothing else)`;
    }
  }
  return blocks.map((b) => ({ label: 'CERTIFICATE', der: b.der }));
}

/** Why the certificate field is refused, field by field (the chain's order is a cross-field rule). */
export function certificatePemProblem(pem: string): string | null {
  const certs = parseCertificates(pem);
  return typeof certs === 'string' ? certs : null;
}

/** The certificate field as it is written: only the certificates, canonical PEM. */
export function normalizeCertificatePem(pem: string): string {
  const blocks = certificateBlocks(pem);
  return typeof blocks === 'string' ? pem : pemText(blocks);
}

/** Each certificate of the field, parsed, in the order given. */
function parseCertificates(pem: string): X509Certificate[] | string {
  const blocks = certificateBlocks(pem);
  if (typeof blocks === 'string') return blocks;
  const certs: X509Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      certs.push(new X509Certificate(block.der));
    } catch {
      return `certificate ${i + 1} of the chain cannot be parsed`;
    }
  }
  return certs;
}

/** The chain, server certificate first, each certificate issued by the next. */
export function parseCertificateChain(pem: string): X509Certificate[] | string {
  const chain = parseCertificates(pem);
  if (typeof chain === 'string') return chain;
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i]!.checkIssued(chain[i + 1]!)) {
      return `certificate ${i + 2} did not issue certificate ${i + 1}: put the server certificate first, then its issuers in order`;
    }
  }
  return chain;
}

/** The one key block of the private key field, or why it is refused. Never quotes the key. */
function keyBlock(pem: string): PemBlock | string {
  const blocks = parsePem(pem);
  if (typeof blocks === 'string') return blocks;
  if (blocks.some((b) => b.label === 'ENCRYPTED PRIVATE KEY')) return ENCRYPTED;
  const keys = blocks.filter((b) => isKeyLabel(b.label));
  for (const [i, b] of blocks.entries()) {
    if (CERT_LABELS.has(b.label)) {
      return `PEM block ${i + 1} is a certificate: put it in the certificate field (our policy: this field holds the private key and nothing else)`;
    }
    if (isKeyLabel(b.label) && !KEY_LABELS.has(b.label)) {
      return `PEM block ${i + 1} is a kind of private key we do not take (our policy: RSA, EC or Ed25519 keys as PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY; DSA and others are not offered by the TLS server)`;
    }
    // `openssl ecparam -genkey` writes the curve first; the EC key names it again, so it is dropped.
    if (!isKeyLabel(b.label) && !(b.label === 'EC PARAMETERS' && keys.some((k) => k.label === 'EC PRIVATE KEY'))) {
      return `PEM block ${i + 1} is neither a private key nor the EC PARAMETERS of one (our policy: this field holds the private key and nothing else)`;
    }
  }
  if (keys.length === 0) return 'must be one PEM private key (-----BEGIN PRIVATE KEY-----)';
  if (keys.length > 1) {
    return `holds ${keys.length} private keys (our policy: exactly one, since which one the certificate needs cannot be guessed)`;
  }
  return keys[0]!;
}

/** Why the private key field is refused, or null. Never quotes the key: it is a secret. */
export function privateKeyPemProblem(pem: string): string | null {
  const key = parsePrivateKey(pem);
  return typeof key === 'string' ? key : null;
}

/** The private key field as it is written: the key block alone, canonical PEM. */
export function normalizePrivateKeyPem(pem: string): string {
  const key = keyBlock(pem);
  return typeof key === 'string' ? pem : pemText([key]);
}

export interface CertificateSummary {
  subject: string;
  issuer: string;
  subjectAltNames: string[];
  notBefore: Date;
  notAfter: Date;
  fingerprint256: string;
}

export function summarizeCertificate(cert: X509Certificate): CertificateSummary {
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    subjectAltNames: (cert.subjectAltName ?? '').split(', ').filter(Boolean),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    fingerprint256: cert.fingerprint256,
  };
}

/** The private key, or why it is refused, never quoting it: this is a secret. */
export function parsePrivateKey(pem: string): KeyObject | string {
  const block = keyBlock(pem);
  if (typeof block === 'string') return block;
  try {
    return createPrivateKey({ key: pemText([block]), format: 'pem' });
  } catch {
    return 'cannot be parsed as a private key';
  }
}

export interface CertificateCheck {
  field: 'certificate' | 'private_key';
  message: string;
}

/** Checks a provided certificate and key against each other, the clock and the appliance's name. */
export function checkProvidedCertificate(certPem: string, keyPem: string, fqdn: string, now: Date): CertificateCheck[] {
  const problems: CertificateCheck[] = [];
  const chain = parseCertificateChain(certPem);
  const key = parsePrivateKey(keyPem);
  if (typeof key === 'string') problems.push({ field: 'private_key', message: key });
  if (typeof chain === 'string') {
    problems.push({ field: 'certificate', message: chain });
    return problems;
  }
  const leaf = chain[0]!;
  const { notBefore, notAfter } = summarizeCertificate(leaf);
  if (now < notBefore) problems.push({ field: 'certificate', message: `is not valid before ${notBefore.toISOString()}` });
  if (now > notAfter) problems.push({ field: 'certificate', message: `expired on ${notAfter.toISOString()}` });
  if (leaf.checkHost(fqdn, { subject: 'default' }) === undefined) {
    problems.push({ field: 'certificate', message: `does not cover ${fqdn} (the appliance's name)` });
  }
  if (typeof key !== 'string' && !leaf.checkPrivateKey(key)) {
    problems.push({ field: 'private_key', message: 'does not match the certificate' });
  }
  return problems;
}
