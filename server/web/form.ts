/**
 * Request bodies of the wizard's forms: application/x-www-form-urlencoded and
 * multipart/form-data (the TLS step's PEM upload), parsed by the platform's own FormData
 * (undici) rather than a parser dependency. Size-limited before parsing.
 */
import type { NextFunction, Request, Response as ExpressResponse } from 'express';
import { PEM_MAX } from '../config/limits.js';
import { HttpError } from './http-error.js';

/**
 * The largest form is the TLS step's: a PEM chain and a key of up to PEM_MAX each, pasted and
 * uploaded (four blocks), plus multipart framing.
 */
export const FORM_MAX_BYTES = 4 * PEM_MAX + 64 * 1024;

export class Form {
  constructor(private readonly data: FormData) {}

  /** A text field ("" when absent); a file is read with `file()` instead. */
  text(name: string): string {
    const v = this.data.get(name);
    return typeof v === 'string' ? v : '';
  }

  has(name: string): boolean {
    return this.data.has(name);
  }

  /** The text of an uploaded file, or null when none was chosen. */
  async file(name: string): Promise<string | null> {
    const v = this.data.get(name);
    if (v === null || typeof v === 'string' || v.size === 0) return null;
    return Buffer.from(await v.arrayBuffer()).toString('utf8');
  }

  /** Entries separated by commas, spaces or newlines (servers, URLs). */
  list(name: string): string[] {
    return this.text(name)
      .split(/[\s,]+/)
      .filter((l) => l !== '');
  }

  /** Non-empty lines of a textarea holding one entry per line (entries may contain spaces). */
  lines(name: string): string[] {
    return this.text(name)
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '');
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      form?: Form;
    }
  }
}

async function readBody(req: Request): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > FORM_MAX_BYTES) throw new HttpError(413, 'The form is too large.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > FORM_MAX_BYTES) throw new HttpError(413, 'The form is too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses the body of every non-GET request into `req.form` (empty for other content types). */
export function parseForm(req: Request, _res: ExpressResponse, next: NextFunction): void | Promise<void> {
  // Synchronous for the reads, which are most requests: no promise per page (docs/decisions/0690).
  if (req.method === 'GET' || req.method === 'HEAD') {
    next();
    return;
  }
  return parseBody(req, next);
}

async function parseBody(req: Request, next: NextFunction): Promise<void> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  const body = await readBody(req);
  if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- undici's parser, bounded by the body limit above; a streaming parser buys nothing for a few KiB of PEM
      req.form = new Form(await new Response(body, { headers: { 'content-type': req.headers['content-type']! } }).formData());
    } catch {
      throw new HttpError(400, 'The form could not be read.');
    }
  } else {
    req.form = new Form(new FormData());
  }
  next();
}
