/**
 * Which services an apply starts, restarts or stops, from the fragment it replaces and the one
 * it writes: each setting of `bowtie.site` feeds known units (nix/modules/site.nix,
 * bowtie-server.nix, update.nix), and switch-to-configuration restarts a unit whose files
 * change. Read from the fragments' text, which the renderer writes one setting per line (every
 * string escaped onto one line), so no evaluator is needed: the web process plans with it too.
 * A secret file whose content alone changes restarts nothing (the unit files stay the same).
 */

export interface ServiceChange {
  unit: string;
  action: 'starts' | 'restarts' | 'stops';
  /** Why, in words: the settings that feed it. */
  because: string;
}

/** `bowtie.site`'s settings two levels deep ("network.dns", "hostname") and their text. */
export function fragmentSettings(fragment: string): Map<string, string> {
  const out = new Map<string, string>();
  let section: string | null = null;
  let current: string | null = null;
  for (const line of fragment.split('\n')) {
    const top = /^ {4}([a-z0-9_]+) = (.*)$/.exec(line);
    const inner = /^ {6}([a-z0-9_]+) = (.*)$/.exec(line);
    if (top) {
      section = top[2] === '{' ? top[1]! : null;
      current = top[1]!;
      out.set(current, top[2]!);
    } else if (inner && section) {
      current = `${section}.${inner[1]}`;
      out.set(current, inner[2]!);
    } else if (current && (/^ {8,}/.test(line) || (section !== null && current !== section && /^ {6}[}\]];$/.test(line)))) {
      // A value's further lines, and the bracket that closes a setting of a section.
      out.set(current, `${out.get(current)}\n${line.trim()}`);
    }
  }
  return out;
}

/** Which units read which settings (a prefix matches the setting and everything below it). */
const FEEDS: readonly { unit: string; settings: readonly string[]; what: string; daemonOnly?: boolean }[] = [
  { unit: 'systemd-networkd.service', settings: ['network.interface', 'network.ipv4', 'network.ipv6', 'network.dns'], what: 'the network settings' },
  { unit: 'systemd-timesyncd.service', settings: ['network.ntp'], what: 'the NTP servers' },
  { unit: 'sshd.service', settings: ['admin.ssh_authorized_keys'], what: "the admin's SSH keys" },
  {
    unit: 'bowtie_server.service',
    settings: ['hostname', 'domain', 'site', 'admin.email', 'admin.password_hash_file', 'enrollment', 'tls'],
    what: 'the name, site, admin, enrollment and certificate settings',
    daemonOnly: true,
  },
  { unit: 'bowtie-update.timer', settings: ['updates'], what: 'the update schedule', daemonOnly: true },
];

const daemonOn = (s: Map<string, string>) =>
  s.size > 0 && s.get('admin') !== 'null;' && s.has('admin') && s.has('enrollment') && s.get('enrollment') !== 'null;';

/** Whether sshd runs for the site: the module enables it when the admin has SSH keys. */
const sshdOn = (s: Map<string, string>) => {
  const keys = s.get('admin.ssh_authorized_keys');
  return keys !== undefined && keys !== '[ ];';
};

export function serviceChanges(oldFragment: string, newFragment: string): ServiceChange[] {
  const before = fragmentSettings(oldFragment);
  const after = fragmentSettings(newFragment);
  const keys = new Set([...before.keys(), ...after.keys()]);
  const changed = [...keys].filter((k) => before.get(k) !== after.get(k));
  const out: ServiceChange[] = [];
  for (const f of FEEDS) {
    const hits = changed.filter((k) => f.settings.some((s) => k === s || k.startsWith(`${s}.`)));
    // networkd and timesyncd run in the image's base configuration too: they only restart.
    const was = f.unit === 'sshd.service' ? sshdOn(before) : f.daemonOnly ? daemonOn(before) : true;
    const will = f.unit === 'sshd.service' ? sshdOn(after) : f.daemonOnly ? daemonOn(after) : true;
    if (!was && will)
      out.push({ unit: f.unit, action: 'starts', because: f.daemonOnly ? 'setup is complete: the controller takes over' : `${f.what} are set` });
    else if (was && !will) out.push({ unit: f.unit, action: 'stops', because: f.daemonOnly ? 'the site is no longer complete' : `${f.what} are gone` });
    else if (was && will && hits.length > 0) out.push({ unit: f.unit, action: 'restarts', because: `${f.what} change` });
  }
  return out;
}
