import type { ApplyResult } from '../../server/apply/types.js';

/** What the engine answers for a successful headless apply (the fake engine's default). */
export const appliedResult: ApplyResult = {
  id: 'test',
  outcome: 'applied',
  source: 'cloud-init',
  finishedAt: new Date(0).toISOString(),
  reason: null,
  failedPhase: null,
  errors: [],
  outputTail: [],
  generation: 2,
  handedOff: true,
};
