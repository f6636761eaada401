/**
 * Any user data up to the clouds' limits is refused or accepted within 2 s and 200 MB of peak
 * memory growth (docs/decisions/0620). Each input is built here, written to a file and read by
 * a child process that reports its own time and peak RSS, so the measurement is of one input.
 * Inputs: what a parser pays for out of proportion to its size (nesting in every YAML and JSON
 * form, anchors, long keys, giant scalars, many documents, many MIME parts, gzip).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { nestingProblem } from '../../server/config/input-bounds.js';

const dir = mkdtempSync(join(tmpdir(), 'bowtie-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MEASURE = join(import.meta.dirname, '../fixtures/bounds/measure.ts');
const MiB = 1024 * 1024;
const EC2 = 16 * 1024;

function measure(name: string, bytes: Buffer): { ms: number; growth: number; kind: string } {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  const out = execFileSync(process.execPath, ['--import', 'tsx', MEASURE, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as { ms: number; growth: number; kind: string };
}

const cc = (body: string) => Buffer.from(`#cloud-config\n${body}`);
const inputs: [string, () => Buffer][] = [
  ['4 MiB of [', () => cc('['.repeat(4 * MiB - 20))],
  ['4 MiB of {', () => cc('a: ' + '{'.repeat(4 * MiB - 30))],
  ['nested [ then ] (balanced)', () => cc(`a: ${'['.repeat(2 * MiB - 20)}${']'.repeat(2 * MiB - 20)}`)],
  ['JSON nested arrays', () => Buffer.from(`${'['.repeat(2 * MiB)}${']'.repeat(2 * MiB)}`)],
  ['deep block indentation', () => cc(Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'))],
  ['compact nested sequences', () => cc(`a:\n${'- '.repeat(2 * MiB - 10)}x`)],
  ['gzip of nested [ (EC2-sized)', () => gzipSync(cc('['.repeat(4 * MiB - 20)), { level: 9 })],
  [
    'anchors and aliases',
    () =>
      cc(
        `a: &a [x, x, x, x, x, x, x, x, x]\n${Array.from(
          { length: 20 },
          (_, i) =>
            `b${i}: &b${i} [${Array(9)
              .fill(i === 0 ? '*a' : `*b${i - 1}`)
              .join(', ')}]`,
        ).join('\n')}\n`,
      ),
  ],
  ['one giant scalar', () => cc(`bowtie_setup:\n  hostname: ${'a'.repeat(4 * MiB - 40)}\n`)],
  ['a long key', () => cc(`${'k'.repeat(4 * MiB - 20)}: 1\n`)],
  ['many small documents', () => cc('---\na: 1\n'.repeat(Math.floor((4 * MiB) / 10)))],
  ['many keys', () => cc(Array.from({ length: 300_000 }, (_, i) => `k${i}: ${i}`).join('\n'))],
  [
    'MIME with many parts',
    () => {
      const parts = Array.from({ length: 20_000 }, () => '--B\nContent-Type: text/cloud-config\n\n#cloud-config\na: 1\n').join('');
      return Buffer.from(`Content-Type: multipart/mixed; boundary="B"\nMIME-Version: 1.0\n\n${parts}--B--\n`);
    },
  ],
  [
    'base64 in base64',
    () => {
      let body = cc('bowtie_setup:\n  hostname: x\n');
      for (let i = 0; i < 6; i++)
        body = Buffer.from(`Content-Type: text/cloud-config\nContent-Transfer-Encoding: base64\nMIME-Version: 1.0\n\n${body.toString('base64')}\n`);
      return body;
    },
  ],
  ['16 KiB of [ (EC2 raw limit)', () => cc('['.repeat(EC2 - 20))],
  ['a flow list of a million items', () => cc(`a: [${'1,'.repeat(1_000_000)}1]`)],
  ['49,000 keys (under the entry cap)', () => cc(Array.from({ length: 49_000 }, (_, i) => `k${i}: ${i}`).join('\n'))],
  // The controller template's files are read line by line from user input of any length.
  [
    'template: should-join.conf with megabytes of blanks',
    () =>
      cc(
        `fqdn: c0.example.com\nwrite_files:\n- path: /var/lib/bowtie/should-join.conf\n  content: 'entrypoints = [ "a"${' '.repeat(MiB)},${' '.repeat(MiB)}x'\n`,
      ),
  ],
  [
    'template: 300,000 timer lines and placeholders',
    () => cc(`fqdn: c0.example.com\nwrite_files:\n- path: /etc/update-at\n  content: |\n    [Timer]\n${'    OnCalendar={{ X }}\n'.repeat(150_000)}`),
  ],
  [
    'template: gzip+b64 content that expands past the cap',
    () =>
      cc(
        `fqdn: c0.example.com\nwrite_files:\n- path: /var/lib/bowtie/init-users\n  encoding: gzip+b64\n  content: ${gzipSync(Buffer.alloc(64 * MiB, 0x61), { level: 9 }).toString('base64')}\n`,
      ),
  ],
  ['jinja: a million {{', () => Buffer.from(`## template: jinja\n#cloud-config\nbowtie_setup: {}\n${'{{'.repeat(MiB)}`)],
  [
    'archive: 64 parts of 60 KiB',
    () => Buffer.from(`#cloud-config-archive\n${Array.from({ length: 64 }, () => `- "#cloud-config\\na: ${'x'.repeat(60 * 1024)}"`).join('\n')}\n`),
  ],
  ['base64 blob of 3 MiB', () => Buffer.from(Buffer.alloc(2 * MiB + 100_000, 0x61).toString('base64'))],
];

describe('bounded user data', () => {
  it.each(inputs)(
    '%s: answered within 2 s and 200 MB',
    (name, build) => {
      const r = measure(name.replace(/\W+/g, '-'), build());
      expect(r.kind).toMatch(/^(none|rejected|partial|complete)$/);
      expect(r.ms).toBeLessThan(2000);
      expect(r.growth).toBeLessThan(200 * MiB);
    },
    30_000,
  );
});

describe('nestingProblem', () => {
  it('passes real documents and refuses depth over 64 in each form', () => {
    expect(nestingProblem('a:\n  b:\n    c: [1, {d: [2]}]\n# [[[[ in a comment\ne: "[[[[ in a string"\n')).toBeNull();
    expect(nestingProblem(`${'['.repeat(63)}${']'.repeat(63)}`)).toBeNull();
    expect(nestingProblem(`${'['.repeat(65)}${']'.repeat(65)}`)).toMatch(/deeper than 64 levels/);
    expect(nestingProblem(Array.from({ length: 70 }, (_, i) => `${' '.repeat(i)}k:`).join('\n'))).toMatch(/deeper than 64/);
    expect(nestingProblem(`a:\n${'- '.repeat(70)}x`)).toMatch(/deeper than 64/);
    expect(nestingProblem('a: {b: [c, {d: e}]}\n'.repeat(10_000))).toBeNull();
  });
});
