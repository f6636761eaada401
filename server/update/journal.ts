/**
 * The update's journal (docs/decisions/0621): like the apply engine's, written before each step
 * acts, so that an update killed at any point is finished or rolled back by the next start
 * rather than left half-switched. One small root-only file in the state directory; it exists
 * only while an update is between "about to switch" and "done".
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { STATE_DIR } from '../nix/paths.js';
import { writeFileAtomic } from '../system/atomic-file.js';
import { readBoundaryFile } from '../system/boundary-file.js';

export const UPDATE_JOURNAL_FILE = `${STATE_DIR}/update-journal.json`;

const updateJournalSchema = z.strictObject({
  /** The generation that ran before: what a rollback brings back. */
  previous: z.number().int().min(1),
  from: z.string().max(64),
  to: z.string().max(64),
  step: z.enum(['switch', 'health', 'rollback']),
  startedAt: z.iso.datetime(),
});
export type UpdateJournal = z.infer<typeof updateJournalSchema>;

function journalPath(root: string): string {
  return join(root, UPDATE_JOURNAL_FILE);
}

/** The open journal, null when none; throws when it is there but not one (say so, touch nothing). */
export async function readUpdateJournal(root: string): Promise<UpdateJournal | null> {
  const read = await readBoundaryFile(journalPath(root), {
    what: 'the update journal',
    maxBytes: 4096,
    owners: [process.getuid?.() ?? 0],
    format: 'json',
    schema: updateJournalSchema,
  });
  if (read.kind === 'absent') return null;
  if (read.kind === 'refused') throw new Error(`${read.reason}: remove ${UPDATE_JOURNAL_FILE} once the system runs the generation you want`);
  return read.value;
}

export async function writeUpdateJournal(root: string, journal: UpdateJournal): Promise<void> {
  await writeFileAtomic(journalPath(root), `${JSON.stringify(journal)}\n`, { mode: 0o600, dirMode: 0o700 });
}

export async function clearUpdateJournal(root: string): Promise<void> {
  await rm(journalPath(root), { force: true });
}
