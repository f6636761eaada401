/**
 * The wizard's draft: what has been entered so far, kept server-side in
 * `<root>/var/lib/bowtie-setup/web/draft.json` (0600 in the web user's 0700 directory, atomic
 * writes) so that a reload, a second browser or a restart of the wizard loses nothing. Secrets
 * are stored here too (no one but the web user and root can read it) but never rendered back.
 * The admin password is stored only as its argon2id hash.
 */
import { join } from 'node:path';
import type { CloudInitResult } from '../auth/cloud-init-result.js';
import { MAX_DOCUMENT_BYTES } from '../config/limits.js';
import type { DraftDocument, FieldError } from '../config/schema.js';
import { DRAFT_FILE } from '../nix/paths.js';
import { writeFileAtomic } from '../system/atomic-file.js';
import { readBoundaryFile } from '../system/boundary-file.js';
import type { StepName } from './order.js';

export type { DraftDocument } from '../config/schema.js';

export interface Draft {
  document: DraftDocument;
  /** A step's last submission that did not validate: its non-secret values and the errors. */
  entered: Partial<Record<StepName, { values: Record<string, string>; errors: FieldError[] }>>;
  /** The cloud-init instance whose prefill has been loaded (loaded once, then the person's edits win). */
  prefilledFrom: string | null;
}

export function emptyDraft(): Draft {
  return { document: {}, entered: {}, prefilledFrom: null };
}

export function draftPath(root: string): string {
  return join(root, DRAFT_FILE);
}

export class DraftStore {
  private current: Draft | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  /** The draft as last loaded or written, without I/O (null before the first get). */
  peek(): Draft | null {
    return this.current;
  }

  async get(): Promise<Draft> {
    if (this.current) return this.current;
    // Anything that is not a draft (a link, a FIFO, another shape) counts as none.
    this.current = (await readDraft(this.file)) ?? emptyDraft();
    return this.current;
  }

  /** Changes the draft and writes it; changes are applied one after another. */
  update(change: (draft: Draft) => void): Promise<Draft> {
    const run = this.queue.then(async () => {
      const next = structuredClone(await this.get());
      change(next);
      await writeFileAtomic(this.file, JSON.stringify(next, null, 2) + '\n', { mode: 0o600, dirMode: 0o700 });
      this.current = next;
      return next;
    });
    this.queue = run.catch(() => {});
    return run;
  }
}

/**
 * The draft, or null for "no usable draft": a link, something that is not a regular file, more
 * than a draft can hold, or not a draft's shape. Read through the boundary reader: a reset and
 * the console read it as root (docs/decisions/0500, 0600).
 */
export async function readDraft(file: string): Promise<Draft | null> {
  // The document itself is at most MAX_DOCUMENT_BYTES; the rest is what was typed, per step.
  const read = await readBoundaryFile(file, {
    what: "the wizard's draft",
    maxBytes: 4 * MAX_DOCUMENT_BYTES,
    format: 'json',
    schema: async () => (await import('./draft-schema.js')).draftSchema,
  });
  return read.kind === 'ok' ? read.value : null;
}

/** Loads a cloud-init prefill into the draft once per instance; later edits in the browser win. */
export async function loadPrefill(drafts: DraftStore, cloudInit: CloudInitResult | null): Promise<void> {
  if (cloudInit?.status !== 'prefilled' || !cloudInit.prefill) return;
  const draft = await drafts.get();
  if (draft.prefilledFrom === cloudInit.instance_id) return;
  await drafts.update((d) => {
    d.document = { ...d.document, ...cloudInit.prefill };
    d.prefilledFrom = cloudInit.instance_id;
  });
}
