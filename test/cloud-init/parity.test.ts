/**
 * One document, three ways in: the web form, a file given to the CLI, and cloud-init user data
 * (cloud-config, JSON, MIME, gzip). Each must end in byte-identical Nix fragments.
 *
 * CLI: readDocumentFile -> validateDocument -> renderFragment, as `render FILE` does.
 * cloud-init: interpretUserData (what `bowtie-setup cloud-init` acts on) -> renderFragment.
 * Form: the real wizard (createApp, in process) filled in step by step; the document it hands
 * to the apply engine -> validateDocument -> renderFragment.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { interpretUserData } from '../../server/cloud-init/index.js';
import { readDocumentFile } from '../../server/commands/document-file.js';
import { validateDocument } from '../../server/config/validate.js';
import { renderFragment } from '../../server/nix/render.js';
import { createWizard } from '../helpers/wizard.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const PASSWORD = 'correct-horse-battery-staple';

const DOCUMENTS = {
  'static network, domain and acme': {
    hostname: 'ctl-sfo-01',
    domain: 'corp.example.com',
    site: { name: 'San Francisco "office" ${x}' },
    admin: {
      email: 'ops@example.com',
      password: PASSWORD,
      ssh_authorized_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBcwCHmfonosD9uU5lAXh1O8btwR2vJZqKYgq/jEX4Z2 ops@laptop'],
    },
    network: {
      interface: 'ens3',
      ipv4: { method: 'static', address: '10.0.0.5/24', gateway: '10.0.0.1' },
      ipv6: { method: 'off' },
      dns: ['1.1.1.1', '9.9.9.9'],
      ntp: ['time.cloudflare.com'],
    },
    enrollment: {
      site_id: '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b',
      token: 'psk-0123456789abcdef0123456789',
      entrypoints: ['https://ctl-1.corp.example.com'],
    },
    tls: { mode: 'acme' },
    updates: { enable: true, schedule: 'Sat *-*-* 02:30:00', randomized_delay: '30m', channel: 'beta' },
  },
  'minimal with every default': {
    hostname: 'ctl-min-01',
    admin: { email: 'ops@example.com', password: PASSWORD },
    enrollment: { site_id: '6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b', token: 'psk-fedcba9876543210fedcba98' },
  },
} as const;

type Doc = (typeof DOCUMENTS)[keyof typeof DOCUMENTS];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bowtie-parity-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fragmentOf(value: unknown): string {
  const result = validateDocument(value, 'complete', NOW);
  if (!result.ok) throw new Error(`invalid: ${JSON.stringify(result.errors)}`);
  return renderFragment(result.config);
}

async function viaCli(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  const read = await readDocumentFile(file);
  if (!read.ok) throw new Error(JSON.stringify(read.errors));
  return fragmentOf(read.value);
}

async function viaCloudInit(userData: string | Buffer): Promise<string> {
  const it = await interpretUserData(Buffer.from(userData), NOW);
  if (it.kind !== 'complete') throw new Error(`not complete: ${JSON.stringify(it)}`);
  return renderFragment(it.config);
}

function userDataFormats(doc: Doc): Record<string, string | Buffer> {
  const cloudConfig = `#cloud-config\npackages: [jq]\n${stringify({ bowtie_setup: doc })}runcmd: [[sh, -c, "echo done"]]\n`;
  return {
    'cloud-config': cloudConfig,
    json: JSON.stringify({ runcmd: ['true'], bowtie_setup: doc }),
    'MIME with a shell script': [
      'Content-Type: multipart/mixed; boundary="==b=="',
      'MIME-Version: 1.0',
      '',
      '--==b==',
      'Content-Type: text/x-shellscript',
      '',
      '#!/bin/sh',
      'echo hi',
      '--==b==',
      'Content-Type: text/cloud-config',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(cloudConfig).toString('base64'),
      '--==b==--',
      '',
    ].join('\n'),
    gzip: gzipSync(cloudConfig),
  };
}

/** Fills in the wizard's steps with `doc` and returns the document it hands to the engine. */
async function viaForm(doc: Doc): Promise<string> {
  const w = createWizard();
  try {
    const c = await w.unlocked();
    const d = doc as Doc & Partial<(typeof DOCUMENTS)['static network, domain and acme']>;
    const posts: Array<[string, Record<string, string>]> = [
      [
        '/admin',
        {
          'admin.email': d.admin.email,
          'admin.password': d.admin.password,
          'admin.password_confirm': d.admin.password,
          'admin.ssh_authorized_keys': (d.admin.ssh_authorized_keys ?? []).join('\n'),
        },
      ],
      [
        '/network',
        {
          hostname: d.hostname,
          domain: d.domain ?? '',
          'network.interface': d.network?.interface ?? '',
          'network.ipv4.method': d.network?.ipv4.method ?? 'dhcp',
          'network.ipv4.address': d.network?.ipv4.address ?? '',
          'network.ipv4.gateway': d.network?.ipv4.gateway ?? '',
          'network.ipv6.method': d.network?.ipv6.method ?? 'auto',
          'network.dns': (d.network?.dns ?? []).join('\n'),
          'network.ntp': (d.network?.ntp ?? []).join('\n'),
        },
      ],
      [
        '/enrollment',
        {
          'site.name': d.site?.name ?? '',
          'enrollment.site_id': d.enrollment.site_id,
          'enrollment.token': d.enrollment.token,
          'enrollment.entrypoints': (d.enrollment.entrypoints ?? []).join('\n'),
        },
      ],
      ['/tls', { 'tls.mode': d.tls?.mode ?? (d.domain ? 'acme' : 'self-signed') }],
      [
        '/updates',
        {
          'updates.enable': String(d.updates?.enable ?? true),
          'updates.schedule_preset': 'custom',
          'updates.schedule': d.updates?.schedule ?? 'Sun *-*-* 03:00:00',
          'updates.randomized_delay': d.updates?.randomized_delay ?? '1h',
          'updates.channel': d.updates?.channel ?? 'stable',
        },
      ],
    ];
    for (const [path, fields] of posts) {
      const res = await c.post(path, fields);
      if (res.status !== 303)
        throw new Error(
          `${path}: ${res.status}\n${res.text
            .replace(/<[^>]+>/g, ' ')
            .replace(/\s+/g, ' ')
            .slice(0, 2000)}`,
        );
    }
    await c.get('/review');
    const res = await c.post('/apply');
    expect(res.status).toBe(303);
    expect(w.apply.started).toHaveLength(1);
    return fragmentOf(w.apply.started[0]!.document);
  } finally {
    w.close();
  }
}

describe('the same document through the form, the CLI and cloud-init gives the same fragment', () => {
  for (const [name, doc] of Object.entries(DOCUMENTS)) {
    it(name, async () => {
      const reference = await viaCli(`${name}.yaml`, stringify(doc));
      expect(reference).toContain('bowtie.site = {');
      expect(await viaCli(`${name}.json`, JSON.stringify(doc, null, 2))).toBe(reference);
      for (const [format, userData] of Object.entries(userDataFormats(doc))) {
        expect(await viaCloudInit(userData), format).toBe(reference);
      }
      expect(await viaForm(doc), 'web form').toBe(reference);
    });
  }
});
