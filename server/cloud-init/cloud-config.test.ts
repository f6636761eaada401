import { describe, expect, it } from 'vitest';
import { extractFromCloudConfig } from './cloud-config.js';

const extract = (text: string, format: 'yaml' | 'json' = 'yaml') => extractFromCloudConfig(Buffer.from(text), null, format);

describe('extractFromCloudConfig', () => {
  it('reads only our subtree, whatever YAML the other keys use', () => {
    const result = extract(
      '#cloud-config\nx: !Ref y\nbin: !!binary aGk=\nb: yes\nb: no\nbowtie_setup:\n  hostname: h\n  updates: { enable: true }\nz: [1, 2]\n',
    );
    expect(result).toMatchObject({ kind: 'found', read: { ok: true, value: { hostname: 'h', updates: { enable: true } } } });
    // The whole part as the lenient reader (YAML 1.1, like cloud-init) sees it, for the other keys.
    expect(result.kind === 'found' && result.top).toMatchObject({ x: 'y', b: false, z: [1, 2] });
  });

  it('allows anchors and aliases inside the subtree, as readDocument does', () => {
    const result = extract('#cloud-config\nbowtie_setup:\n  network:\n    dns: &dns [1.1.1.1]\n    ntp: *dns\n  hostname: h\n');
    expect(result).toMatchObject({ kind: 'found', read: { ok: true, value: { network: { dns: ['1.1.1.1'], ntp: ['1.1.1.1'] } } } });
  });

  it('applies the strict rules to our subtree only (YAML 1.2: "yes" is text there)', () => {
    expect(extract('#cloud-config\nbowtie_setup:\n  updates: { enable: yes }\n')).toMatchObject({
      kind: 'found',
      read: { ok: true, value: { updates: { enable: 'yes' } } },
    });
    expect(extract('#cloud-config\nbowtie_setup:\n  a: 1\n  a: 2\n')).toMatchObject({ kind: 'found', read: { ok: false } });
  });

  it('gives the line in the user data for a YAML error, and no text from it', () => {
    const result = extract('#cloud-config\nok: 1\nbowtie_setup:\n  admin:\n    password: "s3cret-value\n');
    expect(result.kind).toBe('invalid');
    const message = JSON.stringify(result);
    expect(message).toMatch(/at line \d/);
    expect(message).not.toContain('s3cret');
  });

  it('reads a JSON document and never quotes it in an error', () => {
    expect(extract('{"a": [1], "bowtie_setup": {"hostname": "h"}}', 'json')).toMatchObject({ kind: 'found', read: { ok: true, value: { hostname: 'h' } } });
    expect(JSON.stringify(extract('{"bowtie_setup": {"password": s3cret-value}}', 'json'))).not.toContain('s3cret');
  });

  it('finds nothing in a cloud-config without our key, or one that is not a mapping', () => {
    expect(extract('#cloud-config\nruncmd: [ls]\n')).toEqual({ kind: 'absent', top: { runcmd: ['ls'] } });
    expect(extract('#cloud-config\n')).toEqual({ kind: 'absent', top: null });
    expect(extract('#cloud-config\n- a\n')).toMatchObject({ kind: 'absent', note: expect.any(String) });
  });

  it('refuses what PyYAML refuses: an unrendered {{ NAME }} placeholder, a masked "**********" value, an undefined alias', () => {
    const placeholder = extract('#cloud-config\nfqdn: {{ CONTROLLER_HOSTNAME }}\nhostname: {{CONTROLLER_HOSTNAME}}\nx: {{ SITE_ID }}\n');
    expect(placeholder.kind).toBe('invalid');
    expect(JSON.stringify(placeholder)).toContain('{{ CONTROLLER_HOSTNAME }}, {{ SITE_ID }} (first at line 2)');
    const masked = extract('#cloud-config\nuser: root\npassword: **********\n');
    expect(JSON.stringify(masked)).toMatch(/followed by something other than an anchor name at line 3/);
    // An unquoted value starting with "*" may be a password: its name is never repeated.
    const undefinedAlias = extract('#cloud-config\npassword: *s3cretValue\n');
    expect(undefinedAlias.kind).toBe('invalid');
    expect(JSON.stringify(undefinedAlias)).not.toContain('s3cret');
    expect(extract('#cloud-config\n? [a, b]\n: c\n')).toMatchObject({ kind: 'invalid' });
  });
});
