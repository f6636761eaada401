import { gunzip } from 'node:zlib';
import { MAX_USER_DATA_BYTES } from './limits.js';

/** gzip's magic number: cloud-init decompresses user data that starts with it. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export type GunzipResult = { ok: true; bytes: Buffer } | { ok: false; message: string };

/**
 * Decompresses with a cap on the output: zlib stops as soon as the output would exceed it, so a
 * small zip bomb costs at most `limit` bytes of memory, never its expanded size.
 */
export function gunzipCapped(bytes: Uint8Array, limit = MAX_USER_DATA_BYTES): Promise<GunzipResult> {
  return new Promise((resolve) => {
    gunzip(bytes, { maxOutputLength: limit }, (error, out) => {
      if (!error) return resolve({ ok: true, bytes: out });
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
        return resolve({ ok: false, message: `is larger than ${limit} bytes when decompressed` });
      }
      resolve({ ok: false, message: 'is not valid gzip data' });
    });
  });
}
