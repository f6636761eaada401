import { describe, expect, it } from 'vitest';
import { MAX_MIME_PARTS } from './limits.js';
import { looksLikeMime, splitMime } from './mime.js';

const mime = (...parts: string[]) =>
  Buffer.from(`MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n${parts.map((p) => `--b\n${p}\n`).join('')}--b--\n`);

describe('splitMime', () => {
  it('keeps inline text/plain parts apart (a mail reader would join them into one body)', async () => {
    const result = await splitMime(mime('Content-Type: text/plain\n\n#!/bin/sh\necho hi', 'Content-Type: text/plain\n\n#cloud-config\na: 1'));
    expect(result.ok && result.parts.map((p) => [p.type, Buffer.from(p.bytes).toString().trim()])).toEqual([
      ['text/plain', '#!/bin/sh\necho hi'],
      ['text/plain', '#cloud-config\na: 1'],
    ]);
  });

  it('walks nested multiparts depth first, undoes transfer encodings and keeps file names', async () => {
    const inner = 'Content-Type: multipart/alternative; boundary="i"\n\n--i\nContent-Type: text/x-shellscript\n\n#!/bin/sh\n--i--';
    const b64 = `Content-Type: text/cloud-config\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="c.yaml"\n\n${Buffer.from('#cloud-config\n').toString('base64')}`;
    const result = await splitMime(mime(inner, b64));
    expect(result.ok && result.parts.map((p) => [p.type, p.filename, Buffer.from(p.bytes).toString().trim()])).toEqual([
      ['text/x-shellscript', null, '#!/bin/sh'],
      ['text/cloud-config', 'c.yaml', '#cloud-config'],
    ]);
  });

  it('takes a MIME message that is not multipart as one part', async () => {
    const result = await splitMime(Buffer.from('MIME-Version: 1.0\nContent-Type: text/cloud-config\n\n#cloud-config\n'));
    expect(result.ok && result.parts.map((p) => p.type)).toEqual(['text/cloud-config']);
  });

  it(`refuses more than ${MAX_MIME_PARTS} parts`, async () => {
    const parts = Array.from({ length: MAX_MIME_PARTS + 1 }, () => 'Content-Type: text/x-shellscript\n\n#!/bin/sh');
    expect(await splitMime(mime(...parts))).toEqual({ ok: false, message: `has more than ${MAX_MIME_PARTS} parts` });
  });
});

describe('looksLikeMime', () => {
  it('follows cloud-init: "mime-version:" anywhere in the first 4096 bytes, any case', () => {
    expect(looksLikeMime(Buffer.from('Content-Type: multipart/mixed\nMIME-Version: 1.0\n'))).toBe(true);
    expect(looksLikeMime(Buffer.from('mime-version: 1.0\n'))).toBe(true);
    expect(looksLikeMime(Buffer.from('#cloud-config\nruncmd: [ls]\n'))).toBe(false);
    expect(looksLikeMime(Buffer.from(`${' '.repeat(4096)}MIME-Version: 1.0`))).toBe(false);
  });
});
