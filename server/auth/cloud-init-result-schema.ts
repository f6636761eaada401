/**
 * The schema of cloud-init's result for the wizard (cloud-init-result.ts reads the file): apart
 * from the reader so that the web process loads zod only when there is a result to parse
 * (docs/decisions/0690).
 */
import { z } from 'zod';
import type { DraftDocument, FieldError } from '../config/schema.js';

const activationSchema = z.object({
  outcome: z.enum(['applied', 'unchanged', 'rolled-back', 'not-started']),
  configures: z.array(z.string().max(100)).max(50),
  generation: z.number().int().min(0).nullable(),
  reason: z.string().max(4000).nullable(),
});
export type CloudInitActivation = z.infer<typeof activationSchema>;

/** A partial document: the wizard takes it into its draft, whose steps check each field. */
const prefillSchema = z.custom<DraftDocument>((v) => typeof v === 'object' && v !== null && !Array.isArray(v));

export const cloudInitResultSchema = z.object({
  instance_id: z.string().min(1).max(256),
  status: z.enum(['applied', 'prefilled', 'rejected']),
  errors: z.array(z.object({ path: z.string().max(200), message: z.string().max(1000) })).max(200),
  prefill: prefillSchema.nullable(),
  /**
   * With "prefilled" only: the partial document's settings (static network, hostname, SSH
   * keys, ...) were applied before the wizard took over (docs/decisions/0512). "applied" stays
   * the status of a complete document that finished setup; a prefilled wizard tells "the
   * network from user data is active" (outcome applied/unchanged) from "applying it failed,
   * the previous configuration runs" (rolled-back, not-started, with the reason) by this.
   * Null or absent: nothing was applied, the prefill is all.
   */
  activation: activationSchema.nullable().optional(),
});
export type CloudInitResult = z.infer<typeof cloudInitResultSchema> & { errors: FieldError[] };
