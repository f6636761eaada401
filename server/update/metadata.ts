/**
 * Reads the channel's metadata endpoint. The answer is untrusted until it validates; even then
 * it only names what to fetch: the base system it points at must carry a signature by one of
 * the module's trusted keys, or `nix copy` refuses it.
 */
import { fieldErrors, formatFieldErrors } from '../config/errors.js';
import { metadataSchema, type Metadata } from './schema.js';

export const METADATA_MAX_BYTES = 64 * 1024;
export const METADATA_TIMEOUT_MS = 20_000;

/** The endpoint could not be reached or did not answer 200: try again at the next run. */
export class MetadataUnavailableError extends Error {}
/** The endpoint answered, but not with valid metadata. */
export class MetadataInvalidError extends Error {}

export async function fetchMetadata(url: string, timeoutMs = METADATA_TIMEOUT_MS): Promise<Metadata> {
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
      redirect: 'error',
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new MetadataUnavailableError(`cannot reach the metadata endpoint ${url} (${cause})`);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new MetadataUnavailableError(`the metadata endpoint ${url} answered HTTP ${response.status}`);
  }
  const text = await readLimited(response, METADATA_MAX_BYTES);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MetadataInvalidError(`the metadata from ${url} is not JSON`);
  }
  const parsed = metadataSchema.safeParse(value);
  if (!parsed.success) {
    throw new MetadataInvalidError(`the metadata from ${url} is not valid:\n${formatFieldErrors(fieldErrors(parsed.error.issues))}`);
  }
  return parsed.data;
}

async function readLimited(response: Response, max: number): Promise<string> {
  // Node's fetch types the body's chunks as `any`; they are bytes.
  const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const chunk = await reader.read().catch(() => {
      throw new MetadataUnavailableError('the metadata endpoint closed the connection midway');
    });
    if (chunk.done) break;
    size += chunk.value.length;
    if (size > max) {
      await reader.cancel();
      throw new MetadataInvalidError(`the metadata is larger than ${max} bytes`);
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
