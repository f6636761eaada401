import { describe, expect, it } from 'vitest';
import { extractFromCloudConfig } from './cloud-config.js';
import { parseUserData } from './formats.js';

const parse = (text: string) => parseUserData(Buffer.from(text));
const OURS = 'bowtie_setup:\n  hostname: ctl-keys-01\n';
/** Any terminal control character: ESC, BEL, CSI, and the rest of C0 and C1 but tab and newline. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('cloud-config keys cloud-init does not read as names (decision 0306)', () => {
  it('reports one at the top as not acted on, with what cloud-init reads, and reads our document', async () => {
    const got = await parse(`#cloud-config\non: 1\n0x1f: [a]\n2001-12-14: x\n~: y\nruncmd: [ls]\n${OURS}`);
    expect(got).toMatchObject({ kind: 'document', value: { hostname: 'ctl-keys-01' } });
    expect(got.ignored).toEqual([
      `the user data key "on" at line 2: not acted on; cloud-init's YAML reader takes it for a boolean (true or false), not for the name written (quote it if a cloud-init module should read it)`,
      `the user data key "0x1f" at line 3: not acted on; cloud-init's YAML reader takes it for a number, not for the name written (quote it if a cloud-init module should read it)`,
      `the user data key "2001-12-14" at line 4: not acted on; cloud-init's YAML reader takes it for a date, not for the name written (quote it if a cloud-init module should read it)`,
      `the user data key "~" at line 5: not acted on; cloud-init's YAML reader takes it for null (no value), not for the name written (quote it if a cloud-init module should read it)`,
      'the user data key runcmd: not acted on; no commands are run',
    ]);
  });

  it('does not judge one under a key we do not act on, even beside ours', async () => {
    const got = await parse(`#cloud-config\nwrite_files:\n  - path: /etc/motd\n    on: 1\nhostname:\n  yes: 1\n${OURS}`);
    expect(got).toMatchObject({ kind: 'document', value: { hostname: 'ctl-keys-01' } });
    expect(got.ignored).toEqual([
      'the user data key write_files: not acted on; no files are written',
      "the user data key hostname: not acted on; the host name is the document's",
    ]);
  });

  it('refuses one under a key we read: the default account beside ours, the template, the host name without ours', async () => {
    const password = await parse(`#cloud-config\npassword:\n  on: 1\nadmin_note: x\n${OURS}`);
    expect(password).toMatchObject({ kind: 'invalid', errors: [{ path: 'password', message: expect.stringContaining('at line 3') as unknown }] });
    expect(password.kind === 'invalid' && password.errors[0]!.message).toContain('(bowtie-setup reads password)');
    const template = await parse('#cloud-config\nwrite_files:\n  - path: /etc/bowtie-server.d/site.conf\n    no: 1\n');
    expect(template).toMatchObject({ kind: 'invalid', errors: [{ path: 'write_files.0' }] });
    const host = await parse('#cloud-config\nfqdn:\n  0x1f: a\n');
    expect(host).toMatchObject({ kind: 'invalid', errors: [{ path: 'fqdn' }] });
  });

  it('refuses one PyYAML stops at wherever it is, since cloud-init would read none of the part', async () => {
    for (const text of [`#cloud-config\n2001-02-30: 1\n${OURS}`, `#cloud-config\napt:\n  sources:\n    0b_: 1\n${OURS}`]) {
      const got = await parse(text);
      expect(got.kind).toBe('invalid');
      expect(got.kind === 'invalid' && got.errors[0]!.message).toContain('so cloud-init would read none of it');
    }
  });

  it('keeps what the top-level key anchored, and a written key that looks like its stand-in', () => {
    const got = extractFromCloudConfig(Buffer.from('#cloud-config\n2001-12-14: &b {z: 1}\nw: *b\n"(a key that is no name 0)": 2\n'), null, 'yaml');
    expect(got.kind === 'absent' && got.top).toEqual({ w: { z: 1 }, '(a key that is no name 0)': 2 });
  });

  it('bounds the lines for 10,000 such keys at the top', async () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `${i + 1}: x\n`).join('');
    const got = await parse(`#cloud-config\n${keys}${OURS}`);
    expect(got).toMatchObject({ kind: 'document', value: { hostname: 'ctl-keys-01' } });
    expect(got.ignored).toHaveLength(6);
    expect(got.ignored[0]).toContain('key "1" at line 2: not acted on');
    expect(got.ignored[5]).toBe('the user data has 9995 more such keys: not acted on');
    expect(got.ignored.join('\n').length).toBeLessThan(2000);
  });

  it('bounds the errors for 10,000 such keys where we read', async () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `  ${i + 1}: x\n`).join('');
    const got = await parse(`#cloud-config\nhostname:\n${keys}`);
    expect(got.kind).toBe('invalid');
    const errors = got.kind === 'invalid' ? got.errors : [];
    expect(errors).toHaveLength(5);
    expect(errors[4]!.message).toContain('(and 9995 more such keys)');
  });

  it('repeats no terminal escapes and no value: a key of escapes, a tagged key, escapes in values', async () => {
    const escapes = '\\e[2J\\e]0;owned\\a\\x9b31m'.repeat(2000);
    const text = `#cloud-config\n"${escapes}":\n  on: 1\nyes: "${escapes}"\n!!int "5": "s3cret-value"\n${OURS}`;
    const got = await parse(text);
    expect(got).toMatchObject({ kind: 'document', value: { hostname: 'ctl-keys-01' } });
    expect(got.ignored).toEqual([
      `the user data key "yes" at line 4: not acted on; cloud-init's YAML reader takes it for a boolean (true or false), not for the name written (quote it if a cloud-init module should read it)`,
      `the user data has a key (not shown) at line 5: not acted on; cloud-init's YAML reader takes it for a number, not for the name written (quote it if a cloud-init module should read it)`,
      'the user data has a key whose name is not shown (it may hold a value): not acted on',
    ]);
    const all = JSON.stringify(got);
    expect(CONTROL.test(got.ignored.join('\n'))).toBe(false);
    expect(all).not.toContain('owned');
    expect(all).not.toContain('s3cret');
  });
});
