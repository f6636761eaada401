/**
 * The host name a cloud-config sets, with Debian's cloud-init as the oracle (scripts/test.sh
 * installs it): its own util.get_hostname_fqdn and the preserve_hostname check of
 * cc_set_hostname, over every combination of hostname, fqdn and preserve_hostname below, all in
 * one Python run. The machine's own name (what cloud-init falls back to, from meta-data without
 * local-hostname, as Proxmox writes it) is the image's, "bowtie". Where cloud-init sets a name,
 * we take the same host name (and the fqdn's rest as the domain), or say why the document cannot
 * hold it; where it sets none or fails, we take none.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hostnameProblem } from '../../server/config/names.js';
import { parseUserData } from '../../server/cloud-init/formats.js';
import { hostNameAsCloudInit } from '../../server/cloud-init/host-name.js';
import { FACTORY_HOSTNAME } from '../../server/cloud-init/partial.js';

const PYTHON = '/usr/bin/python3';
const available = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import cloudinit.util'], { stdio: 'ignore' }).status === 0;

const ORACLE = String.raw`
import collections, json, sys
from cloudinit import safeyaml, util
Name = collections.namedtuple("Name", "hostname is_default")
class Cloud:
    def get_hostname(self, fqdn=False, metadata_only=False):
        return Name(${JSON.stringify(FACTORY_HOSTNAME)}, False)
out = []
for doc in json.load(sys.stdin):
    cfg = safeyaml.load(doc) or {}
    if util.get_cfg_option_bool(cfg, "preserve_hostname", False):
        out.append({"preserved": True})
        continue
    try:
        hostname, fqdn, _ = util.get_hostname_fqdn(cfg, Cloud())
        out.append({"hostname": hostname if isinstance(hostname, str) else None, "fqdn": fqdn if isinstance(fqdn, str) else None})
    except Exception as e:
        out.append({"error": type(e).__name__})
print(json.dumps(out))
`;

const HOSTNAMES = [
  null,
  'ctl-pve-01',
  'ctl-pve-01.lab.example.net',
  'other.lab.example.net',
  'CTL-PVE-01',
  'ctl_pve_01',
  '.lead',
  'a'.repeat(63),
  'a'.repeat(64),
  '123',
  '"ctl 01"',
  '"on"',
  'on',
  "''",
  '[a, b]',
];
const FQDNS = [
  null,
  'ctl-pve-01.lab.example.net',
  'other.lab.example.net',
  'ctl-pve-01',
  'ctl-pve-01.lab.example.net.',
  'ctl-pve-01.lab_x.net',
  `ctl-pve-01.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(60)}`,
  '123',
  "''",
];
const PRESERVE = [null, 'true', 'false', 'yes', '"yes"', '"no"', '"TRUE "', '1', '0', '2', '[]', '[x]'];

function corpus(): string[] {
  const docs: string[] = [];
  for (const h of HOSTNAMES)
    for (const f of FQDNS)
      for (const p of PRESERVE) {
        const lines = ['#cloud-config', 'manage_etc_hosts: true'];
        if (h !== null) lines.push(`hostname: ${h}`);
        if (f !== null) lines.push(`fqdn: ${f}`);
        if (p !== null) lines.push(`preserve_hostname: ${p}`);
        docs.push(`${lines.join('\n')}\n`);
      }
  return docs;
}

type Oracle = { preserved: true } | { hostname: string | null; fqdn: string | null } | { error: string };

describe.skipIf(!available)('the host name from a cloud-config, as cloud-init sets it', () => {
  const docs = corpus();
  const run = available ? spawnSync(PYTHON, ['-c', ORACLE], { input: JSON.stringify(docs), encoding: 'utf8', maxBuffer: 64 << 20 }) : null;
  const answers = run?.status === 0 ? (JSON.parse(run.stdout) as Oracle[]) : [];

  it('agrees with cloud-init on every combination', async () => {
    expect(run?.status, run?.stderr).toBe(0);
    expect(answers).toHaveLength(docs.length);
    const wrong: string[] = [];
    const counts = { set: 0, withDomain: 0, notHeld: 0, none: 0 };
    for (const [i, doc] of docs.entries()) {
      const a = answers[i]!;
      const parsed = await parseUserData(Buffer.from(doc));
      if (parsed.kind !== 'none') {
        wrong.push(`${JSON.stringify(doc)}: read as ${parsed.kind}`);
        continue;
      }
      const ours = parsed.host ? hostNameAsCloudInit(parsed.host) : { hostname: null, domain: null, ignored: [], notes: [] };
      const what = `${JSON.stringify(doc)}: cloud-init ${JSON.stringify(a)}, we ${JSON.stringify({ hostname: ours.hostname, domain: ours.domain })}`;
      if ('preserved' in a || 'error' in a || a.hostname === null || (a.hostname === FACTORY_HOSTNAME && !/^(hostname|fqdn):/m.test(doc))) {
        // cloud-init sets no name from the user data (or fails): the image's stays.
        counts.none++;
        if (ours.hostname !== null) wrong.push(what);
        continue;
      }
      if (hostnameProblem(a.hostname)) {
        // A name the document cannot hold: not taken, and said so.
        counts.notHeld++;
        if (ours.hostname !== null || !ours.ignored.some((l) => l.includes('not taken'))) wrong.push(what);
        continue;
      }
      counts.set++;
      if (ours.hostname !== a.hostname) wrong.push(what);
      else if (ours.domain !== null) {
        counts.withDomain++;
        if (`${ours.hostname}.${ours.domain}` !== a.fqdn) wrong.push(what);
      } else if (a.fqdn !== null && a.fqdn.startsWith(`${a.hostname}.`) && !ours.ignored.some((l) => l.includes('domain is not taken'))) {
        wrong.push(`${what} (its domain neither taken nor reported)`);
      }
    }
    expect(wrong).toEqual([]);
    // Every outcome is exercised.
    expect(counts.set).toBeGreaterThan(50);
    expect(counts.withDomain).toBeGreaterThan(10);
    expect(counts.notHeld).toBeGreaterThan(50);
    expect(counts.none).toBeGreaterThan(100);
  });
});
