/**
 * The published controller template and the Terraform modules' variant of it, translated:
 * the same settings written as a `bowtie_setup` document (a CLI file, or in user data) give
 * the byte-identical fragment; and no secret from the template reaches the console, the
 * wizard's status file or the marker, whatever is wrong with it.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { interpretUserData, runCloudInit, type HeadlessApply } from '../../server/cloud-init/index.js';
import { MARKER_DIR, STATUS_FILE } from '../../server/cloud-init/state-files.js';
import { readDocument } from '../../server/config/read.js';
import { validateDocument } from '../../server/config/validate.js';
import { EXIT } from '../../server/exit-codes.js';
import { renderFragment } from '../../server/nix/render.js';
import { secretValues } from '../helpers/secrets.js';
import { appliedResult } from './apply-results.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const FIXTURES = new URL('../fixtures/user-data/', import.meta.url).pathname;
const HASH = '$argon2id$v=19$m=65536,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$CanaryR2eHFfw0kUj4mUP6Yz8b0BCmEG6NvbYwVyiRj8';

/** The published template's settings, as a document. */
const PUBLISHED_AS_DOCUMENT = {
  hostname: 'c0',
  domain: 'bowtie.example.com',
  admin: { email: 'ops@example.com', password_hash: HASH },
  enrollment: {
    site_id: '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b',
    token: 'psk-Canary-0123456789abcdef0123',
    entrypoints: ['https://c1.bowtie.example.com'],
  },
  updates: { schedule: 'Sat *-*-* 02:30:00', randomized_delay: '30m' },
  sso: {
    type: 'oidc',
    id: 'okta',
    name: 'Okta',
    issuer: 'https://corp.okta.example.com/oauth2/default',
    client_id: '0oa1b2c3d4e5f6g7h8i9',
    client_secret: 'sso-Canary-client-secret-0123456789',
  },
};

/** The Terraform modules' settings (site.conf, an entrypoints list, a weekday schedule). */
const TERRAFORM_AS_DOCUMENT = {
  hostname: 'ctl-01',
  domain: 'east.bowtie.example.com',
  admin: { email: 'ops@example.com', password_hash: HASH },
  enrollment: {
    site_id: '0b6a5c1e-8f0d-4c7e-9a2b-3c4d5e6f7a8b',
    token: 'tfpsk-Canary-fedcba9876543210',
    entrypoints: ['https://ctl-00.east.bowtie.example.com', 'https://ctl-01.east.bowtie.example.com'],
  },
  updates: { schedule: 'Mon..Fri *-*-* 04:00:00' },
};

async function templateFragment(name: string): Promise<string> {
  const it = await interpretUserData(await readFile(join(FIXTURES, `${name}.userdata`)), NOW);
  if (it.kind !== 'complete') throw new Error(`${name}: not complete: ${JSON.stringify(it)}`);
  return renderFragment(it.config);
}

function cliFragment(doc: unknown): string {
  const read = readDocument(Buffer.from(stringify(doc)));
  if (!read.ok) throw new Error(JSON.stringify(read.errors));
  const checked = validateDocument(read.value, 'complete', NOW);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return renderFragment(checked.config);
}

async function userDataFragment(doc: unknown): Promise<string> {
  const it = await interpretUserData(Buffer.from(`#cloud-config\n${stringify({ bowtie_setup: doc })}`), NOW);
  if (it.kind !== 'complete') throw new Error(`not complete: ${JSON.stringify(it)}`);
  return renderFragment(it.config);
}

describe('the published template and the same settings as a bowtie_setup document', () => {
  for (const [name, doc] of [
    ['template-published', PUBLISHED_AS_DOCUMENT],
    ['template-terraform', TERRAFORM_AS_DOCUMENT],
  ] as const) {
    it(`${name}: byte-identical fragments`, async () => {
      const translated = await templateFragment(name);
      expect(translated).toBe(cliFragment(doc));
      expect(translated).toBe(await userDataFragment(doc));
      expect(translated).not.toContain('Canary');
    });
  }

  it('the template gzip-compressed, base64 contents and in an archive give the same fragment', async () => {
    const text = await readFile(join(FIXTURES, 'template-published.userdata'), 'utf8');
    const zipped = await interpretUserData(gzipSync(text), NOW);
    expect(zipped.kind === 'complete' && renderFragment(zipped.config)).toBe(cliFragment(PUBLISHED_AS_DOCUMENT));
    const archive = `#cloud-config-archive\n${stringify([{ type: 'text/cloud-config', content: text }])}`;
    const archived = await interpretUserData(Buffer.from(archive), NOW);
    expect(archived.kind === 'complete' && renderFragment(archived.config)).toBe(cliFragment(PUBLISHED_AS_DOCUMENT));
  });
});

/** A template with these contents (a complete one unless a test breaks it). */
function template(files: Record<string, string>, extra = ''): string {
  const writeFiles = Object.entries(files).map(([path, content]) => ({ path, content }));
  return `#cloud-config\nfqdn: c0.bowtie.example.com\n${stringify({ write_files: writeFiles })}${extra}`;
}

const PSK = 'psk-Zebra7Q-distinctive-0123456789';
const CLIENT_SECRET = 'clientsecret-Okapi9-distinctive-42';
const GOOD = {
  '/etc/bowtie-server.d/custom.conf': `SITE_ID=6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b\nBOWTIE_SYNC_PSK=${PSK}\n`,
  '/var/lib/bowtie/init-users': `ops@example.com:${HASH}\n`,
  '/etc/dex/sso.yaml': `type: oidc\nid: okta\nname: Okta\nconfig:\n  issuer: https://idp.example.com\n  clientID: abc\n  clientSecret: ${CLIENT_SECRET}\n`,
};

/** Templates with something wrong in a secret's neighbourhood, and the secrets they hold. */
const HOSTILE: Record<string, { userData: string; secrets: string[] }> = {
  'a PSK with blanks': {
    userData: template({
      ...GOOD,
      '/etc/bowtie-server.d/custom.conf': `SITE_ID=6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b\nBOWTIE_SYNC_PSK=psk Walrus3 with blanks 0123\n`,
    }),
    secrets: ['Walrus3'],
  },
  'a PSK too short, a secret on a line of its own, a misspelt variable': {
    userData: template({
      ...GOOD,
      '/etc/bowtie-server.d/custom.conf': `SITE_ID=6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b\nBOWTIE_SYNC_PSK=Ibis5short\nIbex8-secret-on-its-own-line\n`,
    }),
    secrets: ['Ibis5short', 'Ibex8-secret-on-its-own-line'],
  },
  'a client secret with a control character': {
    userData: template({
      ...GOOD,
      '/etc/dex/sso.yaml': `type: oidc\nid: okta\nname: Okta\nconfig:\n  issuer: https://idp.example.com\n  clientID: abc\n  clientSecret: "Lemur4-secret\\u0007bell"\n`,
    }),
    secrets: ['Lemur4-secret', PSK],
  },
  'a hash that is not argon2': {
    userData: template({ ...GOOD, '/var/lib/bowtie/init-users': 'ops@example.com:$6$Narwhal2salt$Narwhal2-not-argon\n' }),
    secrets: ['Narwhal2', PSK, CLIENT_SECRET],
  },
  "a broken sso.yaml and a join strategy that is not the vendor's": {
    userData: template({
      ...GOOD,
      '/etc/dex/sso.yaml': 'type: oidc\nconfig: {clientSecret: "Gecko6-unclosed\n',
      '/etc/bowtie-server.d/custom.conf': `SITE_ID=6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b\nBOWTIE_SYNC_PSK=${PSK}\nBOWTIE_JOIN_STRATEGY=Tapir1-strategy\n`,
    }),
    secrets: ['Gecko6', 'Tapir1', PSK],
  },
  'the template beside a bowtie_setup key': {
    userData: template(
      GOOD,
      stringify({ bowtie_setup: { hostname: 'c0', enrollment: { site_id: '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b', token: 'Quokka7-document-token-0123' } } }),
    ),
    secrets: ['Quokka7', PSK, CLIENT_SECRET],
  },
  'a complete template (applied)': { userData: template(GOOD), secrets: [PSK, CLIENT_SECRET, HASH] },
};

describe('no secret from a template reaches the console, the status file or the marker', () => {
  for (const [name, { userData, secrets }] of Object.entries(HOSTILE)) {
    it(name, async () => {
      const root = await mkdtemp(join(tmpdir(), 'bowtie-template-'));
      try {
        const file = join(root, 'user-data');
        await writeFile(file, userData);
        const printed: string[] = [];
        const applied: unknown[] = [];
        const apply: HeadlessApply = async (o) => {
          applied.push(o.document);
          return appliedResult;
        };
        const code = await runCloudInit({ root, simulate: true, userDataFile: file, force: false, apply, print: (l) => printed.push(l) });
        const written = [printed.join('\n'), await readFile(join(root, STATUS_FILE), 'utf8').catch(() => '')];
        for (const m of await readdir(join(root, MARKER_DIR))) written.push(await readFile(join(root, MARKER_DIR, m), 'utf8'));
        for (const secret of secrets) for (const text of written) expect(text, `${secret} was printed or written`).not.toContain(secret);
        if (name === 'a complete template (applied)') {
          expect(code).toBe(EXIT.ok);
          expect(applied).toHaveLength(1);
          // The engine gets the secrets (it writes them to 0600 files); nobody else does.
          expect(secretValues(applied[0])).toEqual(expect.arrayContaining([PSK, CLIENT_SECRET]));
        } else {
          expect(code, printed.join('\n')).toBe(EXIT.invalid);
          expect(applied).toHaveLength(0);
        }
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    });
  }
});

describe('a legacy argon2i admin hash', () => {
  it('is taken from the template only, with a warning, and the engine is told so', async () => {
    const bytes = await readFile(join(FIXTURES, 'template-legacy-argon2i.userdata'));
    const it = await interpretUserData(bytes, NOW);
    expect(it.kind).toBe('complete');
    expect(it.kind === 'complete' && it.legacyPasswordHash).toBe(true);
    expect(it.notes.join('\n')).toMatch(/legacy argon2i hash \(m=4096 KiB, t=3, p=1\).*set a new password/);
    const hash = /ops@example\.com:(\S+)/.exec(bytes.toString('utf8'))![1]!;
    expect(it.notes.join('\n')).not.toContain(hash);

    const root = await mkdtemp(join(tmpdir(), 'bowtie-legacy-'));
    try {
      const file = join(root, 'user-data');
      await writeFile(file, bytes);
      const calls: Array<{ legacyPasswordHash?: boolean }> = [];
      const apply: HeadlessApply = async (o) => {
        calls.push(o);
        return appliedResult;
      };
      expect(await runCloudInit({ root, simulate: true, userDataFile: file, force: false, apply, print: () => {} })).toBe(EXIT.ok);
      expect(calls).toHaveLength(1);
      expect(calls[0]!.legacyPasswordHash).toBe(true);
    } finally {
      await rm(root, { recursive: true, force: true });
    }

    // Everywhere else (a CLI file, the form, bowtie_setup in user data) it is refused.
    const doc = { hostname: 'c3', admin: { email: 'ops@example.com', password_hash: hash } };
    expect(validateDocument(doc, 'any', NOW)).toMatchObject({ ok: false, errors: [{ path: 'admin.password_hash' }] });
    expect(validateDocument(doc, 'any', NOW, { legacyPasswordHash: true }).ok).toBe(true);
    const inUserData = await interpretUserData(Buffer.from(`#cloud-config\n${stringify({ bowtie_setup: doc })}`), NOW);
    expect(inUserData.kind).toBe('rejected');
    // A modern template passes no such flag.
    const modern = await interpretUserData(await readFile(join(FIXTURES, 'template-published.userdata')), NOW);
    expect(modern.kind === 'complete' && modern.legacyPasswordHash).toBe(false);
  });
});

describe("the template's TLS files and encodings", () => {
  it('/etc/ssl/controller.pem and controller-key.pem, b64 and gzip+b64, give tls provided (checked like any certificate)', async () => {
    const cert = await readFile(new URL('../fixtures/tls/ctl.pem', import.meta.url), 'utf8');
    const key = await readFile(new URL('../fixtures/tls/ctl.key', import.meta.url), 'utf8');
    const userData = `#cloud-config\n${stringify({
      fqdn: 'ctl-sfo-01.corp.example.com',
      write_files: [
        { path: '/etc/bowtie-server.d/custom.conf', content: GOOD['/etc/bowtie-server.d/custom.conf'] },
        { path: '/var/lib/bowtie/init-users', content: GOOD['/var/lib/bowtie/init-users'] },
        { path: '/etc/ssl/controller.pem', encoding: 'b64', content: Buffer.from(cert).toString('base64') },
        { path: '/etc/ssl/controller-key.pem', encoding: 'gzip+b64', content: gzipSync(key).toString('base64') },
      ],
    })}`;
    const it = await interpretUserData(Buffer.from(userData), NOW);
    expect(it.kind, JSON.stringify(it)).toBe('complete');
    if (it.kind !== 'complete') return;
    expect(it.config.tls).toEqual({ mode: 'provided', certificate: cert, private_key: key });
    const fragment = renderFragment(it.config);
    expect(fragment).toContain('private_key_file = "/var/lib/bowtie-setup/secrets/tls-private-key";');
    for (const line of key.split('\n').filter((l) => l.length > 40)) expect(fragment + it.notes.join('\n')).not.toContain(line);

    // Content that says b64 but is not, and gzip that is not gzip: errors naming the file only.
    const broken = `#cloud-config\n${stringify({
      fqdn: 'ctl-sfo-01.corp.example.com',
      write_files: [
        { path: '/etc/ssl/controller-key.pem', encoding: 'b64', content: `${key}!` },
        { path: '/var/lib/bowtie/init-users', encoding: 'gz+b64', content: Buffer.from('not gzip').toString('base64') },
      ],
    })}`;
    const refused = await interpretUserData(Buffer.from(broken), NOW);
    expect(refused.kind).toBe('rejected');
    const text = JSON.stringify(refused);
    expect(text).toContain('write_files /etc/ssl/controller-key.pem says encoding b64 but its content is not base64');
    expect(text).toContain('write_files /var/lib/bowtie/init-users says encoding gz+b64 but its content is not valid gzip data');
    for (const line of key.split('\n').filter((l) => l.length > 40)) expect(text).not.toContain(line);
  });
});

describe('any shape under the template keys', () => {
  it('is answered (translated or refused), never thrown', async () => {
    const fc = await import('fast-check');
    const scalar = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom(
        '{{ X }}',
        '${y}',
        '$argon2i$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA',
        'entrypoints = [ "https://a" ]',
        '[Timer]\nOnCalendar=daily',
      ),
    );
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        scalar,
        fc.array(tie('v'), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom('path', 'content', 'encoding', 'name', 'ssh_authorized_keys', 'hashed_passwd', 'append', 'type', 'config'), tie('v'), {
          maxKeys: 4,
        }),
      ),
    })).v;
    const path = fc.constantFrom(
      '/etc/bowtie-server.d/custom.conf',
      '/etc/bowtie-server.d/site.conf',
      '/var/lib/bowtie/init-users',
      '/var/lib/bowtie/should-join.conf',
      '/etc/dex/sso.yaml',
      '/etc/update-at',
      '/etc/ssl/controller.pem',
      '/var/lib/bowtie/skip-gui-init',
      '/etc/motd',
    );
    const entry = fc.record(
      { path, content: fc.oneof(fc.string({ maxLength: 200 }), value), encoding: fc.constantFrom(undefined, 'b64', 'gzip+b64', 'gz', 'text/plain', 7) },
      { requiredKeys: ['path'] },
    );
    const top = fc.record(
      {
        fqdn: fc.oneof(fc.constant('c0.example.com'), scalar),
        hostname: scalar,
        write_files: fc.oneof(fc.array(fc.oneof(entry, value), { maxLength: 6 }), value),
        users: fc.oneof(
          fc.array(fc.oneof(fc.constant('default'), fc.record({ name: fc.constantFrom('root', 'ops'), ssh_authorized_keys: value, hashed_passwd: value })), {
            maxLength: 3,
          }),
          value,
        ),
        ssh_authorized_keys: value,
        password: scalar,
      },
      { requiredKeys: ['write_files'] },
    );
    await fc.assert(
      fc.asyncProperty(top, async (t) => {
        const it = await interpretUserData(Buffer.from(`#cloud-config\n${stringify(t)}`), NOW);
        expect(['none', 'rejected', 'partial', 'complete']).toContain(it.kind);
      }),
      { numRuns: 300, seed: 305 },
    );
  });
});
