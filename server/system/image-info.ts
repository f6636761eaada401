/**
 * What the image says about itself (nix/modules/update.nix writes /etc/bowtie-setup/image.json):
 * whether it was built with update endpoints. An image without them evaluates and boots, but
 * enabling updates there installs nothing: validate and cloud-init say so (docs/decisions/0640).
 */
import { join } from 'node:path';
import { z } from 'zod';
import { readBoundaryFile } from './boundary-file.js';

export const IMAGE_INFO_FILE = 'etc/bowtie-setup/image.json';

export const NO_UPDATE_SOURCE =
  'updates.enable: this image has no update source (it was built without update endpoints), so no scheduled update is installed; ask for an image with update endpoints, or set updates.enable: false';

const imageInfoSchema = z.object({ updates_available: z.boolean() }).loose();

/** False only when the image says it has no update source; a machine without the file (a sandbox) has one. */
export async function imageHasUpdateSource(root: string): Promise<boolean> {
  const read = await readBoundaryFile(join(root, IMAGE_INFO_FILE), {
    what: 'the image description',
    maxBytes: 64 * 1024,
    format: 'json',
    schema: imageInfoSchema,
  });
  return read.kind !== 'ok' || read.value.updates_available;
}
