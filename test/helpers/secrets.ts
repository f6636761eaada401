import { readDocument } from '../../server/config/read.js';
import { parseProxyUrl, proxySecretValues } from '../../server/config/proxy.js';
import { SECRET_DOCUMENT_PATHS as SECRET_PATHS, SECRET_URL_DOCUMENT_PATHS as SECRET_URL_PATHS } from '../../server/config/schema.js';

/** The secret values a document holds (as typed), for "never in the output" assertions. */
export function secretValues(input: unknown): string[] {
  let doc = input;
  if (typeof input === 'string') {
    const read = readDocument(Buffer.from(input));
    if (!read.ok) return [];
    doc = read.value;
  }
  const out: string[] = [];
  for (const path of SECRET_PATHS) {
    let v: unknown = doc;
    for (const k of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    if (typeof v === 'string' && v.length >= 6) {
      out.push(v);
      // A PEM key's body lines are secret too, wherever they might be quoted.
      for (const line of v.split('\n')) if (line.length >= 40 && !line.startsWith('-----')) out.push(line);
    }
  }
  // A URL's user name and password (the proxy's): as typed, and as the file stores them.
  for (const path of SECRET_URL_PATHS) {
    let v: unknown = doc;
    for (const k of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    if (typeof v !== 'string') continue;
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#\\]*)@/.exec(v);
    if (m) {
      const colon = m[1]!.indexOf(':');
      if (colon >= 0 && m[1]!.length - colon > 4) out.push(m[1]!.slice(colon + 1));
    }
    const parsed = parseProxyUrl(v);
    if (parsed.ok) out.push(...proxySecretValues(parsed.value.credentials).filter((s) => s.length >= 6));
  }
  return out;
}
