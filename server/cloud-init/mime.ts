/**
 * MIME multipart user data, split into its leaf parts the way cloud-init walks them
 * (Python's email.walk: depth first, multipart containers skipped).
 *
 * postal-mime does the MIME work (headers, boundaries, base64 and quoted-printable). Its
 * public result is shaped for mail readers: inline text/plain parts are joined into one body,
 * which would glue a shell script and a cloud-config together. cloud-init looks at every part
 * on its own, so we walk postal-mime's part tree (`root`) instead; it is not in the type
 * declarations, so its shape is checked here and a change in it fails loudly (and in
 * mime.test.ts) rather than silently (docs/decisions/0301-mime-part-tree.md).
 */
import PostalMime from 'postal-mime';
import { MAX_MIME_PARTS } from './limits.js';

export interface MimePart {
  /** Lowercased media type, e.g. "text/cloud-config"; "text/plain" when the part names none. */
  type: string;
  /** The part's file name (Content-Disposition or Content-Type name), if any; user text. */
  filename: string | null;
  /** The body after Content-Transfer-Encoding is undone. */
  bytes: Uint8Array;
}

export type MimeResult = { ok: true; parts: MimePart[] } | { ok: false; message: string };

/** cloud-init's rule: user data is MIME when "mime-version:" occurs in its first 4096 bytes. */
export function looksLikeMime(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 4096)).toString('latin1').toLowerCase().includes('mime-version:');
}

interface TreeNode {
  contentType: { parsed: { value: string; params: Record<string, string> }; multipart: string | false };
  contentDisposition: { parsed: { value: string; params: Record<string, string> } };
  content: ArrayBuffer | null;
  childNodes: TreeNode[];
}

function isTreeNode(n: unknown): n is TreeNode {
  const node = n as Partial<TreeNode> | null;
  return (
    !!node &&
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- postal-mime's types promise a parsed header; a hostile part may lack it
    typeof node.contentType?.parsed?.value === 'string' &&
    typeof node.contentDisposition?.parsed === 'object' &&
    Array.isArray(node.childNodes) &&
    (node.content === null || node.content === undefined || node.content instanceof ArrayBuffer)
  );
}

export async function splitMime(bytes: Uint8Array): Promise<MimeResult> {
  const parser = new PostalMime({ maxNestingDepth: 8, maxHeadersSize: 64 * 1024, maxRfc822NestingDepth: 0 });
  try {
    await parser.parse(bytes);
  } catch {
    return { ok: false, message: 'is not a MIME message that can be read' };
  }
  const root = (parser as unknown as { root?: unknown }).root;
  if (!isTreeNode(root)) throw new Error('postal-mime: its part tree is not shaped as expected (see mime.ts)');
  const parts: MimePart[] = [];
  let tooMany = false;
  const walk = (node: TreeNode): void => {
    if (!isTreeNode(node)) throw new Error('postal-mime: its part tree is not shaped as expected (see mime.ts)');
    if (node.contentType.multipart) {
      node.childNodes.forEach(walk);
      return;
    }
    if (parts.length >= MAX_MIME_PARTS) {
      tooMany = true;
      return;
    }
    const filename = node.contentDisposition.parsed.params.filename ?? node.contentType.parsed.params.name ?? null;
    parts.push({
      type: node.contentType.parsed.value.toLowerCase() || 'text/plain',
      filename: typeof filename === 'string' ? filename : null,
      bytes: new Uint8Array(node.content ?? new ArrayBuffer(0)),
    });
  };
  walk(root);
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by walk(), which the checker cannot follow
  if (tooMany) return { ok: false, message: `has more than ${MAX_MIME_PARTS} parts` };
  return { ok: true, parts };
}
