/**
 * state.json as the engine accepts it back (./journal.ts readState). Root wrote it and only
 * root may (readTrusted checks the owner and the mode), but it is still read from disk: a
 * truncated write, a disk error or an older layout must stop the engine with the path of what
 * is wrong rather than run on a shape the types only claim. Objects keep keys this version does
 * not know (a journal is written back whole), and secret hashes a journal written before a
 * secret existed lacks are null: that file did not exist then either. journal.ts holds the
 * schema to its EngineState type.
 */
import { z } from 'zod';
import type { SecretName } from './paths.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const hashOrNull = sha256.nullable().default(null);
const time = z.string().max(64);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const phase = z.enum(['idle', 'queued', 'validate', 'write', 'build', 'test', 'confirm', 'switch', 'health', 'rollback']);
const step = z.enum(['validate', 'backup', 'write', 'build', 'test', 'confirm', 'switch', 'health', 'rollback']);
const source = z.enum(['web', 'cli', 'cloud-init', 'console']);
const resetMode = z.enum(['config', 'factory']);

const secrets = z.looseObject({
  adminPasswordHash: hashOrNull,
  consolePasswordHash: hashOrNull,
  enrollmentToken: hashOrNull,
  tlsPrivateKey: hashOrNull,
  proxyCredentials: hashOrNull,
  ssoClientSecret: hashOrNull,
} satisfies Record<SecretName, unknown>);

const snapshot = { fragment: sha256.nullable(), secrets };

const result = z.looseObject({
  id: z.string().min(1).max(200),
  outcome: z.enum(['applied', 'unchanged', 'rolled-back', 'invalid']),
  source,
  finishedAt: time,
  reason: z.string().nullable(),
  failedPhase: phase.nullable(),
  errors: z.array(z.looseObject({ path: z.string(), message: z.string() })),
  outputTail: z.array(z.string()),
  generation: count.nullable(),
  handedOff: z.boolean(),
  reset: resetMode.optional(),
});

const journal = z.looseObject({
  id: z.string().min(1).max(200),
  source,
  confirmMode: z.enum(['interactive', 'health-gate']),
  confirmWindowSeconds: z.number(),
  step,
  startedAt: time,
  stepStartedAt: time,
  bootId: z.string().max(200),
  prev: z.looseObject({ ...snapshot, generation: count.nullable(), system: z.string().nullable(), handedOff: z.boolean() }).nullable(),
  next: z.looseObject({ ...snapshot, documentHash: z.string(), complete: z.boolean(), newUrl: z.string().nullable() }).nullable(),
  confirmDeadline: time.nullable(),
  confirmedAt: time.nullable(),
  rollback: z.looseObject({ from: step, reason: z.string() }).nullable(),
  reset: resetMode.nullable().optional(),
});

export const engineStateSchema = z.looseObject({
  version: z.literal(1),
  setup: z.enum(['unconfigured', 'configured', 'complete']),
  active: z
    .looseObject({
      ...snapshot,
      id: z.string().min(1).max(200),
      documentHash: z.string(),
      complete: z.boolean(),
      generation: count.nullable(),
      appliedAt: time,
    })
    .nullable(),
  apply: journal.nullable(),
  last: result.nullable(),
  resetCleanup: z
    .looseObject({ id: z.string().min(1).max(200), mode: resetMode, kept: z.record(z.string(), z.unknown()).nullable() })
    .nullable()
    .optional(),
  refusal: z.looseObject({ at: time, reason: z.string() }).nullable().optional(),
});

/** Where the journal disagreed, by path only (a reason or an error text may be long). */
export function journalIssues(error: z.ZodError): string {
  const paths = [...new Set(error.issues.map((i) => (i.path.length ? i.path.map(String).join('.') : '(top level)')))];
  return `${paths.slice(0, 5).join(', ')}${paths.length > 5 ? `, and ${paths.length - 5} more` : ''}`;
}
