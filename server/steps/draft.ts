/**
 * The wizard's draft: what has been entered so far, kept server-side in
 * `<root>/var/lib/bowtie-setup/web/draft.json` (0600 in the web user's 0700 directory, atomic
 * writes) so that a reload, a second browser or a restart of the wizard loses nothing. Secrets
 * are stored here too (no one but the web user and root can read it) but never rendered back.
 * The admin password is stored only as its argon2id hash.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { CloudInitResult } from '../auth/cloud-init-result.js';
import { MAX_DOCUMENT_BYTES } from '../config/limits.js';
import type { ConfigDocument, FieldError } from '../config/schema.js';
import { DRAFT_FILE } from '../nix/paths.js';
import { writeFileAtomic } from '../system/atomic-file.js';
import type { StepName } from './order.js';

/** A config document that may still lack its required fields. */
export type DraftDocument = Partial<ConfigDocument>;

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
    try {
      const text = await readDraftFile(this.file);
      this.current = text === null ? emptyDraft() : { ...emptyDraft(), ...(JSON.parse(text) as Partial<Draft>) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && !(e instanceof SyntaxError)) throw e;
      this.current = emptyDraft();
    }
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
 * The draft's bytes, or null for "no usable draft": a link, something that is not a regular
 * file, or more than a draft can hold. A reset reads it as root (docs/decisions/0500): a link
 * to an endless file there must not stall the worker.
 */
async function readDraftFile(file: string): Promise<string | null> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') return null;
    throw e;
  }
  try {
    const st = await handle.stat();
    // The document itself is at most MAX_DOCUMENT_BYTES; the rest is what was typed, per step.
    if (!st.isFile() || st.size > 4 * MAX_DOCUMENT_BYTES) return null;
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
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
