import { readDocument } from '../../server/config/read.js';
import { SECRET_DOCUMENT_PATHS as SECRET_PATHS } from '../../server/config/schema.js';

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
  return out;
}
