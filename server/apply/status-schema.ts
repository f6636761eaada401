/**
 * status.json as the web process, `status` and the console accept it (docs/decisions/0600):
 * written by root, but read through the one boundary reader and this schema like every file
 * that crosses the boundary, so that a reader never acts on a shape it did not check. Free text
 * is made printable on the way in.
 */
import { z } from 'zod';
import { printable } from '../system/boundary-file.js';
import type { LockOwner } from './lock.js';
import type { ApplyStatus } from './types.js';

/** status.json: ApplyStatus plus who is working on it (to notice a dead worker). */
export interface PublishedStatus extends ApplyStatus {
  worker: Pick<LockOwner, 'pid' | 'startTime'> | null;
  publishedAt: string;
}

const text = (max: number) =>
  z
    .string()
    .max(max * 4)
    .transform((s) => printable(s, max));
const phase = z.enum(['idle', 'queued', 'validate', 'write', 'build', 'test', 'confirm', 'switch', 'health', 'rollback']);
const source = z.enum(['web', 'cli', 'cloud-init', 'console']);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const id = z.string().regex(/^[a-z0-9-]{1,40}$/);
const iso = z.iso.datetime();

const resultSchema = z.object({
  id,
  outcome: z.enum(['applied', 'unchanged', 'rolled-back', 'invalid']),
  source,
  finishedAt: iso,
  reason: text(2000).nullable(),
  failedPhase: phase.nullable(),
  errors: z.array(z.object({ path: text(200), message: text(500) })).max(200),
  outputTail: z.array(text(4000)).max(200),
  generation: count.nullable(),
  handedOff: z.boolean(),
  reset: z.enum(['config', 'factory']).optional(),
});

export const publishedStatusSchema: z.ZodType<PublishedStatus> = z.object({
  phase,
  id: id.nullable(),
  source: source.nullable(),
  confirmMode: z.enum(['interactive', 'health-gate']).nullable(),
  startedAt: iso.nullable(),
  phaseStartedAt: iso.nullable(),
  progress: z.object({
    activity: text(300).nullable(),
    buildsDone: count,
    buildsTotal: count,
    pathsDone: count,
    pathsTotal: count,
    bytesDone: count,
    bytesTotal: count,
  }),
  confirmDeadline: iso.nullable(),
  confirmSecondsLeft: count.nullable(),
  newUrl: z
    .url({ protocol: /^https?$/ })
    .max(300)
    .nullable(),
  last: resultSchema.nullable(),
  setupComplete: z.boolean(),
  generation: count.nullable(),
  interrupted: z.boolean(),
  refusal: z
    .object({ at: iso, reason: text(1000) })
    .nullable()
    .default(null),
  next: text(2000),
  worker: z.object({ pid: z.number().int().positive(), startTime: count }).nullable(),
  publishedAt: iso,
});
