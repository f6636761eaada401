import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /^-----BEGIN (RSA |EC )?PRIVATE KEY-----\r?\n[\s\S]*?-----END \1PRIVATE KEY-----\s*$/;

export interface CertificateSummary {
  subject: string;
  issuer: string;
  subjectAltNames: string[];
  notBefore: Date;
  notAfter: Date;
  fingerprint256: string;
}

export function parseCertificateChain(pem: string): X509Certificate[] | string {
  const blocks = pem.match(CERT_BLOCK);
  if (!blocks) return 'must be a PEM certificate (-----BEGIN CERTIFICATE-----)';
  const rest = pem.replace(CERT_BLOCK, '').trim();
  if (rest !== '') return 'must hold only PEM certificates (found other text around them)';
  const chain: X509Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      chain.push(new X509Certificate(block));
    } catch {
      return `certificate ${i + 1} of the chain cannot be parsed`;
    }
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i]!.checkIssued(chain[i + 1]!)) {
      return `certificate ${i + 2} did not issue certificate ${i + 1}: put the server certificate first, then its issuers in order`;
    }
  }
  return chain;
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

/** The problem with the private key, never quoting it: this is a secret. */
export function parsePrivateKey(pem: string): KeyObject | string {
  if (/ENCRYPTED/.test(pem)) return 'is encrypted: give the key without a passphrase';
  if (!KEY_BLOCK.test(pem)) return 'must be one PEM private key (-----BEGIN PRIVATE KEY-----)';
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
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
