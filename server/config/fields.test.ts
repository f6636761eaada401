import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkProvidedCertificate, normalizeCertificatePem, normalizePrivateKeyPem, parseCertificateChain, summarizeCertificate } from './certificate.js';
import { ipv4HostProblem, parseCidr4, parseCidr6, parseIPv4, parseIPv6 } from './ip.js';
import { dnsNameProblem, emailProblem, hostnameProblem, httpsUrlProblem, serverProblem } from './names.js';
import { argon2HashProblem, cryptHashProblem } from './password-hash.js';
import { sshKeyProblem, splitSshKey } from './ssh-key.js';

const tls = (name: string) => readFileSync(new URL(`../../test/fixtures/tls/${name}`, import.meta.url), 'utf8');

describe('addresses', () => {
  it.each(['10.0.0.1', '255.255.255.255', '0.0.0.0'])('parses %s', (a) => expect(parseIPv4(a)).not.toBeNull());
  it.each(['010.0.0.1', '10.1', '0x0a.0.0.1', '10.0.0.256', '10.0.0.1 ', '1.2.3.4.5', ''])('rejects IPv4 %j', (a) => expect(parseIPv4(a)).toBeNull());
  it.each(['2001:db8::1', '::1', 'fe80::1', '::ffff:10.0.0.1'])('parses %s', (a) => expect(parseIPv6(a)).not.toBeNull());
  it.each(['fe80::1%eth0', '2001:db8::g', ':::', '2001:db8::1/64'])('rejects IPv6 %j', (a) => expect(parseIPv6(a)).toBeNull());
  it.each(['10.0.0.5/24', '10.0.0.5/0', '10.0.0.5/32'])('parses CIDR %s', (c) => expect(parseCidr4(c)).not.toBeNull());
  it.each(['10.0.0.5/33', '10.0.0.5/024', '10.0.0.5', '10.0.0.5/'])('rejects CIDR %j', (c) => expect(parseCidr4(c)).toBeNull());
  it('rejects 2001:db8::/129', () => expect(parseCidr6('2001:db8::/129')).toBeNull());
  it.each([
    ['10.0.0.0/24', /network address/],
    ['10.0.0.255/24', /broadcast address/],
    ['127.0.0.1/8', /loopback/],
    ['224.0.0.1/24', /multicast/],
    ['169.254.1.1/16', /link local/],
  ])('%s is not a host address', (c, m) => expect(ipv4HostProblem(parseCidr4(c)!)).toMatch(m));
  it.each(['10.0.0.0/31', '10.0.0.1/31', '10.0.0.7/32', '192.168.1.1/24'])('%s is a host address', (c) => expect(ipv4HostProblem(parseCidr4(c)!)).toBeNull());
});

describe('names', () => {
  it.each(['a', 'ctl-01', 'A1', 'x'.repeat(63), '123'])('hostname %s', (h) => expect(hostnameProblem(h)).toBeNull());
  it.each(['', '-a', 'a-', 'a_b', 'a.b', 'x'.repeat(64), 'ä', 'a b'])('not hostname %j', (h) => expect(hostnameProblem(h)).not.toBeNull());
  it.each(['example.com', 'corp.example.com', 'localdomain'])('domain %s', (d) => expect(dnsNameProblem(d)).toBeNull());
  it.each(['example.com.', 'a..b', '1.2.3.4', `${'x'.repeat(64)}.com`])('not domain %j', (d) => expect(dnsNameProblem(d)).not.toBeNull());
  it.each(['1.1.1.1', '2606:4700::1111', 'dns.example.net', 'ntp'])('server %s', (s) => expect(serverProblem(s)).toBeNull());
  it.each(['1.1.1', '300.1.1.1', 'a_b.example', '::g'])('not server %j', (s) => expect(serverProblem(s)).not.toBeNull());
  it.each(['ops@example.com', 'a.b+c@x.example', '"a b\\"c"@example.com', "o'${x}{y}@example.com", 'élodie@example.fr'])('email %s', (e) =>
    expect(emailProblem(e)).toBeNull(),
  );
  it.each(['ops', '@example.com', 'ops@', 'ops@localhost', 'a..b@example.com', 'a b@example.com', '"a\nb"@example.com', `${'x'.repeat(65)}@example.com`])(
    'not email %j',
    (e) => expect(emailProblem(e)).not.toBeNull(),
  );
  it.each(['https://ctl.example.com', 'https://10.0.0.1:8443/x', 'https://[2001:db8::1]/'])('url %s', (u) => expect(httpsUrlProblem(u)).toBeNull());
  it.each(['http://x.example', 'https://u:p@x.example', 'https://x.example/\n', 'ctl', 'https://a_b.example', 'ftp://x.example'])('not url %j', (u) =>
    expect(httpsUrlProblem(u)).not.toBeNull(),
  );
});

describe('SSH keys', () => {
  const ed = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBcwCHmfonosD9uU5lAXh1O8btwR2vJZqKYgq/jEX4Z2';
  it('takes any comment as free text', () => {
    expect(sshKeyProblem(`${ed} a\nb\t\u0001 🦀`)).toBeNull();
    expect(splitSshKey(`${ed} two words`)?.comment).toBe('two words');
  });
  it('rejects a truncated blob', () => expect(sshKeyProblem('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBcw')).toMatch(/truncated/));
  it('rejects trailing bytes', () =>
    expect(sshKeyProblem(`ssh-ed25519 ${Buffer.concat([Buffer.from(ed.split(' ')[1]!, 'base64'), Buffer.from([0])]).toString('base64')}`)).toMatch(
      /trailing|truncated|base64/,
    ));
  it('rejects a mislabelled ECDSA curve', () => {
    const blob = Buffer.concat(['ecdsa-sha2-nistp256', 'nistp384'].map((s) => Buffer.concat([Buffer.from([0, 0, 0, s.length]), Buffer.from(s)])));
    expect(sshKeyProblem(`ecdsa-sha2-nistp256 ${blob.toString('base64')}`)).toMatch(/curve/);
  });
});

describe('certificates', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  it('summarizes subject, SANs and expiry', () => {
    const chain = parseCertificateChain(tls('ctl.pem'));
    if (typeof chain === 'string') throw new Error(chain);
    const s = summarizeCertificate(chain[0]!);
    expect(s.subject).toContain('ctl-sfo-01.corp.example.com');
    expect(s.subjectAltNames).toEqual(['DNS:ctl-sfo-01.corp.example.com']);
    expect(s.notAfter.toISOString()).toBe('2125-06-01T00:00:00.000Z');
  });
  it('accepts a matching pair for the right name', () =>
    expect(checkProvidedCertificate(tls('ctl.pem'), tls('ctl.key'), 'ctl-sfo-01.corp.example.com', now)).toEqual([]));
  it('never quotes the private key in its messages', () => {
    const key = tls('ctl.key').replace('MIG', 'XXX');
    const problems = checkProvidedCertificate(tls('ctl.pem'), key, 'ctl-sfo-01.corp.example.com', now);
    expect(problems.length).toBeGreaterThan(0);
    for (const line of key.split('\n').filter((l) => l.length > 20)) {
      expect(JSON.stringify(problems)).not.toContain(line);
    }
  });
  it('rejects text that is not PEM', () => expect(parseCertificateChain('hello')).toMatch(/PEM certificate/));
  it('keeps only the canonical blocks: no Bag Attributes, CR or indentation', () => {
    const pasted = `Bag Attributes\r\n    localKeyID: 01 00 00 00\r\nsubject=CN = x\r\n\r\n${tls('ctl.pem').replace(/^/gm, '  ').replace(/\n/g, '\r\n')}`;
    expect(normalizeCertificatePem(pasted)).toBe(tls('ctl.pem'));
    const key = tls('ctl.key').replace(/^/gm, ' ').replace(/\n/g, '\r\n');
    expect(normalizePrivateKeyPem(`Key Attributes: <No Attributes>\r\n${key}`)).toBe(tls('ctl.key'));
  });
});

describe('password hashes', () => {
  it('accepts a strong argon2id hash in either parameter order', () => {
    expect(argon2HashProblem('$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$2bDbcwDObBy6hPEXgLDD7FwI9dYIHJiKuCqCkDiN6Yo')).toBeNull();
    expect(argon2HashProblem('$argon2id$v=19$m=19456,p=1,t=2$c29tZXNhbHRzb21lc2FsdA$2bDbcwDObBy6hPEXgLDD7FwI9dYIHJiKuCqCkDiN6Yo')).toBeNull();
  });
  it.each([
    '$argon2i$v=19$m=65536,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$2bDbcwDObBy6hPEXgLDD7FwI9dYIHJiKuCqCkDiN6Yo',
    '$argon2id$v=19$m=19455,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2bDbcwDObBy6hPEXgLDD7FwI9dYIHJiKuCqCkDiN6Yo',
    '$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$2bDbcwDObBy6hPEXgLDD7FwI9dYIHJiKuCqCkDiN6Yo',
    '$argon2id$v=19$m=65536,t=3,x=1$c29tZXNhbHRzb21lc2FsdA$2bDbcwDObBy6hPEXgLDD7FwI9dYIHJiKuCqCkDiN6Yo',
    'correct-horse-battery-staple',
  ])('rejects %s', (h) => expect(argon2HashProblem(h)).not.toBeNull());
  it('console hashes are crypt(3) formats', () => {
    expect(cryptHashProblem('$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1')).toBeNull();
    expect(cryptHashProblem('$2b$05$CCCCCCCCCCCCCCCCCCCCC.aDV7CQarKHMuNfh2oJkFzsHZya4whFe')).toBeNull();
    expect(cryptHashProblem('$6$saltsalt$' + 'a'.repeat(86))).toMatch(/as crypt writes them/);
    expect(cryptHashProblem('$1$md5$insecure')).not.toBeNull();
  });
});
