/** The web process's handle on the engine (implementation follows). */
import type { ApplyClient, ApplyOptions } from './types.js';

export function createApplyClient(opts: ApplyOptions): ApplyClient {
  void opts;
  throw new Error('createApplyClient: not implemented yet');
}
