/**
 * Writes the TLS fixtures under test/fixtures/tls/: a CA, certificates for the golden cases'
 * appliance name (valid for a century, expired, not yet valid, for another name) and keys.
 * Run once with `npx tsx scripts/make-test-certificates.ts`; the output is committed so golden
 * files stay byte-stable.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const dir = 'test/fixtures/tls';

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`;
}

const ca = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
const caCert = await x509.X509CertificateGenerator.createSelfSigned({
  serialNumber: '01',
  name: 'CN=Example Test CA',
  notBefore: new Date('2025-01-01T00:00:00Z'),
  notAfter: new Date('2125-01-01T00:00:00Z'),
  keys: ca,
  signingAlgorithm: alg,
  extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
});
writeFileSync(`${dir}/ca.pem`, caCert.toString('pem') + '\n');

async function leaf(name: string, dnsNames: string[], notBefore: string, notAfter: string, serial: string) {
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: `CN=${dnsNames[0]}`,
    issuer: caCert.subject,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    signingKey: ca.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: alg,
    extensions: [new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns' as const, value })))],
  });
  writeFileSync(`${dir}/${name}.pem`, cert.toString('pem') + '\n');
  writeFileSync(`${dir}/${name}.key`, await pkcs8Pem(keys.privateKey));
}

await leaf('ctl', ['ctl-sfo-01.corp.example.com'], '2025-06-01T00:00:00Z', '2125-06-01T00:00:00Z', '02');
await leaf('wildcard', ['*.corp.example.com'], '2025-06-01T00:00:00Z', '2125-06-01T00:00:00Z', '03');
await leaf('expired', ['ctl-sfo-01.corp.example.com'], '2020-01-01T00:00:00Z', '2021-01-01T00:00:00Z', '04');
await leaf('future', ['ctl-sfo-01.corp.example.com'], '2120-01-01T00:00:00Z', '2125-01-01T00:00:00Z', '05');
await leaf('other-host', ['www.example.org'], '2025-06-01T00:00:00Z', '2125-06-01T00:00:00Z', '06');
