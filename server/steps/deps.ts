import type { ApplyClient } from '../apply/index.js';
import type { NetworkInterface } from '../system/interfaces.js';
import type { DraftStore } from './draft.js';
import type { ActiveSite } from '../export/active-site.js';

/** What the steps need from the outside; tests pass fakes. */
export interface WizardDeps {
  drafts: DraftStore;
  interfaces(): Promise<NetworkInterface[]>;
  /** The apply engine; see server/apply/index.ts. */
  apply: ApplyClient;
  now(): Date;
  /**
   * Whether this image can update itself (/etc/bowtie-setup/image.json); absent: it can. The
   * updates step says so when it cannot (docs/decisions/0640).
   */
  updatesAvailable?(): Promise<boolean>;
  /** The appliance's time zone (IANA name) for the times the pages show; default: the process's. */
  timeZone?(): string;
  /**
   * The applied site as `bowtie-setup export` reads it (server/export/active-site.ts): the
   * completion page and GET /export. Absent: they say it cannot be shown.
   */
  activeSite?(): Promise<ActiveSite>;
}
