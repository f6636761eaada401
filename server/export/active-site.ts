/**
 * The active site configuration, read back from the fragment (which holds no secret), as
 * `bowtie-setup export` and the wizard's completion page and GET /export see it: the site, the
 * document that renders to it with each secret left out and marked, and that document as
 * cloud-init user data. One reader for all three, so the download is what `export` prints.
 */
import { documentFromFragment, readFragmentDocument, type FragmentDocument, type SecretToFill } from '../apply/fragment-document.js';
import { enginePaths } from '../apply/paths.js';
import { KEY } from '../cloud-init/cloud-config.js';
import { fqdnOf } from '../config/names.js';
import type { ConfigDocument } from '../config/schema.js';
import { exportUserData } from './user-data.js';

export type ActiveSite =
  | { kind: 'none' }
  | { kind: 'unreadable'; reason: string }
  | { kind: 'site'; site: FragmentDocument; fqdn: string; document: ConfigDocument; secrets: SecretToFill[]; userData: string };

export async function readActiveSite(root: string): Promise<ActiveSite> {
  const read = await readFragmentDocument(enginePaths(root).fragment);
  if (read.kind !== 'site') return read;
  const { document, secrets } = documentFromFragment(read.site);
  const fqdn = fqdnOf(read.site.hostname, read.site.domain);
  return { kind: 'site', site: read.site, fqdn, document, secrets, userData: exportUserData(document, secrets, fqdn, KEY) };
}
