/**
 * The exported document as cloud-init user data for the next appliance: `#cloud-config` with the
 * document under `bowtie_setup`, a header that says what to change and what to fill in, and a
 * comment above each placeholder. Written as YAML 1.1 (what cloud-init's PyYAML reads), so no
 * value can change type on the way (`yes`, `03:00`, `*` are quoted).
 */
import { Document, isMap, isPair, isScalar, type Node, type Pair } from 'yaml';
import type { SecretToFill } from '../apply/fragment-document.js';
import type { ConfigDocument } from '../config/schema.js';
import { VERSION } from '../version.js';

export function exportUserData(document: ConfigDocument, secrets: SecretToFill[], from: string, key: string): string {
  const doc = new Document({ [key]: document }, { version: '1.1' });
  const ours = doc.get(key, true);
  for (const s of secrets) {
    const pair = pairAt(ours as Node, s.path.split('.'));
    if (pair && isScalar(pair.key)) pair.key.commentBefore = ` FILL IN: ${s.what}`;
  }
  const header = [
    '#cloud-config',
    `# Exported by bowtie-setup ${VERSION} from ${from}: the site configuration as user data for`,
    '# the next appliance. Change what must differ per appliance (hostname, static addresses).',
    ...(secrets.length
      ? [
          '# Secrets are not exported: fill in every "<FILL IN: ...>" value; until then bowtie-setup',
          `# refuses the document and names the field (${secrets.map((s) => s.path).join(', ')}).`,
        ]
      : ['# It holds no secret to fill in.']),
    '# Give it to the next appliance as its user data, or run: bowtie-setup cloud-init --user-data FILE',
  ];
  return `${header.join('\n')}\n${doc.toString({ lineWidth: 0 })}`;
}

function pairAt(node: Node | undefined, path: string[]): Pair | null {
  let current: unknown = node;
  let pair: Pair | null = null;
  for (const k of path) {
    if (!isMap(current)) return null;
    const found = current.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === k);
    if (!found) return null;
    pair = found;
    current = found.value;
  }
  return pair;
}
