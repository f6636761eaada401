import type { ApplyClient } from '../apply/index.js';
import type { NetworkInterface } from '../system/interfaces.js';
import type { DraftStore } from './draft.js';

/** What the steps need from the outside; tests pass fakes. */
export interface WizardDeps {
  drafts: DraftStore;
  interfaces(): Promise<NetworkInterface[]>;
  /** The apply engine; see server/apply/index.ts. */
  apply: ApplyClient;
  now(): Date;
}
