/**
 * The draft file's shape (draft.ts reads and writes it): apart from the store so that the web
 * process loads zod only when there is a draft to parse, not before it listens
 * (docs/decisions/0690).
 */
import { z } from 'zod';
import { MAX_DOCUMENT_BYTES } from '../config/limits.js';
import type { DraftDocument } from '../config/schema.js';
import { STEP_ORDER, type StepName } from './order.js';

const plainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The draft's shape; its document is checked field by field where it is used (review, apply). */
export const draftSchema = z.object({
  document: z.custom<DraftDocument>(plainObject),
  entered: z
    .partialRecord(
      z.enum(STEP_ORDER.map((s) => s.name) as [StepName, ...StepName[]]),
      z.object({ values: z.record(z.string(), z.string().max(MAX_DOCUMENT_BYTES)), errors: z.array(z.object({ path: z.string(), message: z.string() })) }),
    )
    .default({}),
  prefilledFrom: z.string().max(256).nullable().default(null),
});
