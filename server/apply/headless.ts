/** Headless applies (apply FILE, cloud-init) and dry runs (implementation follows). */
import type { ApplyOptions, ApplyPlan, ApplyResult, ApplyStatus } from './types.js';

export interface HeadlessApplyOptions extends ApplyOptions {
  document: unknown;
  source: 'cli' | 'cloud-init';
  /** Called with each status change while the apply runs (progress display). */
  onStatus?: (status: ApplyStatus) => void;
}

/** Runs one apply to the end with health-gate confirm. Rejects with ApplyBusyError when busy. */
export async function applyHeadless(opts: HeadlessApplyOptions): Promise<ApplyResult> {
  void opts;
  throw new Error('applyHeadless: not implemented yet');
}

/** What applying `document` would change (--dry-run, the review page); changes nothing. */
export async function planApply(opts: ApplyOptions & { document: unknown }): Promise<ApplyPlan> {
  void opts;
  throw new Error('planApply: not implemented yet');
}
