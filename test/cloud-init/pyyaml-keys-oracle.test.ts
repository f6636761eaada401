/**
 * Mapping keys as cloud-init reads them: PyYAML (Debian's python3-yaml, which the cloud-init
 * package brings; scripts/test.sh installs it) is the oracle. For several hundred key
 * spellings (YAML 1.1 booleans, nulls, integers in every base, base-60 numbers, floats with and
 * without a dot, dates, interface names), PyYAML reads one network-config and three
 * cloud-configs per key (the key at the top, under `hostname`, which we read, and under
 * `apt.sources`, which we do not), all in one run. Where PyYAML reads the key as text, we read
 * the same text. Where it reads a boolean, number, null or date (decision 0306): a
 * network-config, and a cloud-config where we read the value, is refused with the key's path
 * and line; at the top of a cloud-config the key is reported "not acted on" with what cloud-init
 * reads; under a key we do not act on it is not judged. Where PyYAML refuses the document for
 * the key, so do we, wherever it is.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractFromCloudConfig } from '../../server/cloud-init/cloud-config.js';
import { parseUserData, type UserDataParse } from '../../server/cloud-init/formats.js';
import { readNetworkText } from '../../server/cloud-init/network-config/read.js';
import { nocloudInstanceId } from '../../server/cloud-init/sources.js';
import { pyyamlPlainKind, type PyyamlKind } from '../../server/cloud-init/pyyaml-scalars.js';

const PYTHON = '/usr/bin/python3';
const available = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0;

/** Reads a JSON list of documents on stdin; prints, per document, the keys of the mapping at `path` with their Python types. */
const ORACLE = String.raw`
import json, sys, yaml
out = []
for doc, path in json.load(sys.stdin):
    try:
        node = yaml.safe_load(doc)
        for k in path:
            node = node[k]
        out.append({"keys": [[type(k).__name__, k if isinstance(k, str) else repr(k)] for k in node]})
    except Exception as e:
        out.append({"error": type(e).__name__})
print(json.dumps(out))
`;

/** Key spellings: YAML 1.1's implicit types as PyYAML and the yaml package spell them, and names near them. */
function corpus(): string[] {
  const words = ['yes', 'no', 'true', 'false', 'on', 'off', 'y', 'n', 'null', 'nil', 'none', 'inf', 'nan'];
  const cased = words.flatMap((w) => [w, w[0]!.toUpperCase() + w.slice(1), w.toUpperCase(), w.length > 1 ? `${w[0]!}${w.slice(1).toUpperCase()}` : `${w}_`]);
  const explicit = [
    '~',
    '=',
    '0',
    '00',
    '07',
    '08',
    '017',
    '019',
    '0o17',
    '0x1f',
    '0X1F',
    '0x',
    '0xg',
    '0b101',
    '0b2',
    '0B1',
    '0b_',
    '1_000',
    '1__0',
    '_1',
    '1_',
    '1:20',
    '1:60',
    '1:5',
    '190:20:30',
    '0:30',
    '01:30',
    '+1',
    '-1',
    '+0x1f',
    '-0b1',
    '12',
    '123456789012345678901234567890',
    '1.0',
    '1.',
    '.5',
    '.',
    '..',
    '1e3',
    '1E3',
    '1e+3',
    '1e-3',
    '1.0e3',
    '1.0e+3',
    '1.0e-3',
    '1.0E+03',
    '.5e+1',
    '.5e1',
    '6.8523015e+5',
    '685_230.15',
    '685.230_15e+03',
    '190:20:30.15',
    '.inf',
    '-.inf',
    '+.Inf',
    '.INF',
    '.NaN',
    '.nan',
    '.NAN',
    '-.nan',
    'e',
    'E',
    '1e',
    '2e10',
    '2001-12-14',
    '2001-12-14t21:59:43.10-05:00',
    '2001-12-14 21:59:43.10 -5',
    '2001-12-15T02:59:43.1Z',
    '2001-1-1',
    '2001-1-1 1:02:03',
    '2001-13-45',
    '2001-02-30',
    '2000-02-29',
    '1900-02-29',
    '0000-01-01',
    '0001-01-01',
    '2001-12-14 25:00:00',
    '2001-12-14 21:59:60',
    '2001-12-14 21:59:43.10 -25',
    '2001-12-14 21:59:43.10 -23:59',
    '0x_',
    '-0x_',
    '20011214',
    '2001-12-14x',
    '2001-12-14_a',
    'e0',
    'e1',
    'E0',
    'e00',
    'e_0',
    'eth0',
    'en0',
    'ens3',
    'enp3s0',
    'eno1',
    'wlan0',
    'br0',
    'bond0',
    'vlan.10',
    'eth0.100',
    'en_0',
    'x1',
    '0eth',
    '1eth',
    '1e3eth',
    '0x1fx',
    'ens3.',
    'on_off',
    'yes_',
    '_yes',
    'no-1',
    '+',
    '+e0',
    '-e0',
    '.e0',
    '_e0',
    'a:b',
    'a=b',
  ];
  const cores = [
    'e0',
    'e1',
    '1e3',
    '1e+3',
    '1.0e3',
    '1.0e+3',
    '0x1f',
    '0b1',
    '017',
    '1_000',
    '1:20',
    '1',
    '0',
    'on',
    'yes',
    'y',
    'n',
    'null',
    'inf',
    '.inf',
    '2001-12-14',
  ];
  const prefixes = ['', '+', '-', '0', '1', '.', '_', 'x'];
  const suffixes = ['', '_', '0', '.0', 'e+1', 'e1', ':30', 'x'];
  const crossed = cores.flatMap((c) => prefixes.flatMap((p) => suffixes.map((s) => `${p}${c}${s}`)));
  // Plain keys only: a leading "-" followed by a blank, or a key starting with an indicator, is other YAML.
  return [...new Set([...cased, ...explicit, ...crossed])].filter((k) => !/^[-?:,[\]{}#&*!|>'"%@`]( |$)/.test(k) && !/^[,[\]{}#&*!|>'"%@`]/.test(k));
}

type Oracle = { keys: Array<[string, string]> } | { error: string };

const KINDS: Record<string, PyyamlKind> = { str: 'str', bool: 'bool', int: 'int', float: 'float', NoneType: 'null', date: 'timestamp', datetime: 'timestamp' };

const networkConfig = (key: string) => `network:\n  version: 2\n  ethernets:\n    ${key}:\n      dhcp4: true\n`;
const cloudConfig = (key: string) => `#cloud-config\n${key}: 1\nbowtie_setup:\n  hostname: ctl-keys-01\n`;
/** Under a key we read: `hostname`, in a cloud-config without bowtie_setup (host-name.ts). */
const readHere = (key: string) => `#cloud-config\nhostname:\n  ${key}: 1\n`;
/** Under a key we do not act on, beside our document. */
const notRead = (key: string) => `#cloud-config\napt:\n  sources:\n    ${key}: 1\nbowtie_setup:\n  hostname: ctl-keys-01\n`;
const APT_LINE = 'the user data key apt: not acted on; no package sources are changed';

/** What the "not acted on" line says cloud-init reads, by PyYAML's type. */
const WORDS: Record<string, string> = {
  bool: 'a boolean',
  int: 'a number',
  float: 'a number',
  NoneType: 'null',
  date: 'a date',
  datetime: 'a date',
};

const parse = (text: string): Promise<UserDataParse> => parseUserData(Buffer.from(text));

describe.skipIf(!available)('mapping keys as PyYAML (cloud-init) reads them', () => {
  const keys = corpus();
  const docs: Array<[string, Array<string>]> = keys.flatMap((k) => [
    [networkConfig(k), ['network', 'ethernets']],
    [cloudConfig(k), []],
    [readHere(k), ['hostname']],
    [notRead(k), ['apt', 'sources']],
  ]);
  const PER_KEY = 4;
  const run = available ? spawnSync(PYTHON, ['-c', ORACLE], { input: JSON.stringify(docs), encoding: 'utf8', maxBuffer: 64 << 20 }) : null;
  const answers = run ? (JSON.parse(run.stdout) as Oracle[]) : [];

  it('has a corpus of several hundred spellings, most of which PyYAML reads', () => {
    expect(run?.status, run?.stderr).toBe(0);
    expect(keys.length).toBeGreaterThan(500);
    expect(answers).toHaveLength(docs.length);
    const kinds = new Set(answers.flatMap((a) => ('keys' in a ? a.keys.map(([t]) => t) : [a.error])));
    // Every kind of answer is in the corpus: text, each implicit type, and refusals.
    for (const t of ['str', 'bool', 'int', 'float', 'NoneType', 'date', 'datetime', 'ValueError']) expect(kinds).toContain(t);
  });

  it('classifies each plain key as PyYAML does', () => {
    const wrong: string[] = [];
    keys.forEach((key, i) => {
      const a = answers[PER_KEY * i]!;
      if ('error' in a) {
        // PyYAML refuses the document: the key is no text to it either.
        if (pyyamlPlainKind(key) === 'str') wrong.push(`${key}: PyYAML ${a.error}, we say text`);
        return;
      }
      const [type] = a.keys[0]!;
      // A `=` key is the one PyYAML resolves to another tag and then turns into text (flatten_mapping).
      if (key === '=' ? type !== 'str' || pyyamlPlainKind(key) !== 'value' : KINDS[type] !== pyyamlPlainKind(key))
        wrong.push(`${key}: PyYAML ${type}, we say ${pyyamlPlainKind(key)}`);
    });
    expect(wrong).toEqual([]);
  });

  it('reads a network-config interface name PyYAML reads as text as that text, and refuses every other with its path and line', () => {
    const wrong: string[] = [];
    let names = 0;
    keys.forEach((key, i) => {
      const a = answers[PER_KEY * i]!;
      const read = readNetworkText(Buffer.from(networkConfig(key)), 'network-config');
      const text = 'keys' in a && a.keys[0]![0] === 'str' ? a.keys[0]![1] : null;
      if (text !== null) {
        names++;
        const got = read.ok ? Object.keys((read.value as { network: { ethernets: object } }).network.ethernets) : read.errors.map((e) => e.message);
        if (JSON.stringify(got) !== JSON.stringify([text])) wrong.push(`${key}: PyYAML ${JSON.stringify(text)}, we ${JSON.stringify(got)}`);
      } else if (read.ok) {
        wrong.push(`${key}: PyYAML ${'error' in a ? a.error : a.keys[0]![0]}, we read it`);
      } else if (!read.errors.some((e) => e.path === 'network-config network.ethernets' && e.message.includes('at line 4'))) {
        wrong.push(`${key}: refused, but not at its path and line: ${JSON.stringify(read.errors)}`);
      }
    });
    expect(wrong).toEqual([]);
    expect(names).toBeGreaterThan(200);
  });

  it('reads the keys beside bowtie_setup as PyYAML does; one that is no text at the top is not acted on, with what cloud-init reads', async () => {
    const wrong: string[] = [];
    let reported = 0;
    for (const [i, key] of keys.entries()) {
      const a = answers[PER_KEY * i + 1]!;
      const text = 'keys' in a && a.keys[0]![0] === 'str' ? a.keys[0]![1] : null;
      if (text !== null) {
        const got = extractFromCloudConfig(Buffer.from(cloudConfig(key)), null, 'yaml');
        const top = got.kind === 'found' ? Object.keys(got.top) : got;
        if (JSON.stringify(top) !== JSON.stringify([text, 'bowtie_setup'])) wrong.push(`${key}: PyYAML ${JSON.stringify(text)}, we ${JSON.stringify(top)}`);
        continue;
      }
      const got = await parse(cloudConfig(key));
      if ('error' in a) {
        // PyYAML stops at the key: cloud-init reads none of the user data.
        if (got.kind !== 'invalid' || !got.errors.some((e) => e.message.includes('at line 2') && e.message.includes('put it in quotes')))
          wrong.push(`${key}: PyYAML ${a.error}, we ${JSON.stringify(got)}`);
        continue;
      }
      const words = WORDS[a.keys[0]![0]]!;
      reported++;
      // Our document is read; the key is the one line, saying what cloud-init reads, and not in the value.
      if (
        got.kind !== 'document' ||
        JSON.stringify(got.value) !== JSON.stringify({ hostname: 'ctl-keys-01' }) ||
        got.ignored.length !== 1 ||
        !got.ignored[0]!.includes('at line 2: not acted on') ||
        !got.ignored[0]!.includes(`takes it for ${words}`)
      )
        wrong.push(`${key}: PyYAML ${a.keys[0]![0]}, we ${JSON.stringify(got)}`);
    }
    expect(wrong).toEqual([]);
    expect(reported).toBeGreaterThan(200);
  });

  it('refuses a key that is no text under a key we read (hostname), with its path and line', async () => {
    const wrong: string[] = [];
    for (const [i, key] of keys.entries()) {
      const a = answers[PER_KEY * i + 2]!;
      const got = await parse(readHere(key));
      const text = 'keys' in a && a.keys[0]![0] === 'str';
      if (text) {
        if (got.kind === 'invalid') wrong.push(`${key}: PyYAML text, we ${JSON.stringify(got.errors)}`);
      } else if (
        got.kind !== 'invalid' ||
        !got.errors.some((e) => e.path === 'hostname' && e.message.includes('at line 3') && e.message.includes('put it in quotes'))
      ) {
        wrong.push(`${key}: PyYAML ${'error' in a ? a.error : a.keys[0]![0]}, we ${JSON.stringify(got)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('does not judge a key under a key we do not act on (apt), unless PyYAML stops at it', async () => {
    const wrong: string[] = [];
    for (const [i, key] of keys.entries()) {
      const a = answers[PER_KEY * i + 3]!;
      const got = await parse(notRead(key));
      if ('error' in a) {
        if (
          got.kind !== 'invalid' ||
          !got.errors.some((e) => e.path === 'apt.sources' && e.message.includes('at line 4') && e.message.includes('read none of it'))
        )
          wrong.push(`${key}: PyYAML ${a.error}, we ${JSON.stringify(got)}`);
      } else if (got.kind !== 'document' || JSON.stringify(got.ignored) !== JSON.stringify([APT_LINE])) {
        wrong.push(`${key}: PyYAML ${a.keys[0]![0]}, we ${JSON.stringify(got)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('keys PyYAML does not read as text: the refusal', () => {
  it('names the path, the line and what cloud-init would read, and the remedy', () => {
    const read = readNetworkText(
      Buffer.from('network:\n  version: 2\n  ethernets:\n    on:\n      dhcp4: true\n    0x1f:\n      dhcp4: true\n'),
      'network-config',
    );
    expect(read.ok).toBe(false);
    expect(!read.ok && read.errors).toEqual([
      {
        path: 'network-config network.ethernets',
        message:
          'has the key "on" under network.ethernets at line 4, which cloud-init\'s YAML reader takes for a boolean (true or false), not for the name written; put it in quotes',
      },
      {
        path: 'network-config network.ethernets',
        message:
          'has the key "0x1f" under network.ethernets at line 6, which cloud-init\'s YAML reader takes for a number, not for the name written; put it in quotes',
      },
    ]);
  });

  it('leaves quoted keys, and the keys inside our own document, alone', () => {
    expect(readNetworkText(Buffer.from('network:\n  version: 2\n  ethernets:\n    "on":\n      dhcp4: true\n'), 'network-config').ok).toBe(true);
    // bowtie_setup is read by the strict YAML 1.2 reader, which has its own rules; cloud-init does not act on it.
    const got = extractFromCloudConfig(Buffer.from('#cloud-config\nbowtie_setup:\n  hostname: ctl-keys-01\n  on: 1\n'), null, 'yaml');
    expect(got.kind).toBe('found');
  });

  it("judges only meta-data's network, where cloud-init's network reader acts", () => {
    const meta = 'instance-id: iid-1\npublic-keys:\n  0: ssh-ed25519 AAAA\nnetwork:\n  version: 2\n  ethernets:\n    e0:\n      dhcp4: true\n';
    expect(readNetworkText(Buffer.from(meta), 'meta-data', 'network')).toMatchObject({ ok: true, value: { network: { ethernets: { e0: { dhcp4: true } } } } });
    expect(readNetworkText(Buffer.from(meta.replace('e0:', 'yes:')), 'meta-data', 'network')).toMatchObject({
      ok: false,
      errors: [{ path: 'meta-data network.ethernets' }],
    });
  });

  it('reads an unquoted instance id as the text PyYAML reads, not as a number', () => {
    expect(nocloudInstanceId(Buffer.from('instance-id: 1e3\n'))).toBe('1e3');
    expect(nocloudInstanceId(Buffer.from('instance-id: e0\n'))).toBe('e0');
  });
});
