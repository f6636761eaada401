/**
 * Reads the channel's metadata endpoint. The answer is untrusted until it validates; even then
 * it only names what to fetch: the base system it points at must carry a signature by one of
 * the module's trusted keys, or `nix copy` refuses it.
 */
import { fieldErrors, formatFieldErrors } from '../config/errors.js';
import { getThroughProxy, ProxyRequestError, proxyFor } from './proxy-request.js';
import { metadataSchema, type Metadata } from './schema.js';

export const METADATA_MAX_BYTES = 64 * 1024;
export const METADATA_TIMEOUT_MS = 20_000;

/** The endpoint could not be reached or did not answer 200: try again at the next run. */
export class MetadataUnavailableError extends Error {}
/** The endpoint answered, but not with valid metadata. */
export class MetadataInvalidError extends Error {}

interface Answer {
  status: number;
  body: AsyncIterable<Uint8Array> | null;
  cancel(): void;
}

/** GET `url`, through the environment's proxy when it names one for this URL (docs/decisions/0670). */
async function get(url: string, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<Answer> {
  const signal = AbortSignal.timeout(timeoutMs);
  const headers = { accept: 'application/json' };
  let target: URL | null = null;
  try {
    target = new URL(url);
  } catch {
    // fetch says what is wrong with it
  }
  const proxy = target && proxyFor(target, env);
  if (target && proxy) {
    try {
      const res = await getThroughProxy(target, proxy, headers, signal);
      return { status: res.statusCode ?? 0, body: res, cancel: () => res.destroy() };
    } catch (e) {
      throw new MetadataUnavailableError(`the metadata endpoint ${url}: ${e instanceof ProxyRequestError ? e.message : 'the request failed'}`);
    }
  }
  try {
    const response = await fetch(url, { signal, headers, redirect: 'error' });
    return { status: response.status, body: response.body, cancel: () => void response.body?.cancel().catch(() => {}) };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new MetadataUnavailableError(`cannot reach the metadata endpoint ${url} (${cause})`);
  }
}

export async function fetchMetadata(url: string, timeoutMs = METADATA_TIMEOUT_MS, env: NodeJS.ProcessEnv = process.env): Promise<Metadata> {
  const response = await get(url, timeoutMs, env);
  if (response.status !== 200) {
    response.cancel();
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

async function readLimited(response: Answer, max: number): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const iterator = response.body[Symbol.asyncIterator]();
  for (;;) {
    const chunk = await iterator.next().catch(() => {
      throw new MetadataUnavailableError('the metadata endpoint closed the connection midway');
    });
    if (chunk.done) break;
    size += chunk.value.length;
    if (size > max) {
      await Promise.resolve(iterator.return?.()).catch(() => {});
      response.cancel();
      throw new MetadataInvalidError(`the metadata is larger than ${max} bytes`);
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
