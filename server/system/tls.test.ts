import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { certificateCovers, ensureWizardCertificate, wizardTlsDir } from './tls.js';

let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("the wizard's own certificate", () => {
  it('is ECDSA P-256, names the hostname and every address, and keeps its key 0600', async () => {
    root = mkdtempSync(join(tmpdir(), 'bowtie-tls-'));
    const names = ['ctl-1', 'localhost', '192.168.122.50', 'fe80::1', '::1'];
    const { certificate, created } = await ensureWizardCertificate(root, 'ctl-1', names);
    expect(created).toBe(true);
    const cert = new X509Certificate(certificate.certPem);
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.subjectAltName).toContain('DNS:ctl-1');
    expect(cert.subjectAltName).toContain('IP Address:192.168.122.50');
    expect(cert.subjectAltName).toContain('IP Address:FE80:0:0:0:0:0:0:1');
    expect(cert.fingerprint256).toBe(certificate.fingerprint256);
    expect(statSync(join(wizardTlsDir(root), 'wizard.key')).mode & 0o777).toBe(0o600);
    expect(statSync(wizardTlsDir(root)).mode & 0o777).toBe(0o700);
  });

  it('is reused while it fits, and made again for a new address or near expiry', async () => {
    root = mkdtempSync(join(tmpdir(), 'bowtie-tls-'));
    const now = new Date('2026-06-01T00:00:00Z');
    const first = await ensureWizardCertificate(root, 'ctl-1', ['ctl-1', '10.0.0.5'], now);
    const again = await ensureWizardCertificate(root, 'ctl-1', ['10.0.0.5'], now);
    expect(again.created).toBe(false);
    expect(again.certificate.fingerprint256).toBe(first.certificate.fingerprint256);
    const moved = await ensureWizardCertificate(root, 'ctl-1', ['ctl-1', '10.0.0.6'], now);
    expect(moved.created).toBe(true);
    expect(certificateCovers(moved.certificate.certPem, ['10.0.0.6'], new Date('2027-05-30T00:00:00Z'))).toBe(false);
  });
});
