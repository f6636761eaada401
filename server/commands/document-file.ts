import { readFile, stat } from 'node:fs/promises';
import { MAX_DOCUMENT_BYTES } from '../config/limits.js';
import { readDocument } from '../config/read.js';
import type { FieldError } from '../config/schema.js';
import { UsageError } from '../exit-codes.js';

/** Reads a config document file (YAML or JSON; "-" is standard input) into a plain value. */
export async function readDocumentFile(file: string): Promise<{ ok: true; value: unknown } | { ok: false; errors: FieldError[] }> {
  let bytes: Buffer;
  try {
    if (file === '-') {
      bytes = await readStdin();
    } else {
      const info = await stat(file);
      if (!info.isFile()) throw new UsageError(`${file}: not a regular file`);
      if (info.size > MAX_DOCUMENT_BYTES) return { ok: false, errors: [{ path: '(document)', message: `is larger than ${MAX_DOCUMENT_BYTES} bytes` }] };
      bytes = await readFile(file);
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read'}`);
  }
  const format = file.endsWith('.json') ? 'json' : file.endsWith('.yaml') || file.endsWith('.yml') ? 'yaml' : 'auto';
  return readDocument(bytes, format);
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_DOCUMENT_BYTES + 1) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
